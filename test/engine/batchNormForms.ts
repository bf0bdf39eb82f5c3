/** Runs BatchNorm's training forward in a given form and reads back everything a training step takes from it. */
import { expect } from 'vitest';
import * as tf from '../../src/main/engine/runtime/tf';
import { batchNormTraining, type BatchNormForm } from '../../src/main/engine/models/batchNormTraining';

/**
 * For one seeded batch of `shape`: y, Σ y·w, its gradient by x, γ and β, the batch mean and unbiased variance, and
 * the gradient by x and γ of a gradient penalty ‖∂/∂x Σ y·w‖² (the second derivative a WGAN-GP takes).
 * Checks that no tensor is left behind.
 */
export function batchNormResults(shape: number[], form: BatchNormForm): number[][] {
  const before = tf.memory().numTensors;
  const channels = shape.at(-1)!;
  const out = tf.tidy(() => {
    const x = tf.randomNormal(shape, 2, 3, 'float32', 7);
    const w = tf.randomNormal(shape, 0, 1, 'float32', 8);
    const gamma = tf.randomNormal([channels], 1, 0.2, 'float32', 9);
    const beta = tf.randomNormal([channels], 0, 0.2, 'float32', 10);
    const stats: tf.Tensor[] = [];
    const weighted = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Scalar => {
      const r = batchNormTraining(a, g, b, 1e-5, form);
      stats.push(tf.keep(r.mean), tf.keep(r.variance)); // (made inside the gradients' scopes)
      return tf.sum(tf.mul(r.y, w));
    };
    const { value, grads } = tf.valueAndGrads(weighted)([x, gamma, beta]);
    // (β does not reach the penalty: ∂/∂x of the layer does not depend on it)
    const penalty = tf.grads((a: tf.Tensor, g: tf.Tensor) => tf.sum(tf.square(tf.grad((ai: tf.Tensor) => weighted(ai, g, beta))(a))))([x, gamma]);
    const read = [value, ...grads, ...stats.slice(0, 2), ...penalty].map((t) => Array.from(t.dataSync()));
    tf.dispose(stats);
    return read;
  });
  expect(tf.memory().numTensors, `tensors left behind (${tf.getBackend()}, ${form})`).toBe(before);
  return out;
}

export function expectSameResults(got: number[][], want: number[][], label: string): void {
  expect(got.map((v) => v.length), label).toEqual(want.map((v) => v.length));
  got.forEach((values, k) => values.forEach((v, i) => expect(Math.abs(v - want[k][i]), `${label}: output ${k}, value ${i}`).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(want[k][i])))));
}
