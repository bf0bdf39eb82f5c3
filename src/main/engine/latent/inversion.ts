/**
 * Inversion: the latent whose picture is closest to a given one, by gradient descent on z with G fixed (pixel
 * loss, plus optionally the distance between D's last hidden features, as in feature matching). Several starts
 * run side by side in one batch; the best one wins.
 */
import * as tf from '../runtime/tf';
import type { Gan } from '../models';
import { inferenceContext } from '../models/layers';
import { withLabelPlanes, withLabels } from '../models/network';
import { Adam } from '../training/optim';
import { Rng } from '../training/rng';

export interface InversionOptions {
  steps: number;
  /** Random starting latents optimised together; the one with the smallest error is kept. */
  restarts: number;
  learningRate: number;
  /** Weight of D's feature distance next to the pixel distance (0: pixels only). */
  featureWeight: number;
  seed: number;
  /** A conditional G's class weights (one row): the class the picture is taken to be. */
  label?: Float32Array;
  /** Called every `progressEvery` steps (and after the last) with the best pixel error so far. */
  onProgress?(p: { step: number; error: number }): void;
  progressEvery?: number;
  signal?: AbortSignal;
}

export interface Inversion {
  latent: Float32Array;
  /** Mean squared pixel difference (pictures in [-1, 1]) of the best start, before and after. */
  initialError: number;
  error: number;
  steps: number;
  cancelled: boolean;
}

type Networks = Pick<Gan, 'generator' | 'discriminator' | 'latentDim' | 'imageShape' | 'classes'>;

export async function invert(gan: Networks, target: Float32Array, o: InversionOptions): Promise<Inversion> {
  const [h, w, c] = gan.imageShape;
  if (target.length !== h * w * c) throw new Error(`inversion: the picture has ${target.length} values, the generator draws ${h}×${w}×${c}`);
  const rng = Rng.fromSeed(o.seed);
  const ctx = inferenceContext(rng);
  const r = o.restarts;
  const z = tf.tidy(() => tf.variable(tf.tensor2d(rng.normals(r * gan.latentDim), [r, gan.latentDim])));
  const adam = new Adam({ lr: o.learningRate, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }, new Map([[z.name, z]]));
  const goal = tf.tensor4d(target, [1, h, w, c]);
  if (gan.classes > 0 && o.label?.length !== gan.classes) throw new Error(`inversion: a conditional generator needs the picture's ${gan.classes} class weights`);
  const labels = gan.classes > 0 ? tf.tile(tf.tensor2d(o.label!, [1, gan.classes]), [r, 1]) : undefined;
  const goalFeatures = o.featureWeight > 0 ? tf.tidy(() => tf.reshape(gan.discriminator.features(withLabelPlanes(goal, labels && tf.slice(labels, [0, 0], [1, gan.classes])), ctx), [1, -1])) : undefined;

  /** Each start's pixel error, and the loss the descent follows. */
  const losses = (): { pixel: tf.Tensor1D; total: tf.Scalar } => {
    const x = gan.generator.apply(withLabels(z, labels), ctx);
    const pixel = tf.mean(tf.squaredDifference(x, goal), [1, 2, 3]) as tf.Tensor1D;
    let total = tf.sum(pixel) as tf.Scalar;
    if (goalFeatures) {
      const features = tf.reshape(gan.discriminator.features(withLabelPlanes(x, labels), ctx), [r, -1]);
      total = tf.add(total, tf.mul(tf.sum(tf.mean(tf.squaredDifference(features, goalFeatures), 1)), o.featureWeight));
    }
    return { pixel, total };
  };
  const errors = (): Float32Array => tf.tidy(() => losses().pixel.dataSync() as Float32Array);

  try {
    const initialError = Math.min(...errors());
    const every = o.progressEvery ?? 10;
    let step = 0;
    while (step < o.steps && !o.signal?.aborted) {
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => losses().total, [z]);
        adam.apply(new Map([[z.name, grads[z.name]]]));
      });
      step++;
      if (step % every === 0 || step === o.steps) {
        o.onProgress?.({ step, error: Math.min(...errors()) });
        await new Promise((resolve) => setImmediate(resolve)); // lets a cancel arrive
      }
    }
    const final = errors();
    const best = final.indexOf(Math.min(...final));
    const latent = tf.tidy(() => tf.slice(z, [best, 0], [1, gan.latentDim]).dataSync() as Float32Array);
    return { latent: Float32Array.from(latent), initialError, error: final[best], steps: step, cancelled: Boolean(o.signal?.aborted) };
  } finally {
    adam.dispose();
    z.dispose();
    goal.dispose();
    goalFeatures?.dispose();
    labels?.dispose();
  }
}
