/**
 * Inversion: the latent whose picture is closest to a given one, by gradient descent on z with G fixed (pixel
 * loss, plus optionally the distance between D's last hidden features, as in feature matching). Several starts
 * run side by side in one batch; the best one wins.
 */
import * as tf from '../runtime/tf';
import type { Gan } from '../models';
import { inferenceContext } from '../models/layers';
import { repeatedRow, withLabelPlanes, withLabels } from '../models/network';
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
  /** How the starting latents are drawn (default z ~ N(0, I); in w, mapped z). */
  start?(rng: Rng, n: number, labels?: Float32Array): Float32Array;
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

interface Descent {
  z: tf.Variable;
  /** Each row's mean squared pixel difference from its goal now. */
  errors(): Float32Array;
  /** One Adam step on every row at once (the rows are independent: the summed loss separates). */
  step(): void;
  dispose(): void;
}

/**
 * Rows of z descending so that G(z_i) nears its goal: one picture for every row (restarts), or one per row. With
 * `featureWeight`, D's feature distance joins the pixel loss.
 */
function descent(gan: Networks, start: Float32Array, goal: tf.Tensor4D, o: { learningRate: number; featureWeight: number; labels?: tf.Tensor2D; rng: Rng }): Descent {
  const rows = start.length / gan.latentDim;
  const ctx = inferenceContext(o.rng);
  const z = tf.tidy(() => tf.variable(tf.tensor2d(start, [rows, gan.latentDim])));
  const adam = new Adam({ lr: o.learningRate, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }, new Map([[z.name, z]]));
  const goalFeatures = o.featureWeight > 0 ? tf.tidy(() => tf.reshape(gan.discriminator.features(withLabelPlanes(goal, o.labels && tf.slice(o.labels, [0, 0], [goal.shape[0], gan.classes])), ctx), [goal.shape[0], -1])) : undefined;
  const losses = (): { pixel: tf.Tensor1D; total: tf.Scalar } => {
    const x = gan.generator.apply(withLabels(z, o.labels), ctx);
    const pixel = tf.mean(tf.squaredDifference(x, goal), [1, 2, 3]) as tf.Tensor1D;
    let total = tf.sum(pixel) as tf.Scalar;
    if (goalFeatures) {
      const features = tf.reshape(gan.discriminator.features(withLabelPlanes(x, o.labels), ctx), [rows, -1]);
      total = tf.add(total, tf.mul(tf.sum(tf.mean(tf.squaredDifference(features, goalFeatures), 1)), o.featureWeight));
    }
    return { pixel, total };
  };
  return {
    z,
    errors: () => tf.tidy(() => losses().pixel.dataSync() as Float32Array),
    step: () =>
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => losses().total, [z]);
        adam.apply(new Map([[z.name, grads[z.name]]]));
      }),
    dispose: () => {
      adam.dispose();
      z.dispose();
      goalFeatures?.dispose();
    },
  };
}

export async function invert(gan: Networks, target: Float32Array, o: InversionOptions): Promise<Inversion> {
  const [h, w, c] = gan.imageShape;
  if (target.length !== h * w * c) throw new Error(`inversion: the picture has ${target.length} values, the generator draws ${h}×${w}×${c}`);
  const rng = Rng.fromSeed(o.seed);
  const r = o.restarts;
  if (gan.classes > 0 && o.label?.length !== gan.classes) throw new Error(`inversion: a conditional generator needs the picture's ${gan.classes} class weights`);
  const goal = tf.tensor4d(target, [1, h, w, c]);
  const rows = gan.classes > 0 ? repeatedRow(o.label!, r) : undefined;
  const labels = rows && tf.tensor2d(rows, [r, gan.classes]);
  const starts = o.start ? o.start(rng, r, rows) : rng.normals(r * gan.latentDim);
  const d = descent(gan, starts, goal, { learningRate: o.learningRate, featureWeight: o.featureWeight, labels, rng });
  try {
    const initialError = Math.min(...d.errors());
    const every = o.progressEvery ?? 10;
    let step = 0;
    while (step < o.steps && !o.signal?.aborted) {
      d.step();
      step++;
      if (step % every === 0 || step === o.steps) {
        o.onProgress?.({ step, error: Math.min(...d.errors()) });
        await new Promise((resolve) => setImmediate(resolve)); // lets a cancel arrive
      }
    }
    const final = d.errors();
    const best = final.indexOf(Math.min(...final));
    const latent = tf.tidy(() => tf.slice(d.z, [best, 0], [1, gan.latentDim]).dataSync() as Float32Array);
    return { latent: Float32Array.from(latent), initialError, error: final[best], steps: step, cancelled: Boolean(o.signal?.aborted) };
  } finally {
    d.dispose();
    goal.dispose();
    labels?.dispose();
  }
}

/**
 * How well G can draw each of `count` pictures: the pixel error left after `steps` of descent from one random
 * start per picture (pictures in chunks of 64, each with its own latent). High: "the generator cannot draw this".
 * For an unconditional G.
 */
export async function inversionErrors(
  gan: Networks, pictures: Float32Array, count: number,
  o: { steps: number; learningRate: number; seed: number; signal?: AbortSignal; onProgress?(done: number): void },
): Promise<Float32Array> {
  const [h, w, c] = gan.imageShape;
  const size = h * w * c;
  const rng = Rng.fromSeed(o.seed);
  const out = new Float32Array(count);
  for (let start = 0; start < count && !o.signal?.aborted; start += 64) {
    const n = Math.min(64, count - start);
    const goal = tf.tensor4d(pictures.subarray(start * size, (start + n) * size), [n, h, w, c]);
    const d = descent(gan, rng.normals(n * gan.latentDim), goal, { learningRate: o.learningRate, featureWeight: 0, rng });
    try {
      for (let step = 0; step < o.steps && !o.signal?.aborted; step++) {
        d.step();
        if (step % 10 === 9) await new Promise((resolve) => setImmediate(resolve)); // lets a cancel arrive
      }
      out.set(d.errors(), start);
    } finally {
      d.dispose();
      goal.dispose();
    }
    o.onProgress?.(start + n);
  }
  return out;
}
