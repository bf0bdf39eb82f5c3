/**
 * The latent lab's worker: holds the generators of the runs opened in the lab (G and D from the checkpoint, the
 * run's dataset once asked for) and answers render / directions / export / invert / nearest requests. One request
 * at a time computes; an inversion yields between steps so a render or a cancel gets through.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { loadCuratedDataset } from '../catalogue/pack';
import { startBackend, type BackendName } from '../engine/runtime/backend';
import { loadDataset, type Dataset } from '../engine/data';
import { decodeAll, decodeImage } from '../engine/data/images';
import { loadRunGenerator, type LoadedGenerator } from '../engine/training/generator';
import { latentView, spacesOf, type LatentView } from '../engine/latent/space';
import { generateImages } from '../engine/models';
import type { LatentSpace } from '../../shared/latent';
import { principalDirections } from '../engine/latent/directions';
import { animatedGif, frameVideo, picturePngs, stripPng } from '../engine/latent/export';
import type { VideoFormat } from '../engine/latent/video';
import { exportRunGenerator, type ExportResult, type ModelFormat } from '../engine/export/generatorExport';
import type { ToyBookmark } from '../engine/export/webToy';
import { invert } from '../engine/latent/inversion';
import { scorePictures, type PictureScores } from '../engine/metrics/curation';
import { probeDiscriminator } from '../engine/metrics/linearProbe';
import type { ProbeReport } from '../../shared/probe';
import { firstFilters, stageActivations } from '../engine/metrics/discriminatorView';
import { gridPng } from '../engine/training/sampleGrid';
import { featureSpaceFor, openFeatureSpace } from '../engine/metrics/featureSpace';
import { mapPictures } from '../engine/metrics/datasetMap';
import type { FeatureSpaceId } from '../../shared/quality';
import { nearestImages } from '../engine/latent/nearest';
import { Rng } from '../engine/training/rng';
import { writeFileAtomic } from '../engine/training/atomicFile';
import { generatorFile, runLayout } from '../engine/training/run';
import { importGenerator, type ImportedFacts } from '../engine/export/importedGenerator';
import { snapshotFile } from '../engine/training/snapshots';
import type { Config } from '../../shared/config/schema';
import { serve } from './rpc';

/**
 * `labels`: a conditional generator's class weights, N × classes (one row per latent); absent for others.
 * `view`: the space the latents are in and the truncation ψ pictures are drawn with.
 */
type Labels = { labels?: Float32Array; view: { space: LatentSpace; truncation: number } };
export interface LabInfo { step: number; latentDim: number; imageShape: [number, number, number]; config: Config; classes: string[]; ema: boolean; spaces: LatentSpace[]; imported?: ImportedFacts }

export type LatentApi = {
  /** Opens the run's latest checkpoint, or its snapshot at step `snapshot`, for every later call on `dir`. */
  info: { args: { dir: string; snapshot?: number }; progress: never; reply: LabInfo };
  sheet: { args: { dir: string; seed: number; count: number } & Labels; progress: never; reply: { latents: Float32Array; pngs: Uint8Array[] } };
  render: { args: { dir: string; latents: Float32Array } & Labels; progress: never; reply: { pngs: Uint8Array[] } };
  directions: { args: { dir: string; count: number; samples: number; seed: number } & Labels; progress: never; reply: { vector: Float32Array; explained: number }[] };
  /** A video (mp4, webm) reports its frames as ffmpeg takes them and stops when cancelled (an error, no file). */
  export: { args: { dir: string; latents: Float32Array; kind: 'strip' | 'gif' | VideoFormat; frameMs: number; file: string } & Labels; progress: { done: number; total: number }; reply: { frames: number } };
  /** The run's generator as a TF.js / ONNX model or the web toy (exportRunGenerator). */
  /** Copies a generator made elsewhere into the run folder `dir`, reading its shape (importGenerator). */
  importGenerator: { args: { source: string; dir: string }; progress: never; reply: ImportedFacts };
  exportModel: { args: { dir: string; format: ModelFormat; snapshot?: number | 'best'; bookmarks: ToyBookmark[] }; progress: never; reply: ExportResult };
  /** Cancelled through the RPC: it answers with what it found so far. */
  invert: {
    args: { dir: string; picture: string; steps: number; restarts: number; featureWeight: number; seed: number } & Labels;
    progress: { step: number; error: number };
    reply: { latent: Float32Array; error: number; initialError: number; steps: number; cancelled: boolean; png: Uint8Array };
  };
  nearest: { args: { dir: string; latent: Float32Array; count: number } & Labels; progress: never; reply: { index: number; distance: number; png: Uint8Array }[] };
  /** Curation: scores `files` (decoded at the run's size) by the run's latest checkpoint or a snapshot. */
  curate: {
    args: { dir: string; snapshot?: number; files: string[]; samples: number; inversionSteps: number };
    progress: { done: number; total: number };
    /** `scored`: indices into `files` of the pictures scored, in the order of the scores; the rest could not be read. */
    reply: { scored: number[]; scores: PictureScores; cancelled: boolean };
  };
  /** A linear probe of the run's D (frozen) on its labelled pictures, beside the pixels and an untrained D. */
  probe: { args: { dir: string; snapshot?: number }; progress: { done: number; total: number }; reply: ProbeReport };
  /** The lab's D: its first filters, and what its stages make of the run's picture `index`. */
  inspect: { args: { dir: string; index: number }; progress: never; reply: { step: number; filters: Uint8Array; filterCount: { shown: number; total: number }; picture: Uint8Array; stages: { shape: [number, number, number]; shown: number; png: Uint8Array }[] } };
  /** A 2-D map of `files` in a feature space; `mapped`: indices of the pictures placed, in the order of `xy`. */
  map: { args: { files: string[]; space: FeatureSpaceId }; progress: { done: number; total: number }; reply: { mapped: number[]; xy: Float32Array; cancelled: boolean } };
};

