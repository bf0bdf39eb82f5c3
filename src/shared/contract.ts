/**
 * The one typed contract between the studio's UI and main: invoke channels (request → response) and event
 * streams (main → UI). The same zod schemas validate every request where it arrives. Runs everywhere.
 */
import { z } from 'zod';
import { BACKEND_NAMES } from './backends';
import { bookmarkFileSchema, type BookmarkFile } from './bookmarkFile';
import { LATENT_SPACES, type LatentSpace } from './latent';
import { PRESET_NAMES } from './config/presets';
import type { StepProgress } from './metrics';
import { RUN_ID, RUN_ID_RULE } from './picturePaths';
import type { Config } from './config/schema';
import type { RunSeries } from './series';
import type { ProbeReport } from './probe';
import { sweepSpecSchema, type SweepCellResult, type SweepRow, type SweepSpec } from './sweep';
import type { Alarm, AlarmRecord, FeatureSpaceId, QualityRecord, QualityScores, SnapshotInfo } from './quality';
import type { CHANNELS, EVENTS } from './channels';

// "." and ".." would name the workspace or its parent, not a run.
const runId = z.string().regex(RUN_ID, RUN_ID_RULE);

const none = z.strictObject({});
/** A kept snapshot of a run: its step, or the best-scoring one. */
const snapshot = z.union([z.literal('best'), z.number().int().min(0)]);
const datasetId = z.number().int().min(1);
const datasetName = z.string().regex(/^(?!\.+$)[^/\\]{1,100}$/, 'must be a name of 1–100 characters without slashes');
/** 'anime', 'frontalface', or the path of a cascade file. */
const cascade = z.string().min(1).max(4096);
const cropParams = z.strictObject({
  scaleFactor: z.number().gt(1).max(2).default(1.1),
  minNeighbors: z.number().int().min(0).max(50).default(5),
  minSize: z.number().int().min(8).max(2048).default(48),
  size: z.number().int().min(8).max(1024).default(96),
  margin: z.number().min(0).max(1).default(0),
}).prefault({});

/** A latent vector as JSON: finite numbers, at most the largest latent size a config allows. */
const latent = z.array(z.number().finite()).min(1).max(1024);
const latents = (min: number, max: number) => z.array(latent).min(min).max(max);
/** A conditional generator's class weights for one picture (one-hot, or a blend to morph between classes). */
const label = z.array(z.number().finite().min(0).max(1)).min(1).max(1000);
const labels = (max: number) => z.array(label).min(1).max(max);
const bookmarkName = z.string().trim().min(1, 'must not be empty').max(100);
const tags = z.array(z.string().trim().min(1).max(50)).max(20).default([]);

