/** A trained generator loaded from a run's checkpoint, for sampling and evaluation (no dataset, no D). */
import * as tf from './tf';
import { loadCheckpoint } from './checkpoint';
import { buildGan, generateImages } from './models';
import { Rng } from './rng';
import { runFiles } from './run';
import type { Config } from '../../shared/config/schema';

export interface LoadedGenerator {
  config: Config;
  step: number;
  latentDim: number;
  imageShape: [number, number, number];
  /** N × H × W × C images in [-1, 1] for N latent vectors. */
  generate(latents: Float32Array): Float32Array;
  dispose(): void;
}

export function loadRunGenerator(dir: string): LoadedGenerator {
  const ck = loadCheckpoint(runFiles(dir).checkpoint);
  const gan = buildGan(ck.config.model, Rng.fromSeed(0));
  gan.discriminator.params.dispose();
  const g = gan.generator;
  const named = [
    ...[...g.params.trainable].map(([k, v]) => [`G/${k}`, v] as const),
    ...[...g.params.stats].map(([k, v]) => [`G.stats/${k}`, v] as const),
  ];
  for (const [name, variable] of named) {
    const values = ck.tensors.get(name);
    if (!values || values.length !== variable.size) throw new Error(`checkpoint of '${dir}' does not match its generator at '${name}'`);
    tf.tidy(() => variable.assign(tf.tensor(values, variable.shape)));
  }
  return {
    config: ck.config,
    step: ck.state.step,
    latentDim: gan.latentDim,
    imageShape: gan.imageShape,
    generate: (latents) => generateImages(gan, latents),
    dispose: () => g.params.dispose(),
  };
}