const ready = startBackend((workerData as { backend: BackendName | 'auto' }).backend);
/** By run folder; a checkpoint written since (the run trained on), or another snapshot chosen, is loaded again. */
const generators = new Map<string, { mtimeMs: number; snapshot?: number; g: LoadedGenerator }>();
/** The snapshot each run folder was opened at ('info'); absent: its latest checkpoint. */
const chosen = new Map<string, number>();
const datasets = new Map<string, Dataset>();
const KEEP = 2; // generators held at once

/** The run's generator, once the backend is up. */
async function generatorOf(dir: string): Promise<LoadedGenerator> {
  await ready;
  return generator(dir);
}

function generator(dir: string): LoadedGenerator {
  const snapshot = chosen.get(dir);
  const { mtimeMs } = statSync(snapshot === undefined ? generatorFile(dir) : snapshotFile(dir, snapshot));
  const held = generators.get(dir);
  if (held?.mtimeMs === mtimeMs && held.snapshot === snapshot) return held.g;
  held?.g.dispose();
  generators.delete(dir);
  if (generators.size >= KEEP) {
    const [oldest, { g }] = generators.entries().next().value!;
    g.dispose();
    generators.delete(oldest);
  }
  const g = loadRunGenerator(dir, { withDiscriminator: true, snapshot });
  generators.set(dir, { mtimeMs, snapshot, g });
  return g;
}

/** The run's generator seen from the space the lab moves in, with its ψ. */
async function viewOf(r: { dir: string } & Labels): Promise<{ g: LoadedGenerator; v: LatentView; draw: (latents: Float32Array) => Float32Array }> {
  const g = await generatorOf(r.dir);
  const v = latentView(g.gan, r.view.space, r.view.truncation);
  return { g, v, draw: (latents) => generateImages(v.gan, latents, r.labels, 1, g.forward) };
}

async function dataset(dir: string): Promise<Dataset> {
  const g = generator(dir);
  if (!datasets.has(dir)) datasets.set(dir, await loadDataset(g.config, loadCuratedDataset));
  return datasets.get(dir)!;
}

/** Whole or not at all (atomicFile): a crash never leaves half a file under the export's name. */
function writeAtomic(file: string, bytes: Buffer): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileAtomic(file, bytes);
}

