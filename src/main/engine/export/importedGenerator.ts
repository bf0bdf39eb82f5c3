/**
 * A generator made elsewhere — an ONNX file (a PyTorch DCGAN exported with torch.onnx, or one of ours) or a TF.js graph
 * model — opened as a network the latent lab can draw from, move through and invert. Its shape is read from the model:
 * a latent input (batch × d, or batch × d × 1 × 1 as PyTorch's DCGAN takes it), an optional class-weight input
 * (batch × classes), and a picture output (NCHW or NHWC, 1 or 3 channels) taken to be in [-1, 1].
 */
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { GraphModel } from '@tensorflow/tfjs-converter';
import * as tf from '../runtime/tf';
import { ParamStore, type ForwardContext } from '../models/layers';
import type { Network } from '../models/network';
import { Rng } from '../training/rng';
import { writeFileAtomic } from '../training/atomicFile';
import { runLayout } from '../training/run';
import { configSchema, type Config } from '../../../shared/config/schema';
import { openOnnxGraph } from './onnxGraph';

/** What generator.json records about an imported generator. */
export interface ImportedFacts {
  format: 'onnx' | 'tfjs';
  /** The file it was imported from. */
  source: string;
  /** The model's file inside the run's generator/ folder. */
  file: string;
  latentDim: number;
  classes: number;
  imageShape: [number, number, number];
  inputs: { z: string; labels?: string };
  /** 'nchw': z is fed as batch × d × 1 × 1. */
  latentLayout: 'flat' | 'nchw';
  imageLayout: 'nhwc' | 'nchw';
}

type Runner = { run(feeds: Record<string, tf.Tensor>): tf.Tensor; inputs: { name: string; shape: (number | string)[] }[]; dispose(): void };

