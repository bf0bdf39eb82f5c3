/**
 * A run's generator as files other tools open: a TF.js graph model (model.json + weights) or an ONNX model. G's weight
 * average when the run keeps one (as the lab and the samples use), at a snapshot or the latest checkpoint; inputs
 * 'z' (batch × latentDim) and, for a conditional G, 'labels' (batch × classes, one-hot or a blend); output 'images'
 * (batch × H × W × C in [-1, 1], channels last).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type * as tf from '../runtime/tf';
import { inferenceContext } from '../models/layers';
import { withLabels, type Gan } from '../models/network';
import { Rng } from '../training/rng';
import { loadRunGenerator, type LoadedGenerator } from '../training/generator';
import { runLayout } from '../training/run';
import type { SnapshotChoice } from '../training/snapshots';
import { writeFileAtomic } from '../training/atomicFile';
import { traceBatchFree, type TracedGraph } from './trace';
import { onnxModel } from './onnx';
import { tfjsGraphModel, writeTfjsModel } from './tfjsGraph';
import { writeWebToy, type ToyBookmark } from './webToy';
import { principalDirections } from '../latent/directions';
import type { ExportInfo } from './lowering';

export const MODEL_FORMATS = ['tfjs', 'onnx', 'toy'] as const;
export type ModelFormat = (typeof MODEL_FORMATS)[number];

/** G's forward pass (no truncation) traced for any batch, with the facts an exported file carries. */
export function traceGenerator(gan: Pick<Gan, 'generator' | 'latentDim' | 'classes' | 'imageShape'>, info: Omit<ExportInfo, 'imageShape' | 'latentDim' | 'classes'>): { graph: TracedGraph; info: ExportInfo } {
  const inputs = [{ name: 'z', width: gan.latentDim }, ...(gan.classes > 0 ? [{ name: 'labels', width: gan.classes }] : [])];
  const ctx = inferenceContext(Rng.fromSeed(0));
  const graph = traceBatchFree(inputs, (z, labels) => gan.generator.apply(withLabels(z as tf.Tensor2D, labels as tf.Tensor2D | undefined), ctx));
  return { graph, info: { ...info, imageShape: gan.imageShape, latentDim: gan.latentDim, classes: gan.classes } };
}

/** What an exported file says about itself, from the loaded run. */
export function exportFacts(dir: string, g: LoadedGenerator): Omit<ExportInfo, 'imageShape' | 'latentDim' | 'classes'> {
  const layout = runLayout(dir);
  const classNames = existsSync(layout.classes) ? (JSON.parse(readFileSync(layout.classes, 'utf8')) as string[]) : [];
  const run = basename(dir);
  const at = g.snapshot === undefined ? `step ${g.step}` : `snapshot at step ${g.snapshot}`;
  return {
    description: `GAN Studio generator of run '${run}', ${at}${g.ema ? ' (weight average)' : ''}: z (batch × ${g.latentDim})${g.gan.classes ? ` and labels (batch × ${g.gan.classes})` : ''} → images (batch × ${g.imageShape.join(' × ')}) in [-1, 1]`,
    metadata: {
      run, step: String(g.step), ema: String(g.ema), model: g.config.model.kind, latentDim: String(g.latentDim), imageShape: JSON.stringify(g.imageShape),
      classes: JSON.stringify(classNames), ...(g.snapshot !== undefined && { snapshot: String(g.snapshot) }),
    },
  };
}

export interface ExportResult {
  format: ModelFormat;
  /** The file (onnx) or folder (tfjs, toy) written. */
  path: string;
  bytes: number;
  step: number;
  ema: boolean;
  /** The web toy's bookmarks: how many it carries, and how many did not fit the generator. */
  bookmarks?: { kept: number; skipped: number };
}

/** Where an export goes when no path is given: the run's exports folder, named by format and step. */
export function defaultExportPath(dir: string, format: ModelFormat, step: number): string {
  return join(runLayout(dir).exports, format === 'onnx' ? `generator-${step}.onnx` : `generator-${step}-${format}`);
}

/** How many slider directions the toy gets, found from as many samples (as the lab's defaults). */
const TOY_DIRECTIONS = { count: 8, samples: 2000 };

/**
 * Exports a run's generator (see the module comment); the web toy also carries the bookmarks given (z-space ones:
 * the exported model takes z) and slider directions found as the lab finds them.
 */
export function exportRunGenerator(dir: string, o: { format: ModelFormat; snapshot?: SnapshotChoice; out?: string; bookmarks?: ToyBookmark[] }): ExportResult {
  const g = loadRunGenerator(dir, { snapshot: o.snapshot });
  try {
    const { graph, info } = traceGenerator(g.gan, exportFacts(dir, g));
    const path = o.out ?? defaultExportPath(dir, o.format, g.step);
    let bytes: number;
    let bookmarks: ExportResult['bookmarks'];
    if (o.format === 'onnx') {
      const model = onnxModel(graph, info);
      mkdirSync(dirname(path), { recursive: true });
      writeFileAtomic(path, Buffer.from(model));
      bytes = model.byteLength;
    } else if (o.format === 'tfjs') {
      bytes = writeTfjsModel(path, tfjsGraphModel(graph, info));
    } else {
      const artifacts = tfjsGraphModel(graph, info);
      const label = g.gan.classes > 0 ? Float32Array.from({ length: g.gan.classes }, (_, k) => (k === 0 ? 1 : 0)) : undefined;
      const directions = principalDirections(g.gan.generator, g.latentDim, { ...TOY_DIRECTIONS, seed: 0, label });
      const classNames = JSON.parse(info.metadata.classes) as string[];
      const kept = writeWebToy(path, {
        artifacts, info: { ...info, run: basename(dir), classNames },
        directions: directions.map((d) => ({ vector: Array.from(d.vector), explained: d.explained })), bookmarks: o.bookmarks ?? [],
      });
      bytes = artifacts.weightData.byteLength;
      bookmarks = { kept: kept.length, skipped: (o.bookmarks?.length ?? 0) - kept.length };
    }
    return { format: o.format, path, bytes, step: g.step, ema: g.ema, ...(bookmarks && { bookmarks }) };
  } finally {
    g.dispose();
  }
}