export const requests = {
  'studio:info': none,
  /** Which backend training would use here (probed in a worker: main never loads tfjs). */
  'studio:backend': none,
  /** A native folder dialog (Electron only; the headless server answers 'unsupported'). */
  'studio:pick-folder': z.strictObject({ title: z.string().max(200).default('Choose a folder') }),
  /** Moves the workspace (where runs live); refused while a run trains. */
  'studio:set-workspace': z.strictObject({ path: z.string().min(1, 'must name a folder').max(4096) }),
  'training:start': z.strictObject({
    preset: z.enum(PRESET_NAMES as [string, ...string[]]),
    /** Fields of the config to change, group by group, as the form edits them. */
    overrides: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
    runId,
    /** The backend to train on; left out, the studio's own choice (its --backend, else the fastest that loads). */
    backend: z.enum(['auto', ...BACKEND_NAMES]).optional(),
  }),
  'training:pause': z.strictObject({ runId }),
  'training:resume': z.strictObject({ runId }),
  /**
   * Step-by-step mode on a paused run: one D update, or one G update that completes the step (recorded like any
   * step: the counter and the charts advance); the reply says what D now thinks of each picture of the grid.
   */
  'training:step': z.strictObject({ runId, network: z.enum(['D', 'G']) }),
  /** On a paused run: where D's verdict on sample `index` of the grid is most sensitive, as a heat map over it. */
  'training:saliency': z.strictObject({ runId, index: z.number().int().min(0).max(255) }),
  'training:stop': z.strictObject({ runId }),
  'runs:list': none,
  'runs:get': z.strictObject({ runId, maxPoints: z.number().int().min(10).max(20_000).default(1000) }),
  /**
   * Trains a stopped run on from its checkpoint, up to its own steps or to `steps` in total; or, with `snapshot`,
   * continues that snapshot as a new run named `into` (the original run stays whole).
   */
  'runs:continue': z.strictObject({ runId, steps: z.number().int().min(1).optional(), snapshot: snapshot.optional(), into: runId.optional() })
    .refine((r) => (r.snapshot === undefined) === (r.into === undefined), { message: 'a snapshot continues as a new run: give both snapshot and into', path: ['into'] }),
  /**
   * The run's generator as files other tools open (tfjs: a TF.js graph model folder; onnx: one file; toy: a folder with
   * an offline page, the run's z-space bookmarks and slider directions), in the run's exports folder.
   */
  'runs:export': z.strictObject({ runId, format: z.enum(['tfjs', 'onnx', 'toy']), snapshot: snapshot.optional() }),
  /**
   * A generator made elsewhere (an .onnx file, or a folder with a TF.js model.json; `path` absolute) as a new run
   * `runId` the latent lab can open: its shape is read from the model, which is copied into the run's folder.
   */
  'runs:import-generator': z.strictObject({ path: z.string().min(1, 'must name a file'), runId }),
  /** The run's sample grids over its training as one film (a job while it encodes: progress, cancel). */
  /** A linear probe of the run's D on its labelled pictures (a job: progress, cancel); kept as the run's probe.json. */
  'runs:probe': z.strictObject({ runId, snapshot: snapshot.optional() }),
  /** D's first filters and what its stages make of picture `index` of the run's dataset (D as the lab opened it). */
  'runs:inspect-d': z.strictObject({ runId, index: z.number().int().min(0).default(0) }),
  'runs:timelapse': z.strictObject({ runId, format: z.enum(['gif', 'mp4', 'webm']), fps: z.number().int().min(1).max(60).default(8) }),
  /** Runs a sweep's cells as a queue of runs (a job; resumable: the same spec again skips the finished runs). */
  'sweeps:start': z.strictObject({ spec: sweepSpecSchema }),
  'sweeps:list': none,
  /** Each cell's run and the results table (a row per grid point: its seeds' best scores, mean ± spread). */
  'sweeps:results': z.strictObject({ name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,60}$/, 'must be a sweep name') }),
  'datasets:list': none,
  /** Starts importing a folder (a job: progress arrives as job:progress events). */
  'datasets:import': z.strictObject({
    name: datasetName,
    dir: z.string().min(1, 'must name a folder'),
    pattern: z.string().min(1).optional(),
  }),
  /** One page of a dataset's items, filtered, for the virtualised grid. */
  'datasets:items': z.strictObject({
    datasetId,
    offset: z.number().int().min(0).default(0),
    limit: z.number().int().min(1).max(2000).default(500),
    status: z.enum(['all', 'included', 'excluded']).default('all'),
    label: z.string().max(100).optional(),
    minSide: z.number().int().min(0).default(0),
    duplicates: z.boolean().default(false),
    /**
     * Sorts by a run's curation scores (datasets:score) and returns them with each item; `upTo` keeps only the items
     * that come before that score in this order (at most it when ascending, at least it when descending).
     */
    scores: z.strictObject({ runId, sortBy: z.enum(['realness', 'inversionError', 'nearestSample']), order: z.enum(['asc', 'desc']).default('asc'), upTo: z.number().finite().optional() }).optional(),
  }),
  /**
   * Scores every item of a run's dataset (a curated one) by the run: D's realness, the inversion error, the distance
   * to the nearest generated sample; a job. The scores sort and show in datasets:items.
   */
  'datasets:score': z.strictObject({
    runId,
    snapshot: snapshot.optional(),
    samples: z.number().int().min(50).max(5000).default(256),
    inversionSteps: z.number().int().min(0).max(2000).default(50),
  }),
  /** Places every item of a dataset on a 2-D map (its pictures' features in a space, projected by UMAP); a job. */
  'datasets:map': z.strictObject({ datasetId, space: z.enum(['general', 'faces']).default('general') }),
  /** The map's points, once datasets:map has placed them. */
  'datasets:map-points': z.strictObject({ datasetId, space: z.enum(['general', 'faces']).default('general') }),
  /** Include / exclude, label or tag many items at once. */
  'datasets:update': z.strictObject({
    datasetId,
    ids: z.array(z.number().int().min(1)).min(1).max(100_000),
    included: z.boolean().optional(),
    label: z.string().max(100).nullable().optional(),
    addTags: z.array(z.string().min(1).max(50)).max(20).optional(),
  }),
  'datasets:problems': z.strictObject({ datasetId }),
  /** Groups of exact and near-duplicate items, for review (at most `limit` groups of each kind). */
  'datasets:duplicates': z.strictObject({ datasetId, limit: z.number().int().min(1).max(1000).default(100) }),
  /**
   * Collects pictures from web pages into the workspace's collected/<name> folder (a job; the same name again resumes
   * it): the pages are `urls`, or `pagePattern` with {n} over `pages` ("1-20"); `select` picks the picture elements.
   * Polite by default (robots.txt, a pause per host, retries with back-off); private addresses only when allowed.
   */
  'datasets:collect': z.strictObject({
    name: datasetName,
    urls: z.array(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' })).min(1).max(10_000).optional(),
    pagePattern: z.string().min(1).max(2000).optional(),
    pages: z.string().regex(/^\s*\d+(-\d+)?\s*$/, 'must be a page number or a range like 1-20').optional(),
    select: z.string().trim().min(1).max(500).default('img'),
    attr: z.string().trim().min(1).max(100).optional(),
    delaySeconds: z.number().min(0).max(600).default(1),
    maxPictureMB: z.number().positive().max(500).default(20),
    allowPrivate: z.union([z.boolean(), z.array(z.string().min(1).max(255)).max(100)]).default(false),
  }).refine((r) => Boolean(r.urls) !== Boolean(r.pagePattern), { message: 'give either urls or pagePattern (with pages), not both', path: ['urls'] })
    .refine((r) => !r.pagePattern || r.pages, { message: 'pagePattern needs pages, like 1-20', path: ['pages'] }),
  /** Cancels any running job: an import, a crop, an inversion. */
  'jobs:cancel': z.strictObject({ jobId: z.number().int().min(1) }),
  /** The jobs running now, whoever started them. */
  'jobs:list': none,
  /** Adds an embedded set as a labelled dataset (its pictures are written as files first, then imported as a job). */
  'datasets:embedded': z.strictObject({ set: z.enum(['mnist', 'fashion-mnist', 'emoji', 'cartoon-faces']), limit: z.number().int().min(0).default(0) }),
  /** Boxes found on a few included pictures spread over the dataset, before all of it is cropped. */
  'faces:preview': z.strictObject({ datasetId, cascade, params: cropParams, count: z.number().int().min(1).max(24).default(6) }),
  /** Crops the faces of a dataset's included pictures into a new dataset (a job; resumes into the same name). */
  'faces:crop': z.strictObject({ datasetId, name: datasetName, cascade, params: cropParams }),
  /**
   * Loads a run's generator into the lab: from its latest checkpoint, or from one of its snapshots. `space` (a
   * style-based G: z or w) and `truncation` (ψ, 1: off) hold for every later lab call on the run until changed.
   */
  'lab:open': z.strictObject({ runId, snapshot: snapshot.optional(), space: z.enum(LATENT_SPACES).optional(), truncation: z.number().min(0).max(1).optional() }),
  /** A sheet of samples from seeded random latents: the same seed, the same sheet. */
  'lab:sheet': z.strictObject({ runId, seed: z.number().int().min(0).max(2 ** 32 - 1).default(0), count: z.number().int().min(1).max(64).default(16), label: label.optional() }),
  /** The pictures of some latents, one PNG each (sliders, arithmetic, interpolation); a conditional run also needs each one's class. */
  'lab:render': z.strictObject({ runId, latents: latents(1, 64), labels: labels(64).optional() }),
  /** Directions from the generator itself (principal components of its first block, as GANSpace). */
  'lab:directions': z.strictObject({ runId, count: z.number().int().min(1).max(20).default(8), samples: z.number().int().min(50).max(20_000).default(2000), seed: z.number().int().min(0).default(0), label: label.optional() }),
  /** Writes an interpolation as a PNG strip or an animated GIF into the run's exports folder. */
  'lab:export': z.strictObject({ runId, latents: latents(1, 240), labels: labels(240).optional(), kind: z.enum(['strip', 'gif', 'mp4', 'webm']), frameMs: z.number().int().min(20).max(5000).default(100) }),
  /** Finds the latent of a real picture (a dataset item or a file) by gradient descent; progress as lab:inversion. */
  'lab:invert': z.strictObject({
    runId,
    itemId: z.number().int().min(1).optional(),
    path: z.string().min(1).max(4096).optional(),
    steps: z.number().int().min(1).max(5000).default(300),
    restarts: z.number().int().min(1).max(16).default(4),
    featureWeight: z.number().min(0).max(100).default(0),
    label: label.optional(),
  }).refine((r) => (r.itemId === undefined) !== (r.path === undefined), { message: 'give either itemId or path', path: ['itemId'] }),
  /** The training pictures nearest to a latent's picture (the memorisation check). */
  'lab:nearest': z.strictObject({ runId, latent, label: label.optional(), count: z.number().int().min(1).max(32).default(8) }),
  'bookmarks:list': z.strictObject({ runId: runId.optional() }),
  'bookmarks:add': z.strictObject({ runId, name: bookmarkName, latent, label: label.optional(), tags, origin: z.string().max(40).default('sample') }),
  'bookmarks:delete': z.strictObject({ ids: z.array(z.number().int().min(1)).min(1).max(10_000) }),
  /** Bookmarks as a JSON file's content (all, or the ids given). */
  'bookmarks:export': z.strictObject({ ids: z.array(z.number().int().min(1)).max(10_000).optional() }),
  'bookmarks:import': z.strictObject({ file: bookmarkFileSchema }),
  /** The native TensorFlow backend: what is built, which TensorFlow could be built against, CUDA libraries. */
  'native:status': none,
  /** Builds the native backend against `from` (a wheel or site-packages folder) or the first TensorFlow found; a job. */
  'native:install': z.strictObject({ from: z.string().min(1).max(4096).optional() }),
} as const;