/** The model as a function of named inputs, whichever format it is in. */
function openRunner(format: ImportedFacts['format'], file: string): Runner {
  if (format === 'onnx') return openOnnxGraph(readFileSync(file), file);
  const json = JSON.parse(readFileSync(file, 'utf8')) as { modelTopology: object; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
  const weightData = Buffer.concat(json.weightsManifest.flatMap((group) => group.paths.map((p) => readFileSync(join(dirname(file), p)))));
  const model = new GraphModel({ load: async () => ({}) });
  model.loadSync({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((g) => g.weights), weightData: new Uint8Array(weightData).buffer });
  return {
    inputs: model.inputs.map((i) => ({ name: i.name, shape: (i.shape ?? []).map((d) => (d < 0 ? 'batch' : d)) })),
    run: (feeds) => {
      const out = model.execute(feeds);
      return Array.isArray(out) ? out[0] : out;
    },
    dispose: () => model.dispose(),
  };
}

/** Reads the model's input and output shapes (running it once on one zero latent). */
function inspect(format: ImportedFacts['format'], file: string, source: string): ImportedFacts {
  const runner = openRunner(format, file);
  try {
    const [z, labels, ...more] = runner.inputs;
    if (!z || more.length > 0) throw new Error(`'${source}' has ${runner.inputs.length} inputs: a generator takes a latent and, if conditional, class weights`);
    const latentDim = Number(z.shape[1]);
    const flat = z.shape.length === 2;
    if (!Number.isInteger(latentDim) || latentDim < 1 || !(flat || (z.shape.length === 4 && z.shape[2] === 1 && z.shape[3] === 1))) {
      throw new Error(`'${source}': its input '${z.name}' is [${z.shape.join(', ')}]: a latent is batch × d or batch × d × 1 × 1`);
    }
    const classes = labels ? Number(labels.shape[1]) : 0;
    if (labels && (labels.shape.length !== 2 || !Number.isInteger(classes) || classes < 1)) throw new Error(`'${source}': its input '${labels.name}' is [${labels.shape.join(', ')}]: class weights are batch × classes`);
    const shape = tf.tidy(() => {
      const feeds: Record<string, tf.Tensor> = { [z.name]: tf.zeros(flat ? [1, latentDim] : [1, latentDim, 1, 1]) };
      if (labels) feeds[labels.name] = tf.cast(tf.oneHot([0], classes), 'float32');
      return runner.run(feeds).shape;
    });
    const channelsFirst = shape.length === 4 && [1, 3].includes(shape[1]!) && ![1, 3].includes(shape[3]!);
    if (shape.length !== 4 || ![1, 3].includes(channelsFirst ? shape[1]! : shape[3]!)) throw new Error(`'${source}' draws [${shape.join(', ')}]: a generator's pictures are batch × H × W × C or batch × C × H × W with 1 or 3 channels`);
    const imageShape: [number, number, number] = channelsFirst ? [shape[2]!, shape[3]!, shape[1]!] : [shape[1]!, shape[2]!, shape[3]!];
    return { format, source, file: basename(file), latentDim, classes, imageShape, inputs: { z: z.name, ...(labels && { labels: labels.name }) }, latentLayout: flat ? 'flat' : 'nchw', imageLayout: channelsFirst ? 'nchw' : 'nhwc' };
  } finally {
    runner.dispose();
  }
}

/** The folder holding a run's imported generator (runLayout's `imported` is its facts file). */
const importedFolder = (runDir: string): string => dirname(runLayout(runDir).imported);

/**
 * Copies a generator (an .onnx file, or a TF.js model.json with its weight files) into `runDir`/generator and records
 * its shape; refuses, naming the file, a model that is not a generator or uses an op GAN Studio cannot run. `runDir`
 * must not exist yet: a refusal or a failed copy removes what was made of it.
 */
export function importGenerator(source: string, runDir: string): ImportedFacts {
  if (existsSync(runDir)) throw new Error(`'${runDir}' exists already: an imported generator makes a new run`);
  try {
    return copyGenerator(source, runDir);
  } catch (err) {
    rmSync(runDir, { recursive: true, force: true });
    throw err;
  }
}

function copyGenerator(source: string, runDir: string): ImportedFacts {
  if (!existsSync(source)) throw new Error(`'${source}' does not exist`);
  const folder = statSync(source).isDirectory();
  const modelFile = folder ? join(source, 'model.json') : source;
  const format: ImportedFacts['format'] = modelFile.endsWith('.json') ? 'tfjs' : 'onnx';
  if (format === 'tfjs' && !existsSync(modelFile)) throw new Error(`'${source}' holds no model.json (a TF.js graph model)`);
  const facts = inspect(format, modelFile, source);
  const target = importedFolder(runDir);
  mkdirSync(target, { recursive: true });
  if (format === 'onnx') copyFileSync(modelFile, join(target, facts.file));
  else cpSync(dirname(modelFile), target, { recursive: true });
  writeFileAtomic(runLayout(runDir).imported, JSON.stringify(facts, null, 2));
  return facts;
}

/** An imported generator as G (and a D that says it is not there), for a run folder made by importGenerator. */
export function openImportedGenerator(runDir: string): { facts: ImportedFacts; generator: Network; discriminator: Network; dispose(): void } {
  const facts = readImportedFacts(runDir);
  const runner = openRunner(facts.format, join(importedFolder(runDir), facts.file));
  const apply = (x: tf.Tensor): tf.Tensor => tf.tidy(() => {
    const n = x.shape[0];
    const z = tf.slice(x, [0, 0], [n, facts.latentDim]);
    const feeds: Record<string, tf.Tensor> = { [facts.inputs.z]: facts.latentLayout === 'nchw' ? tf.reshape(z, [n, facts.latentDim, 1, 1]) : z };
    if (facts.inputs.labels) feeds[facts.inputs.labels] = tf.slice(x, [0, facts.latentDim], [n, facts.classes]);
    const out = runner.run(feeds);
    return facts.imageLayout === 'nchw' ? tf.transpose(out, [0, 2, 3, 1]) : out;
  });
  const missing = (): never => {
    throw new Error(`run '${basename(runDir)}' is a generator imported from '${facts.source}': it comes without a discriminator or training pictures`);
  };
  const params = new ParamStore(Rng.fromSeed(0));
  return {
    facts,
    // Its features are its pictures: the lab's directions are then principal components in pixel space.
    generator: { params, apply: (x: tf.Tensor, _ctx: ForwardContext) => apply(x), features: (x: tf.Tensor, _ctx: ForwardContext) => apply(x) },
    discriminator: { params: new ParamStore(Rng.fromSeed(0)), apply: missing, features: missing },
    dispose: () => runner.dispose(),
  };
}

export function readImportedFacts(runDir: string): ImportedFacts {
  return JSON.parse(readFileSync(runLayout(runDir).imported, 'utf8')) as ImportedFacts;
}

/**
 * A config that describes an imported generator's shape (what the lab and Runs read: picture size, channels, latent
 * size, classes); the architecture field is a stand-in, as the model's own layers are in its file.
 */
export function importedConfig(facts: ImportedFacts): Config {
  const [h, , c] = facts.imageShape;
  return configSchema.parse({ model: { kind: 'mlp', imageSize: Math.min(256, Math.max(8, h)), channels: c, latentDim: facts.latentDim, classes: facts.classes }, train: { steps: 1 } });
}
