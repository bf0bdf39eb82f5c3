/**
 * Directions found from the generator itself, as GANSpace does (Härkönen et al. 2020): sample many latents, take
 * G's first-block features, find their principal components, then regress the latents on each component's
 * coordinate to get the move in z that shifts that component by one standard deviation.
 */
import * as tf from '../runtime/tf';
import type { Network } from '../models';
import { inferenceContext } from '../models/layers';
import { repeatedRow, withLabels } from '../models/network';
import { Rng } from '../training/rng';

export interface PrincipalDirection {
  /** Adding this to z moves the component by one standard deviation (a slider's unit). */
  vector: Float32Array;
  /** Share of the features' variance this component explains. */
  explained: number;
}

export interface DirectionOptions {
  count: number; samples: number; seed: number; iterations?: number;
  /** A conditional G's class weights (one row), the same for every sample. */
  label?: Float32Array;
  /** How the latents are drawn (default z ~ N(0, I); a style-based G's w: mapped z). */
  draw?(rng: Rng, n: number, labels?: Float32Array): Float32Array;
}

export function principalDirections(generator: Pick<Network, 'features'>, latentDim: number, o: DirectionOptions): PrincipalDirection[] {
  const rng = Rng.fromSeed(o.seed);
  const ctx = inferenceContext(rng);
  return tf.tidy(() => {
    const labels = o.label && repeatedRow(o.label, o.samples);
    const z = tf.tensor2d(o.draw ? o.draw(rng, o.samples, labels) : rng.normals(o.samples * latentDim), [o.samples, latentDim]);
    const raw = generator.features(withLabels(z, labels && tf.tensor2d(labels, [o.samples, o.label!.length])), ctx);
    const f = tf.reshape(raw, [o.samples, -1]) as tf.Tensor2D;
    const centred = tf.sub(f, tf.mean(f, 0, true)) as tf.Tensor2D;
    const k = Math.min(o.count, o.samples - 1, centred.shape[1]);

    // Orthogonal (subspace) iteration for the top-k eigenvectors of the features' covariance, never forming it:
    // the features can have thousands of dimensions (a 64 px DCGAN's first block: 4 × 4 × 512).
    let basis = tf.linalg.gramSchmidt(tf.tensor2d(rng.normals(k * centred.shape[1]), [k, centred.shape[1]])) as tf.Tensor2D;
    for (let i = 0; i < (o.iterations ?? 30); i++) {
      const next = tf.tidy(() => tf.linalg.gramSchmidt(tf.matMul(tf.matMul(centred, basis, false, true), centred, true, false)) as tf.Tensor2D);
      basis.dispose();
      basis = next;
    }
    const coords = tf.matMul(centred, basis, false, true); // samples × k
    const squares = tf.sum(tf.square(coords), 0); // per component
    const total = tf.sum(tf.square(centred)).dataSync()[0];
    // Regressing z on one coordinate c (orthogonal columns, so one at a time): w = cᵀz / cᵀc; one σ of c moves z by σ·w.
    const sigma = tf.sqrt(tf.div(squares, o.samples));
    const vectors = tf.mul(tf.div(tf.matMul(coords, z, true, false), tf.expandDims(squares, 1)), tf.expandDims(sigma, 1)); // k × latentDim
    const values = vectors.arraySync() as number[][];
    const shares = squares.dataSync();
    return values
      .map((v, j) => {
        // A component's sign is arbitrary: fix it so the same generator always gives the same sliders.
        const largest = v.reduce((best, x) => (Math.abs(x) > Math.abs(best) ? x : best), 0);
        return { vector: Float32Array.from(v, (x) => (largest < 0 ? -x : x)), explained: total > 0 ? shares[j] / total : 0 };
      })
      .sort((a, b) => b.explained - a.explained);
  });
}