export type Channel = keyof typeof requests;
export type RequestOf<C extends Channel> = z.input<(typeof requests)[C]>;
export type ParsedRequestOf<C extends Channel> = z.output<(typeof requests)[C]>;

export interface BackendInfo {
  name: string;
  gpu: boolean;
  /** A line a person reads: "wasm (XNNPACK, SIMD, 2 threads)". */
  description: string;
  /** Every backend tried, with why it is or is not available. */
  probes: { name: string; available: boolean; detail: string }[];
}

/** A run as the Runs view lists it. `lastSample` and sample files are paths inside the run's folder. */
export interface RunSummary {
  runId: string;
  preset: string | null;
  dataset: string;
  status: RunStatus;
  step: number;
  steps: number;
  lastSample: string | null;
  checkpoint: string | null;
  /** Why it failed, for status 'failed'. */
  message?: string;
  updatedAt: number;
  /** Its best quality measurement so far (lowest KID) and when it was reached; null before the first. */
  best: { step: number; kid: number; fid: number; space: FeatureSpaceId } | null;
  /** A generator imported from elsewhere (runs:import-generator): the lab can open it; it cannot train on. */
  imported?: { format: 'onnx' | 'tfjs'; source: string };
}

export interface RunDetail {
  summary: RunSummary;
  config: Config;
  series: RunSeries;
  samples: { step: number; file: string }[];
  /** Every quality measurement, in step order, the snapshots kept, and the alarms raised. */
  quality: QualityRecord[];
  snapshots: SnapshotInfo[];
  alarms: AlarmRecord[];
  /** The last linear probe of its D (runs:probe), when one was made. */
  probe?: ProbeReport;
}

