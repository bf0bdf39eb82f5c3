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
import { decodeImage } from '../engine/data/images';
import { loadRunGenerator, type LoadedGenerator } from '../engine/training/generator';
import { principalDirections } from '../engine/latent/directions';
import { animatedGif, picturePngs, stripPng } from '../engine/latent/export';
import { invert } from '../engine/latent/inversion';
import { nearestImages } from '../engine/latent/nearest';
import { Rng } from '../engine/training/rng';
import { writeFileAtomic } from '../engine/training/atomicFile';
import { runLayout } from '../engine/training/run';

/** `labels`: a conditional generator's class weights, N × classes (one row per latent); absent for others. */
export type LatentRequest =
  | { op: 'info'; dir: string }
  | { op: 'sheet'; dir: string; seed: number; count: number; labels?: Float32Array }
  | { op: 'render'; dir: string; latents: Float32Array; labels?: Float32Array }
  | { op: 'directions'; dir: string; count: number; samples: number; seed: number; labels?: Float32Array }
  | { op: 'export'; dir: string; latents: Float32Array; labels?: Float32Array; kind: 'strip' | 'gif'; frameMs: number; file: string }
  | { op: 'invert'; dir: string; picture: string; steps: number; restarts: number; featureWeight: number; jobId: number; labels?: Float32Array }
  | { op: 'nearest'; dir: string; latent: Float32Array; count: number; labels?: Float32Array };

export type ToLatentWorker = { id: number; request: LatentRequest } | { cancel: number };
export type FromLatentWorker =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; message: string }
  | { id: number; progress: { step: number; error: number } };

const port = parentPort!;
const ready = startBackend((workerData as { backend: BackendName | 'auto' }).backend);
/** By run folder; a checkpoint written since (the run trained on) is loaded again. */
const generators = new Map<string, { mtimeMs: number; g: LoadedGenerator }>();
const datasets = new Map<string, Dataset>();
const inversions = new Map<number, AbortController>();
const KEEP = 2; // generators held at once

function generator(dir: string): LoadedGenerator {
  const { mtimeMs } = statSync(runLayout(dir).checkpoint);
  const held = generators.get(dir);
  if (held?.mtimeMs === mtimeMs) return held.g;
  held?.g.dispose();
  generators.delete(dir);
  if (generators.size >= KEEP) {
    const [oldest, { g }] = generators.entries().next().value!;
    g.dispose();
    generators.delete(oldest);
  }
  const g = loadRunGenerator(dir, { withDiscriminator: true });
  generators.set(dir, { mtimeMs, g });
  return g;
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

async function handle(id: number, r: LatentRequest): Promise<unknown> {
  await ready;
  const g = generator(r.dir);
  switch (r.op) {
    case 'info': {
      const classes = g.gan.classes > 0 ? (existsSync(runLayout(r.dir).classes) ? (JSON.parse(readFileSync(runLayout(r.dir).classes, 'utf8')) as string[]) : Array.from({ length: g.gan.classes }, (_, i) => `class ${i}`)) : [];
      return { step: g.step, latentDim: g.latentDim, imageShape: g.imageShape, config: g.config, classes, ema: g.ema };
    }
    case 'sheet': {
      const latents = Rng.fromSeed(r.seed).normals(r.count * g.latentDim);
      return { latents, pngs: await picturePngs(g.generate(latents, r.labels), g.imageShape) };
    }
    case 'render':
      return { pngs: await picturePngs(g.generate(r.latents, r.labels), g.imageShape) };
    case 'directions':
      return principalDirections(g.gan.generator, g.latentDim, { ...r, label: r.labels });
    case 'export': {
      const images = g.generate(r.latents, r.labels);
      writeAtomic(r.file, r.kind === 'strip' ? await stripPng(images, g.imageShape) : await animatedGif(images, g.imageShape, r.frameMs));
      return { frames: r.latents.length / g.latentDim };
    }
    case 'invert': {
      const [size, , channels] = g.imageShape;
      const target = await decodeImage(r.picture, { size, channels: channels as 1 | 3, background: g.config.data.background });
      const controller = new AbortController();
      inversions.set(r.jobId, controller);
      try {
        const found = await invert(g.gan, target, {
          steps: r.steps, restarts: r.restarts, learningRate: 0.05, featureWeight: r.featureWeight, seed: r.jobId, signal: controller.signal, label: r.labels,
          onProgress: (p) => port.postMessage({ id, progress: p } satisfies FromLatentWorker),
        });
        const [png] = await picturePngs(g.generate(found.latent, r.labels), g.imageShape);
        return { ...found, png };
      } finally {
        inversions.delete(r.jobId);
      }
    }
    case 'nearest': {
      const d = await dataset(r.dir);
      const picture = g.generate(r.latent, r.labels);
      const found = nearestImages(d.images, d.count, picture, r.count);
      const size = picture.length;
      const pngs = await Promise.all(found.map((n) => picturePngs(d.images.subarray(n.index * size, (n.index + 1) * size), g.imageShape)));
      return found.map((n, i) => ({ ...n, png: pngs[i][0] }));
    }
  }
}

port.on('message', (m: ToLatentWorker) => {
  if ('cancel' in m) {
    inversions.get(m.cancel)?.abort();
    return;
  }
  handle(m.id, m.request).then(
    (value) => port.postMessage({ id: m.id, ok: true, value } satisfies FromLatentWorker),
    (err: unknown) => port.postMessage({ id: m.id, ok: false, message: err instanceof Error ? err.message : String(err) } satisfies FromLatentWorker),
  );
});
