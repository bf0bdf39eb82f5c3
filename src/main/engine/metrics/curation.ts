/**
 * Curation that learns from a run: a score for each training picture, from the run's own networks.
 * - realness: D's score of the picture (a probability for the BCE objectives, the raw critic score otherwise);
 *   low means D thinks it looks unlike the rest of the data;
 * - inversion error: the pixel error left when the picture's latent is sought by gradient descent; high means
 *   "the generator cannot draw this";
 * - nearest sample: the distance, in the run's feature space, to the nearest of a fixed set of generated samples;
 *   near 0 means the generator reproduces this picture ("memorised").
 */
import * as tf from '../runtime/tf';
import { inferenceContext } from '../models/layers';
import { inversionErrors } from '../latent/inversion';
import type { LoadedGenerator } from '../training/generator';
import { LOSSES } from '../training/losses';
import { Rng } from '../training/rng';
import type { FeatureSpace } from './featureSpace';
import { distances } from './pairwise';

export interface PictureScores { realness: Float32Array; inversionError: Float32Array; nearestSample: Float32Array }

export interface CurationOptions {
  space: FeatureSpace;
  /** Generated samples the pictures are compared with. */
  samples: number;
  /** Descent steps per picture for its inversion error. */
  inversionSteps: number;
  signal?: AbortSignal;
  onProgress?(done: number, total: number): void;
}

/** `g` must hold its D (loaded with `withDiscriminator`). */
export async function scorePictures(g: LoadedGenerator, pictures: Float32Array, count: number, o: CurationOptions): Promise<PictureScores> {
  if (g.gan.classes > 0) throw new Error('curation scores the pictures of an unconditional run; this one is conditional');
  const [h, w, c] = g.imageShape;
  const size = h * w * c;
  // Progress: D's pass and the features count one picture each, the inversion the rest.
  const total = 3 * count;
  const realness = new Float32Array(count);
  const probabilistic = LOSSES[g.config.train.loss].probabilistic;
  const ctx = inferenceContext(Rng.fromSeed(0));
  for (let start = 0; start < count; start += 256) {
    const n = Math.min(256, count - start);
    realness.set(tf.tidy(() => {
      const out = g.gan.discriminator.apply(tf.tensor4d(pictures.subarray(start * size, (start + n) * size), [n, h, w, c]), ctx);
      return tf.reshape(probabilistic ? tf.sigmoid(out) : out, [n]).dataSync() as Float32Array;
    }), start);
  }
  o.onProgress?.(count, total);

  const samples = o.space.embed(g.generate(Rng.fromSeed(12345).normals(o.samples * g.latentDim)), o.samples, g.imageShape);
  const features = o.space.embed(pictures, count, g.imageShape);
  const nearestSample = new Float32Array(count);
  for (let start = 0; start < count; start += 1000) {
    const n = Math.min(1000, count - start);
    const d = distances(features.subarray(start * o.space.dim, (start + n) * o.space.dim), n, samples, o.samples, o.space.dim);
    for (let i = 0; i < n; i++) nearestSample[start + i] = Math.min(...d.subarray(i * o.samples, (i + 1) * o.samples));
  }
  o.onProgress?.(2 * count, total);

  const inversionError = await inversionErrors(g.gan, pictures, count, {
    steps: o.inversionSteps, learningRate: 0.05, seed: 1, signal: o.signal,
    onProgress: (done) => o.onProgress?.(2 * count + done, total),
  });
  return { realness, inversionError, nearestSample };
}