export interface DatasetSummary {
  id: number;
  name: string;
  kind: 'folder' | 'embedded' | 'crops';
  source: string;
  items: number;
  included: number;
  problems: number;
  labels: string[];
  /** Items by their shorter side: [upper bound in px, count] buckets for the size histogram. */
  sizes: [number, number][];
  /** Runs whose curation scores of these items are kept. */
  scoredBy: string[];
}

export interface DatasetItem {
  id: number; path: string; hash: string; width: number; height: number; included: boolean; label: string | null; tags: string[];
  /** For a face crop: the picture it was cut from, and where. */
  source?: { itemId: number; width: number; height: number; box: { x: number; y: number; width: number; height: number } };
  /** A run's curation scores, when datasets:items asked for them. */
  scores?: ItemScores;
}
/** How a run sees one training picture (datasets:score). */
export interface ItemScores {
  /** D's score: a probability for the BCE objectives, the raw critic score otherwise. Low: unlike the rest. */
  realness: number;
  /** Mean squared pixel error left by inverting it ([-1, 1] pictures). High: the generator cannot draw it. */
  inversionError: number;
  /** Feature-space distance to the nearest generated sample. Near 0: memorised. */
  nearestSample: number;
}

/** A generator opened in the lab. */
export interface LabModel {
  runId: string; step: number; latentDim: number; imageShape: [number, number, number]; preset: string | null; dataset: string;
  /** A conditional generator's class names, in label order; empty for an unconditional one. */
  classes: string[];
  /** G is the run's weight average (train.emaDecay), not its last weights. */
  ema: boolean;
  /** The snapshot opened; absent for the run's latest checkpoint. */
  snapshot?: number;
  /** The spaces it can be explored in (w: a style-based G), the one the lab's latents are in now, and ψ. */
  spaces: LatentSpace[];
  space: LatentSpace;
  truncation: number;
}

