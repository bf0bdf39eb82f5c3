/** Runs the BatchNorm layer in training mode and reads back everything a training step takes from it. */
import { expect } from 'vitest';
import * as tf from '../../src/main/engine/tf';
import { batchNorm, ParamStore } from '../../src/main/engine/models/layers';
import { Rng } from '../../src/main/engine/rng';

/**
 * y, Σ y·dy, its gradient by x, γ and β, and the running statistics queued, for one seeded batch of `shape`;
 * `secondOrder` asks for the written-out form. Checks that no tensor is left behind.
 */
export function batchNormResults(shape: number[], secondOrder: boolean): number[][] {
  const before = tf.memory().numTensors;
  const store = new ParamStore(Rng.fromSeed(1));
  const layer = batchNorm(store, 'bn', shape.at(-1)!, 0.9, 1e-5);
  const x = tf.tidy(() => tf.variable(tf.randomNormal(shape, 2, 3, 'float32', 7)));
  const out = tf.tidy(() => {
    const dy = tf.randomNormal(shape, 0, 1, 'float32', 8);
    const ctx = { training: true, rng: Rng.fromSeed(2), statUpdates: [] as [tf.Variable, tf.Tensor][], secondOrder };
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(layer(x, ctx), dy)) as tf.Scalar, [x, ...store.trainable.values()]);
    const y = layer(x, { training: true, rng: Rng.fromSeed(2), secondOrder });
    const read = [y, value, grads[x.name], ...[...store.trainable.values()].map((v) => grads[v.name]), ...ctx.statUpdates.map(([, t]) => t)].map((t) => Array.from(t.dataSync()));
    ctx.statUpdates.forEach(([, t]) => t.dispose());
    return read;
  });
  x.dispose();
  store.dispose();
  expect(tf.memory().numTensors, `tensors left behind (${tf.getBackend()}, secondOrder ${secondOrder})`).toBe(before);
  return out;
}

export function expectSameResults(got: number[][], want: number[][], label: string): void {
  expect(got.map((v) => v.length), label).toEqual(want.map((v) => v.length));
  got.forEach((values, k) => values.forEach((v, i) => expect(Math.abs(v - want[k][i]), `${label}: output ${k}, value ${i}`).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(want[k][i])))));
}
