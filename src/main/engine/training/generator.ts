/** A trained generator loaded from a run's checkpoint, for sampling, evaluation and the latent lab (no dataset). */
import * as tf from '../runtime/tf';
import { loadCheckpoint } from './checkpoint';
import { buildGan, generateImages, type Gan } from '../models';
import { Rng } from './rng';
import { compiledPasses, type CompiledPasses } from '../runtime/stepCompiler';
import { generatorFile, runLayout } from './run';
import { importedConfig, openImportedGenerator, type ImportedFacts } from '../export/importedGenerator';
import { snapshotPath, type SnapshotChoice } from './snapshots';
import type { Config } from '../../../shared/config/schema';

export interface LoadedGenerator {
  config: Config;
  step: number;
  /** The snapshot it was loaded from, when not the run's latest checkpoint. */
  snapshot?: number;
  latentDim: number;
  imageShape: [number, number, number];
  /** Both networks; D holds its trained weights only when asked for (`withDiscriminator`). */
  gan: Gan;
  /** G holds the run's weight average (train.emaDecay), not its last weights. */
  ema: boolean;
  /** A generator imported from elsewhere (no training, no discriminator): where from, and its shape. */
  imported?: ImportedFacts;
  /** Runs G's forward passes compiled (native backend), for callers that draw through a view of `gan`. */
  forward?: CompiledPasses;
  /**
   * N × H × W × C images in [-1, 1] for N latent vectors (and, for a conditional G, N × classes class weights);
   * `truncation` ψ < 1 pulls the latents towards their mean (see `truncated`).
   */
  generate(latents: Float32Array, labels?: Float32Array, truncation?: number): Float32Array;
  dispose(): void;
}

/**
 * Loads the run's latest checkpoint, or one of its snapshots (`snapshot`: a step or 'best'); G's weight average when
 * the run keeps one, unless `lastWeights`.
 */
export function loadRunGenerator(dir: string, o: { withDiscriminator?: boolean; snapshot?: SnapshotChoice; lastWeights?: boolean } = {}): LoadedGenerator {
  if (o.snapshot === undefined && generatorFile(dir) === runLayout(dir).imported) return loadImportedRun(dir);
  const ck = loadCheckpoint(snapshotPath(dir, runLayout(dir).checkpoint, o.snapshot));
  const gan = buildGan(ck.config.model, Rng.fromSeed(0));
  const networks = { G: gan.generator, ...(o.withDiscriminator ? { D: gan.discriminator } : {}) };
  if (!o.withDiscriminator) gan.discriminator.params.dispose();
  // A run that keeps G's weight average is sampled from it, as its training samples were.
  const ema = !o.lastWeights && [...gan.generator.params.trainable.keys()].every((k) => ck.tensors.has(`G.ema/${k}`));
  for (const [prefix, net] of Object.entries(networks)) {
    const weights = prefix === 'G' && ema ? 'G.ema' : prefix;
    const named = [
      ...[...net.params.trainable].map(([k, v]) => [`${weights}/${k}`, v] as const),
      ...[...net.params.stats].map(([k, v]) => [`${prefix}.stats/${k}`, v] as const),
    ];
    for (const [name, variable] of named) {
      const values = ck.tensors.get(name);
      if (!values || values.length !== variable.size) throw new Error(`checkpoint of '${dir}' does not match its model at '${name}'`);
      tf.tidy(() => variable.assign(tf.tensor(values, variable.shape)));
    }
  }
  // G's forward pass as one TensorFlow function on the native backend (slider latency in the lab).
  const forward = compiledPasses(tf.backend(), "G's forward pass");
  return {
    config: ck.config,
    step: ck.state.step,
    snapshot: o.snapshot === undefined ? undefined : ck.state.step,
    latentDim: gan.latentDim,
    imageShape: gan.imageShape,
    gan,
    ema,
    forward,
    generate: (latents, labels, truncation) => generateImages(gan, latents, labels, truncation, forward),
    dispose: () => {
      forward?.dispose();
      gan.generator.params.dispose();
      if (o.withDiscriminator) gan.discriminator.params.dispose();
    },
  };
}

/** A run folder made from an imported generator: its model drawn through the same interface as a trained G. */
function loadImportedRun(dir: string): LoadedGenerator {
  const { facts, generator, discriminator, dispose } = openImportedGenerator(dir);
  const gan = { generator, discriminator, imageShape: facts.imageShape, latentDim: facts.latentDim, classes: facts.classes };
  return {
    config: importedConfig(facts), step: 0, latentDim: facts.latentDim, imageShape: facts.imageShape, gan, ema: false, imported: facts,
    generate: (latents, labels, truncation) => generateImages(gan, latents, labels, truncation),
    dispose,
  };
}