/** Pictures in lab replies are small PNGs as data: URLs (a 64 px picture is a few kB). */
export type PictureData = string;

export interface Bookmark {
  id: number; name: string; runId: string; step: number; latent: number[]; tags: string[];
  /** A conditional run's class weights for it; null for an unconditional run. */
  label: number[] | null;
  /** What made it: 'sample', 'arithmetic', 'inversion', 'slider', 'interpolation', 'import'. */
  origin: string;
  /** The space its latent is in: the lab's space on the run when it was made. */
  space: LatentSpace;
  thumbnail: PictureData | null;
  createdAt: number;
}

export interface Responses {
  'studio:info': { version: string; host: 'electron' | 'server'; workspace: string; canPickFolders: boolean };
  'studio:backend': BackendInfo;
  'studio:pick-folder': { path: string | null };
  'studio:set-workspace': { workspace: string };
  'training:start': { runId: string; dir: string };
  'training:pause': { runId: string; step: number };
  'training:resume': { runId: string };
  'training:step': { network: 'D' | 'G'; step: number; d: { lossD: number; dReal: number; dFake: number }; g?: { lossG: number; dFakeAfter: number }; scores: number[]; samples: PictureData[] };
  'training:saliency': { step: number; score: number; picture: PictureData; overlay: PictureData };
  'training:stop': { runId: string; step: number; checkpoint: string };
  'runs:list': { runs: RunSummary[] };
  'runs:get': RunDetail;
  'runs:continue': { runId: string; dir: string };
  /** `file`: the export's path inside the workspace (runs/<run>/exports/…). */
  'runs:export': { file: string; bytes: number; step: number; ema: boolean; bookmarks?: { kept: number; skipped: number } };
  'runs:timelapse': { file: string; frames: number };
  'runs:probe': ProbeReport;
  'runs:inspect-d': { step: number; filters: PictureData; filterCount: { shown: number; total: number }; picture: PictureData; stages: { shape: [number, number, number]; shown: number; image: PictureData }[] };
  'runs:import-generator': { runId: string; format: 'onnx' | 'tfjs'; latentDim: number; classes: number; imageShape: [number, number, number] };
  'sweeps:start': { jobId: number; name: string; runs: string[] };
  'sweeps:list': { sweeps: string[] };
  'sweeps:results': { spec: SweepSpec; cells: SweepCellResult[]; rows: SweepRow[] };
  'datasets:list': { datasets: DatasetSummary[] };
  'datasets:import': { jobId: number; datasetId: number };
  'datasets:collect': { jobId: number; dir: string };
  'datasets:items': { total: number; items: DatasetItem[] };
  'datasets:score': { jobId: number; datasetId: number };
  'datasets:map': { jobId: number };
  'datasets:map-points': { points: { id: number; x: number; y: number; included: boolean; label: string | null }[] };
  'datasets:update': { updated: number };
  'datasets:problems': { problems: { path: string; reason: string }[] };
  'datasets:duplicates': { exact: DatasetItem[][]; near: DatasetItem[][] };
  'jobs:cancel': { jobId: number };
  'jobs:list': { jobs: JobInfo[] };
  'datasets:embedded': { jobId: number; datasetId: number };
  'faces:preview': { pictures: { itemId: number; hash: string; width: number; height: number; boxes: { x: number; y: number; width: number; height: number }[]; error?: string }[] };
  'faces:crop': { jobId: number; datasetId: number };
  'lab:open': LabModel;
  'lab:sheet': { latents: number[][]; images: PictureData[] };
  'lab:render': { images: PictureData[] };
  'lab:directions': { directions: { vector: number[]; explained: number }[] };
  /** `file`: the export's path inside the run's folder (a picture URL the renderer can load or download). */
  'lab:export': { file: string; frames: number };
  'lab:invert': { jobId: number };
  'lab:nearest': { neighbours: { index: number; distance: number; image: PictureData }[] };
  'bookmarks:list': { bookmarks: Bookmark[] };
  'bookmarks:add': { bookmark: Bookmark };
  'bookmarks:delete': { deleted: number };
  'bookmarks:export': { file: BookmarkFile };
  'bookmarks:import': { imported: number };
  'native:status': {
    /** `onGpu`: the check computed on a CUDA device (a CUDA build without its libraries computes on the CPU). */
    build: { tensorflow: string; source: string; gpu: boolean; builtAt: string; works: boolean; onGpu: boolean; problem?: string } | null;
    found: { path: string; version: string; gpu: boolean }[];
    looked: string[];
    /** For a CUDA-enabled TensorFlow: the CUDA libraries it loads, found and missing. */
    cuda: { found: string[]; missing: string[] } | null;
    /** The job building it now, if any. */
    building: number | null;
  };
  'native:install': { jobId: number };
}

