/** A trained generator loaded from a run's checkpoint, for sampling and evaluation (no dataset, no D). */
import * as tf from './tf';
import { loadCheckpoint } from './checkpoint';
import { buildGan } from './models';
import { inferenceContext } from './models/layers';
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
  const rng = Rng.fromSeed(0);
  return {
    config: ck.config,
    step: ck.state.step,
    latentDim: gan.latentDim,
    imageShape: gan.imageShape,
    generate(latents) {
      const n = latents.length / gan.latentDim;
      const out = new Float32Array(n * gan.imageShape[0] * gan.imageShape[1] * gan.imageShape[2]);
      const chunk = 256; // bounded memory for thousands of samples
      for (let i = 0; i < n; i += chunk) {
        const m = Math.min(chunk, n - i);
        const part = tf.tidy(() => {
          const z = tf.tensor2d(latents.subarray(i * gan.latentDim, (i + m) * gan.latentDim), [m, gan.latentDim]);
          return g.apply(z, inferenceContext(rng)).dataSync() as Float32Array;
        });
        out.set(part, i * (out.length / n));
      }
      return out;
    },
    dispose: () => g.params.dispose(),
  };
}