serve<LatentApi>(parentPort!, {
  info: async ({ dir, snapshot }) => {
    if (snapshot === undefined) chosen.delete(dir);
    else chosen.set(dir, snapshot);
    const g = await generatorOf(dir);
    const classesFile = runLayout(dir).classes;
    const classes = g.gan.classes > 0 ? (existsSync(classesFile) ? (JSON.parse(readFileSync(classesFile, 'utf8')) as string[]) : Array.from({ length: g.gan.classes }, (_, i) => `class ${i}`)) : [];
    return { step: g.step, latentDim: g.latentDim, imageShape: g.imageShape, config: g.config, classes, ema: g.ema, spaces: spacesOf(g.gan), ...(g.imported && { imported: g.imported }) };
  },
  sheet: async (r) => {
    const { g, v, draw } = await viewOf(r);
    const latents = v.draw(Rng.fromSeed(r.seed), r.count, r.labels);
    return { latents, pngs: await picturePngs(draw(latents), g.imageShape) };
  },
  render: async (r) => {
    const { g, draw } = await viewOf(r);
    return { pngs: await picturePngs(draw(r.latents), g.imageShape) };
  },
  directions: async (r) => {
    const { g, v } = await viewOf(r);
    return principalDirections(v.gan.generator, g.latentDim, { ...r, label: r.labels, draw: v.draw });
  },
  export: async (r, job) => {
    const { g, draw } = await viewOf(r);
    const images = draw(r.latents);
    if (r.kind === 'mp4' || r.kind === 'webm') {
      await frameVideo(images, g.imageShape, { format: r.kind, frameMs: r.frameMs, file: r.file, signal: job.signal, onProgress: (done, total) => job.progress({ done, total }) });
    } else {
      writeAtomic(r.file, r.kind === 'strip' ? await stripPng(images, g.imageShape) : await animatedGif(images, g.imageShape, r.frameMs));
    }
    return { frames: r.latents.length / g.latentDim };
  },
  importGenerator: async (r) => {
    await ready;
    return importGenerator(r.source, r.dir);
  },
  exportModel: async (r) => {
    await ready;
    return exportRunGenerator(r.dir, { format: r.format, snapshot: r.snapshot, bookmarks: r.bookmarks });
  },
  invert: async (r, job) => {
    const { g, v, draw } = await viewOf(r);
    const [size, , channels] = g.imageShape;
    const target = await decodeImage(r.picture, { size, channels: channels as 1 | 3, background: g.config.data.background });
    const found = await invert(v.gan, target, {
      steps: r.steps, restarts: r.restarts, learningRate: 0.05, featureWeight: g.imported ? 0 : r.featureWeight /* an imported G has no D to match features with */, seed: r.seed, signal: job.signal, label: r.labels,
      start: v.draw, onProgress: (p) => job.progress(p),
    });
    const [png] = await picturePngs(draw(found.latent), g.imageShape);
    return { ...found, png };
  },
  nearest: async (r) => {
    const { g, draw } = await viewOf(r);
    if (g.imported) throw new Error(`this generator was imported from '${g.imported.source}': there are no training pictures to search`);
    const d = await dataset(r.dir);
    const picture = draw(r.latent);
    const found = nearestImages(d.images, d.count, picture, r.count);
    const size = picture.length;
    const pngs = await Promise.all(found.map((n) => picturePngs(d.images.subarray(n.index * size, (n.index + 1) * size), g.imageShape)));
    return found.map((n, i) => ({ ...n, png: pngs[i][0] }));
  },
  curate: async (r, job) => {
    await ready;
    // Its own copy of G and D: the lab's opened snapshot stays as it is.
    const g = loadRunGenerator(r.dir, { withDiscriminator: true, snapshot: r.snapshot });
    const spaceId = featureSpaceFor(g.config);
    const space = openFeatureSpace(spaceId, spaceId === 'own' ? { data: await loadDataset(g.config, loadCuratedDataset), cacheDir: runLayout(r.dir).quality } : undefined);
    try {
      const [size, , channels] = g.imageShape;
      const decoded = await decodeAll('curation', r.files, { size, channels: channels as 1 | 3, background: g.config.data.background });
      const unreadable = new Set(decoded.skipped.map((s) => s.file));
      const scored = r.files.flatMap((file, i) => (unreadable.has(file) ? [] : [i]));
      const scores = await scorePictures(g, decoded.images, decoded.count, { space, samples: r.samples, inversionSteps: r.inversionSteps, signal: job.signal, onProgress: (done, total) => job.progress({ done, total }) });
      return { scored, scores, cancelled: job.signal.aborted };
    } finally {
      space.dispose();
      g.dispose();
    }
  },
  probe: async (r, job) => {
    await ready;
    // Its own copy of D: the lab's opened snapshot stays as it is.
    const g = loadRunGenerator(r.dir, { withDiscriminator: true, snapshot: r.snapshot });
    try {
      if (g.imported) throw new Error('an imported generator comes without its D');
      const data = await loadDataset(g.config, loadCuratedDataset);
      return { step: g.step, ...probeDiscriminator(g.gan.discriminator, g.config.model, data, { signal: job.signal, onProgress: (done, total) => job.progress({ done, total }) }) };
    } finally {
      g.dispose();
    }
  },
  inspect: async (r) => {
    const g = await generatorOf(r.dir);
    if (g.imported) throw new Error('an imported generator comes without its D');
    const d = await dataset(r.dir);
    if (r.index >= d.count) throw new Error(`index: the run's dataset has ${d.count} pictures, not ${r.index + 1}`);
    const size = g.imageShape[0] * g.imageShape[1] * g.imageShape[2];
    const picture = d.images.subarray(r.index * size, (r.index + 1) * size);
    const D = g.gan.discriminator;
    const filters = firstFilters(D);
    const stages = stageActivations(D, picture, g.imageShape);
    return {
      step: g.step,
      filters: await gridPng(filters.images, filters.shape, 16),
      filterCount: { shown: filters.images.length / (filters.shape[0] * filters.shape[1] * filters.shape[2]), total: filters.total },
      picture: (await picturePngs(picture, g.imageShape))[0],
      stages: await Promise.all(stages.map(async (s) => ({ shape: s.shape, shown: s.shown, png: await gridPng(s.images, s.tile, 8) }))),
    };
  },
  map: async (r, job) => {
    await ready;
    const space = openFeatureSpace(r.space);
    try {
      // The networks read 224 px: 96 px pictures keep what they see and decode fast.
      const decoded = await decodeAll('map', r.files, { size: 96, channels: 3, background: '#ffffff' });
      const unreadable = new Set(decoded.skipped.map((s) => s.file));
      const mapped = r.files.flatMap((file, i) => (unreadable.has(file) ? [] : [i]));
      const xy = await mapPictures(space, decoded.images, decoded.count, decoded.shape, { signal: job.signal, onProgress: (done, total) => job.progress({ done, total }) });
      return { mapped, xy, cancelled: job.signal.aborted };
    } finally {
      space.dispose();
    }
  },
});