/** 'stopped': not training, with a checkpoint short of its steps (it can be continued). */
export type JobKind = 'import' | 'crop' | 'inversion' | 'native-build' | 'curation' | 'map' | 'export' | 'collect' | 'probe' | 'sweep';

/** A long job as the registry knows it. */
export interface JobInfo {
  jobId: number;
  kind: JobKind;
  /** What it works on, in words ("import 'faces'", "inversion on 'digits'"). */
  title: string;
  done: number;
  total: number;
  status: 'running' | 'done' | 'cancelled' | 'failed';
  message?: string;
  cancellable: boolean;
}

export type RunStatus = 'starting' | 'running' | 'paused' | 'stopped' | 'finished' | 'failed';

/** Events from main to the UI. */
export interface Events {
  'training:progress': StepProgress;
  /** `file`: the grid's path inside the run's folder. */
  'training:sample': { runId: string; step: number; file: string };
  /** A quality measurement while training; `snapshot` when a snapshot was kept with it. */
  'training:quality': { runId: string; step: number; quality: QualityScores; snapshot: boolean };
  /** Something a person should know while the run trains: what was measured and what to try. */
  'training:alarm': { runId: string; step: number; alarm: Alarm };
  /** `backend` comes with 'running' (again with `compiled` once the native backend's compiled step settles); a failure carries its message and the last checkpoint, if any. */
  'training:status': { runId: string; status: RunStatus; step: number; message?: string; checkpoint?: string; backend?: { description: string; gpu: boolean; compiled?: string } };
  /** A long job (an import, a crop) as it goes; `status` leaves 'running' once, at its end. */
  /** Any long job as it starts, moves and ends (the one event the jobs indicator listens to). */
  'jobs:update': JobInfo;
  'job:progress': { jobId: number; kind: 'import' | 'crop'; datasetId: number; done: number; total: number; problems: number; status: 'running' | 'done' | 'cancelled' | 'failed'; message?: string };
  /** A native backend build as it goes (step of steps); `what` says the step, or at the end what came of it. */
  'native:progress': { jobId: number; step: number; steps: number; what: string; status: 'running' | 'done' | 'failed' };
  /** An inversion as it goes; at its end (`status` not 'running') the best latent and its picture. */
  'lab:inversion': {
    jobId: number; runId: string; step: number; steps: number; error: number; status: 'running' | 'done' | 'cancelled' | 'failed';
    initialError?: number; latent?: number[]; image?: PictureData; message?: string;
  };
}
export type EventName = keyof Events;

