/**
 * The latent lab's handlers: they check the run and the request, hand the tensor work to the lab's worker, keep
 * bookmarks in the catalogue, and turn inversions into jobs with progress events.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';
import type { BookmarkFile } from '../../shared/bookmarkFile';
import type { LatentSpace } from '../../shared/latent';
import type { EventListener, LabModel, ParsedRequestOf, Responses } from '../../shared/contract';
import { addBookmark, deleteBookmarks, exportBookmarks, getBookmarks, listBookmarks, zSpaceBookmarks } from '../catalogue/bookmarks';
import { openCatalogue, type Db } from '../catalogue/db';
import type { BackendName } from '../engine/runtime/backend';
import { generatorFile, runLayout, runFolder } from '../engine/training/run';
import { snapshotFile, snapshotStep, type SnapshotChoice } from '../engine/training/snapshots';
import type { LatentApi } from '../workers/latentWorker';
import { WorkerClient } from '../workers/rpc';
import { startWorker } from '../workers/workers';
import { notFound, ServiceError } from './errors';
import { dataUrl } from './pictureFile';
import { endingJob, type JobRegistry } from './jobs';
import { writeFileAtomic } from '../engine/training/atomicFile';


type View = { space: LatentSpace; truncation: number };
const DEFAULT_VIEW: View = { space: 'z', truncation: 1 };

const flat = (latents: number[][]): Float32Array => Float32Array.from(latents.flat());
const rows = (values: Float32Array, width: number): number[][] => Array.from({ length: values.length / width }, (_, i) => Array.from(values.subarray(i * width, (i + 1) * width)));

export class LatentService {
  private lab?: WorkerClient<LatentApi>;
  private db?: Db;

  private readonly models = new Map<string, { mtimeMs: number; model: LabModel }>();
  /** The snapshot each run was opened at in the lab (none: its latest checkpoint); every later call uses it. */
  private readonly snapshots = new Map<string, number>();
  /** The space and ψ each run is explored with (z and 1 until lab:open says otherwise); every later call uses them. */
  private readonly views = new Map<string, View>();

  constructor(private readonly workspace: string, private readonly backend: BackendName | 'auto', private readonly jobs: JobRegistry, private readonly itemFile: (id: number) => string | undefined, private readonly emit: EventListener) {}

  async close(): Promise<void> {
    this.db?.close();
    this.db = undefined;
    await this.lab?.worker.terminate();
    this.lab = undefined;
  }

  /**
   * The run's generator as the lab sees it; asked of the worker once per checkpoint (every slider move checks it).
   * `choice` opens another snapshot ('latest': the run's checkpoint); left out, the one opened before. `view` changes
   * the space or ψ (what is left out stays).
   */
  async open(runId: string, choice?: SnapshotChoice | 'latest', view: Partial<View> = {}): Promise<LabModel> {
    const dir = this.runDir(runId);
    if (choice === 'latest') this.snapshots.delete(runId);
    else if (choice !== undefined) {
      try {
        this.snapshots.set(runId, snapshotStep(dir, choice));
      } catch (err) {
        throw notFound((err as Error).message);
      }
    }
    const snapshot = this.snapshots.get(runId);
    const { mtimeMs } = statSync(snapshot === undefined ? generatorFile(dir) : snapshotFile(dir, snapshot));
    const known = this.models.get(runId);
    let model = known?.mtimeMs === mtimeMs && known.model.snapshot === snapshot ? known.model : undefined;
    if (!model) {
      const info = await this.worker().call('info', { dir, snapshot }).reply;
      model = { runId, step: info.step, latentDim: info.latentDim, imageShape: info.imageShape, preset: info.config.preset ?? null, dataset: info.imported ? `imported ${info.imported.format}: ${basename(info.imported.source)}` : (info.config.data.dataset ?? info.config.data.source), classes: info.classes, ema: info.ema, ...(snapshot !== undefined && { snapshot }), spaces: info.spaces, ...DEFAULT_VIEW };
    }
    const next = { ...(this.views.get(runId) ?? DEFAULT_VIEW), ...Object.fromEntries(Object.entries(view).filter(([, v]) => v !== undefined)) } as View;
    if (!model.spaces.includes(next.space)) throw new ServiceError('invalid-request', `space: run '${runId}' has no ${next.space} space: only a style-based generator (model.kind 'style') has one`);
    this.views.set(runId, next);
    model = { ...model, ...next };
    this.models.set(runId, { mtimeMs, model });
    return model;
  }

  /** The space and ψ the run is explored with, as the worker takes them. */
  private async view(runId: string): Promise<{ view: View }> {
    const { space, truncation } = await this.open(runId);
    return { view: { space, truncation } };
  }

  async sheet(r: ParsedRequestOf<'lab:sheet'>): Promise<Responses['lab:sheet']> {
    const { latentDim, classes } = await this.open(r.runId);
    // A conditional sheet shows the class asked for, or cycles through the classes.
    const classRows = classes.length === 0 ? undefined : Array.from({ length: r.count }, (_, i) => r.label ?? classes.map((_, k) => (k === i % classes.length ? 1 : 0)));
    const out = await this.worker().call('sheet', { dir: this.runDir(r.runId), seed: r.seed, count: r.count, labels: await this.labels(r.runId, classRows, r.count, 'label'), ...(await this.view(r.runId)) }).reply;
    return { latents: rows(out.latents, latentDim), images: out.pngs.map(dataUrl) };
  }

  async render(r: ParsedRequestOf<'lab:render'>): Promise<Responses['lab:render']> {
    const out = await this.worker().call('render', { dir: this.runDir(r.runId), latents: await this.latents(r.runId, r.latents), labels: await this.labels(r.runId, r.labels, r.latents.length, 'labels'), ...(await this.view(r.runId)) }).reply;
    return { images: out.pngs.map(dataUrl) };
  }

  async directions(r: ParsedRequestOf<'lab:directions'>): Promise<Responses['lab:directions']> {
    const { classes } = await this.open(r.runId);
    const label = classes.length === 0 ? undefined : [r.label ?? classes.map((_, k) => (k === 0 ? 1 : 0))];
    const found = await this.worker().call('directions', { dir: this.runDir(r.runId), count: r.count, samples: r.samples, seed: r.seed, labels: await this.labels(r.runId, label, 1, 'label'), ...(await this.view(r.runId)) }).reply;
    return { directions: found.map((d) => ({ vector: Array.from(d.vector), explained: d.explained })) };
  }

  /** A strip, a GIF, or a video: an MP4 / WebM is a job while ffmpeg encodes it (progress, cancel; no file then). */
  async export(r: ParsedRequestOf<'lab:export'>): Promise<Responses['lab:export']> {
    const name = `${r.kind}-${Date.now()}.${r.kind === 'strip' ? 'png' : r.kind}`;
    const lab = this.worker();
    const args = {
      dir: this.runDir(r.runId), latents: await this.latents(r.runId, r.latents), labels: await this.labels(r.runId, r.labels, r.latents.length, 'labels'),
      kind: r.kind, frameMs: r.frameMs, file: join(runLayout(this.runDir(r.runId)).exports, name), ...(await this.view(r.runId)),
    };
    let callId = 0;
    let cancelled = false;
    const cancel = (): void => {
      cancelled = true;
      lab.cancel(callId);
    };
    const job = r.kind === 'mp4' || r.kind === 'webm' ? this.jobs.start('export', `${r.kind.toUpperCase()} of an interpolation on '${r.runId}'`, cancel, r.latents.length) : undefined;
    const call = lab.call('export', args, (p) => job?.progress(p.done, p.total));
    callId = call.id;
    const out = await endingJob(job, call.reply, () => cancelled);
    return { file: `runs/${r.runId}/exports/${name}`, frames: out.frames };
  }

  /**
   * runs:import-generator: a new run folder holding a generator made elsewhere (the lab's worker reads its shape by
   * running it once).
   */
  async importGenerator(r: ParsedRequestOf<'runs:import-generator'>): Promise<Responses['runs:import-generator']> {
    const dir = runFolder(this.workspace, r.runId);
    if (!isAbsolute(r.path)) throw new ServiceError('invalid-request', `path: '${r.path}' must be an absolute path`);
    if (existsSync(dir)) throw new ServiceError('conflict', `runId: a run named '${r.runId}' exists already`);
    try {
      const facts = await this.worker().call('importGenerator', { source: r.path, dir }).reply;
      return { runId: r.runId, format: facts.format, latentDim: facts.latentDim, classes: facts.classes, imageShape: facts.imageShape };
    } catch (err) {
      throw new ServiceError('invalid-request', `path: ${(err as Error).message}`);
    }
  }

  /** runs:probe: a job in the lab's worker (its own copy of D); the report is kept as the run's probe.json. */
  async probe(r: ParsedRequestOf<'runs:probe'>): Promise<Responses['runs:probe']> {
    const dir = this.runDir(r.runId);
    const snapshot = snapshotIn(dir, r.snapshot);
    const lab = this.worker();
    let callId = 0;
    let cancelled = false;
    const job = this.jobs.start('probe', `linear probe of D in '${r.runId}'`, () => {
      cancelled = true;
      lab.cancel(callId);
    }, 3);
    const call = lab.call('probe', { dir, snapshot }, (p) => job.progress(p.done, p.total));
    callId = call.id;
    let report: Responses['runs:probe'];
    try {
      report = await endingJob(job, call.reply, () => cancelled);
    } catch (err) {
      throw new ServiceError('invalid-request', (err as Error).message);
    }
    writeFileAtomic(runLayout(dir).probe, `${JSON.stringify(report, null, 2)}\n`);
    return report;
  }

  /** runs:inspect-d: D's filters and its stages' activations for one of the run's pictures, as pictures. */
  async inspectD(r: ParsedRequestOf<'runs:inspect-d'>): Promise<Responses['runs:inspect-d']> {
    await this.open(r.runId);
    try {
      const out = await this.worker().call('inspect', { dir: this.runDir(r.runId), index: r.index }).reply;
      return { step: out.step, filters: dataUrl(out.filters), filterCount: out.filterCount, picture: dataUrl(out.picture), stages: out.stages.map((s) => ({ shape: s.shape, shown: s.shown, image: dataUrl(s.png) })) };
    } catch (err) {
      throw new ServiceError('invalid-request', (err as Error).message);
    }
  }

  /** The run's generator as a model file or the web toy (with the run's z-space bookmarks), in its exports folder. */
  async exportModel(r: ParsedRequestOf<'runs:export'>): Promise<Responses['runs:export']> {
    const dir = this.runDir(r.runId);
    const bookmarks = r.format === 'toy' ? zSpaceBookmarks(this.catalogue(), r.runId) : [];
    const snapshot = snapshotIn(dir, r.snapshot);
    const out = await this.worker().call('exportModel', { dir, format: r.format, snapshot, bookmarks }).reply;
    return { file: `runs/${r.runId}/exports/${basename(out.path)}`, bytes: out.bytes, step: out.step, ema: out.ema, ...(out.bookmarks && { bookmarks: out.bookmarks }) };
  }

  async nearest(r: ParsedRequestOf<'lab:nearest'>): Promise<Responses['lab:nearest']> {
    const found = await this.worker().call('nearest', {
      dir: this.runDir(r.runId), latent: await this.latents(r.runId, [r.latent]), labels: await this.labels(r.runId, r.label && [r.label], 1, 'label'), count: r.count, ...(await this.view(r.runId)),
    }).reply;
    return { neighbours: found.map((n) => ({ index: n.index, distance: n.distance, image: dataUrl(n.png) })) };
  }

  /** Starts an inversion; its progress and result arrive as lab:inversion events. */
  async invert(r: ParsedRequestOf<'lab:invert'>): Promise<Responses['lab:invert']> {
    const dir = this.runDir(r.runId);
    const labels = await this.labels(r.runId, r.label && [r.label], 1, 'label');
    const { view } = await this.view(r.runId);
    const picture = r.itemId !== undefined ? this.itemFile(r.itemId) : r.path;
    if (picture === undefined) throw notFound(`itemId: no catalogue item ${r.itemId}`);
    if (r.path !== undefined && !isAbsolute(r.path)) throw new ServiceError('invalid-request', `path: '${r.path}' must be an absolute file path`);
    if (!existsSync(picture)) throw notFound(`'${picture}' does not exist`);
    const lab = this.worker();
    let callId = 0;
    const job = this.jobs.start('inversion', `inversion of '${basename(picture)}' on '${r.runId}'`, () => lab.cancel(callId), r.steps);
    const base = { jobId: job.jobId, runId: r.runId, steps: r.steps };
    const call = lab.call('invert', { dir, picture, steps: r.steps, restarts: r.restarts, featureWeight: r.featureWeight, seed: job.jobId, labels, view }, (p) => {
      job.progress(p.step, r.steps);
      this.emit('lab:inversion', { ...base, ...p, status: 'running' });
    });
    callId = call.id;
    call.reply.then(
      (found) => {
        job.end(found.cancelled ? 'cancelled' : 'done');
        this.emit('lab:inversion', { ...base, step: found.steps, error: found.error, initialError: found.initialError, latent: Array.from(found.latent), image: dataUrl(found.png), status: found.cancelled ? 'cancelled' : 'done' });
      },
      (err: Error) => {
        job.end('failed', `${picture}: ${err.message}`);
        this.emit('lab:inversion', { ...base, step: 0, error: Number.NaN, status: 'failed', message: `${picture}: ${err.message}` });
      },
    );
    return { jobId: job.jobId };
  }

  listBookmarks(runId?: string): Responses['bookmarks:list'] {
    return { bookmarks: listBookmarks(this.catalogue(), runId) };
  }

  /** A bookmark of a latent in the space the lab explores the run in now. */
  async addBookmark(r: ParsedRequestOf<'bookmarks:add'>): Promise<Responses['bookmarks:add']> {
    const { step, space, truncation } = await this.open(r.runId);
    const latent = await this.latents(r.runId, [r.latent]);
    const labels = await this.labels(r.runId, r.label && [r.label], 1, 'label');
    return { bookmark: addBookmark(this.catalogue(), { name: r.name, runId: r.runId, step, latent, label: r.label ?? null, tags: r.tags, origin: r.origin, space, thumbnail: await this.picture(r.runId, latent, labels, { space, truncation }) }) };
  }

  deleteBookmarks(ids: number[]): Responses['bookmarks:delete'] {
    return { deleted: deleteBookmarks(this.catalogue(), ids) };
  }

  exportBookmarks(ids?: number[]): Responses['bookmarks:export'] {
    const db = this.catalogue();
    return { file: exportBookmarks(ids ? getBookmarks(db, ids) : listBookmarks(db)) };
  }

  /** Adds a file's bookmarks; each gets its picture again where its run is in this workspace. */
  async importBookmarks({ bookmarks }: BookmarkFile): Promise<Responses['bookmarks:import']> {
    const db = this.catalogue();
    for (const b of bookmarks) {
      const latent = Float32Array.from(b.latent);
      addBookmark(db, { ...b, latent, thumbnail: await this.picture(b.runId, latent, b.label ? Float32Array.from(b.label) : undefined, { space: b.space, truncation: 1 }) });
    }
    return { imported: bookmarks.length };
  }

  /** The picture of a latent, or null when its run is not here (or draws from another latent size, or has no such space). */
  private async picture(runId: string, latent: Float32Array, labels: Float32Array | undefined, view: View): Promise<Buffer | null> {
    try {
      const { latentDim, classes, spaces } = await this.open(runId);
      if (latent.length !== latentDim || (labels?.length ?? 0) !== classes.length || !spaces.includes(view.space)) return null;
      return Buffer.from((await this.worker().call('render', { dir: this.runDir(runId), latents: latent, labels, view }).reply).pngs[0]);
    } catch {
      return null;
    }
  }

  /** The workspace's catalogue, shared with the curation service. */
  catalogue(): Db {
    this.db ??= openCatalogue(join(this.workspace, 'catalogue.sqlite'));
    return this.db;
  }

  private runDir(runId: string): string {
    const dir = runFolder(this.workspace, runId);
    if (!existsSync(generatorFile(dir))) throw notFound(`run '${runId}' has no checkpoint yet: train it for a few steps first`);
    return dir;
  }

  /** The latents as one array, each as long as the run's generator wants. */
  private async latents(runId: string, latents: number[][]): Promise<Float32Array> {
    const { latentDim } = await this.open(runId);
    const bad = latents.findIndex((l) => l.length !== latentDim);
    if (bad >= 0) throw new ServiceError('invalid-request', `latents[${bad}]: has ${latents[bad].length} values, run '${runId}' draws from ${latentDim}`);
    return flat(latents);
  }

  /** The class weights as one array: required (one row per picture) for a conditional run, refused for another. */
  private async labels(runId: string, labels: number[][] | undefined, n: number, field: string): Promise<Float32Array | undefined> {
    const { classes } = await this.open(runId);
    if (classes.length === 0) {
      if (labels) throw new ServiceError('invalid-request', `${field}: run '${runId}' is not conditional: it takes no class weights`);
      return undefined;
    }
    if (!labels) throw new ServiceError('invalid-request', `${field}: run '${runId}' is conditional: give each picture's ${classes.length} class weights`);
    if (labels.length !== n) throw new ServiceError('invalid-request', `${field}: ${labels.length} rows of class weights for ${n} pictures`);
    const bad = labels.findIndex((l) => l.length !== classes.length);
    if (bad >= 0) throw new ServiceError('invalid-request', `${field}[${bad}]: has ${labels[bad].length} values, run '${runId}' has ${classes.length} classes`);
    return flat(labels);
  }

  /** The lab's worker, started on first use (shared with the curation service); one that died is replaced by the next request. */
  worker(): WorkerClient<LatentApi> {
    if (this.lab) return this.lab;
    const lab = new WorkerClient<LatentApi>(startWorker('latentWorker', { backend: this.backend }));
    // a worker that reports an error, or ends, is let go; its late 'exit' must not touch a successor
    const letGo = (): void => {
      if (this.lab === lab) this.lab = undefined;
    };
    lab.worker.once('error', letGo).once('exit', letGo);
    this.lab = lab;
    return lab;
  }
}

/** The step of a snapshot asked for (a step or 'best'), or undefined for the latest checkpoint; not found names why. */
function snapshotIn(dir: string, choice: number | 'best' | undefined): number | undefined {
  try {
    return choice === undefined ? undefined : snapshotStep(dir, choice);
  } catch (err) {
    throw notFound((err as Error).message);
  }
}