/** Whatever hears the studio's events: a host that broadcasts them, a service that emits them. */
export type EventListener = <E extends EventName>(event: E, payload: Events[E]) => void;

// The name lists the preload allows must be exactly the contract's channels and events.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const channelListsMatch: Same<(typeof CHANNELS)[number], Channel> & Same<(typeof EVENTS)[number], EventName> = true;

/** Every failure crosses the contract as this value, never as a thrown crash. */
export interface ContractError { code: 'invalid-request' | 'unknown-channel' | 'not-found' | 'conflict' | 'unsupported' | 'internal'; message: string }

export type Reply<C extends Channel> = { ok: true; value: Responses[C] } | { ok: false; error: ContractError };

/** Validates a request that arrived from outside: a typed error naming the field, or the parsed request. */
export function parseRequest<C extends Channel>(channel: string, payload: unknown): { ok: true; channel: C; request: ParsedRequestOf<C> } | { ok: false; error: ContractError } {
  if (!Object.hasOwn(requests, channel)) return { ok: false, error: { code: 'unknown-channel', message: `unknown channel '${channel}'` } };
  const result = requests[channel as Channel].safeParse(payload);
  if (!result.success) {
    const message = result.error.issues.map((i) => `${i.path.join('.') || '(request)'}: ${i.message}`).join('; ');
    return { ok: false, error: { code: 'invalid-request', message: `${channel}: ${message}` } };
  }
  return { ok: true, channel: channel as C, request: result.data as ParsedRequestOf<C> };
}
