import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/main/engine/runtime/tf';
import { startBackend } from '../../src/main/engine/runtime/backend';
import { applyStatUpdates, minibatchStd, ParamStore, spectrallyNormalised, type ForwardContext } from '../../src/main/engine/models/layers';
import { r1Penalty } from '../../src/main/engine/training/losses';
import { Rng } from '../../src/main/engine/training/rng';

beforeAll(async () => {
  await startBackend('wasm');
});

const largestSingularValue = (values: Float32Array, rows: number, cols: number): number =>
  new SingularValueDecomposition(new Matrix(Array.from({ length: rows }, (_, i) => Array.from(values.subarray(i * cols, (i + 1) * cols))))).diagonal[0];

describe('spectral normalisation', () => {
  it("divides a weight by its largest singular value (checked against an SVD) once the power iterations settle, moving u only in a training forward that moves statistics", () => {
    const p = new ParamStore(Rng.fromSeed(3), true);
    const w = p.normal('fc.weight', [3, 3, 4, 6], 0, 0.5); // a conv weight: 36 × 6 as a matrix
    const u = p.unitStat('fc.sn.u', 6);
    const normalised = spectrallyNormalised(w, u);
    const rng = Rng.fromSeed(1);
    const u0 = u.dataSync().slice();
    tf.tidy(() => normalised({ training: true, rng })); // no statUpdates: u stays
    tf.tidy(() => normalised({ training: false, rng }));
    expect(u.dataSync()).toEqual(u0);
    for (let i = 0; i < 40; i++) {
      const ctx: ForwardContext = { training: true, rng, statUpdates: [] };
      tf.tidy(() => normalised(ctx));
      applyStatUpdates(ctx);
    }
    expect(u.dataSync()).not.toEqual(u0);
    const sigma = largestSingularValue(w.dataSync() as Float32Array, 36, 6);
    const wsn = tf.tidy(() => normalised({ training: false, rng }).dataSync() as Float32Array);
    expect(largestSingularValue(wsn, 36, 6)).toBeCloseTo(1, 4);
    expect((w.dataSync()[0] / wsn[0]) / sigma).toBeCloseTo(1, 4);
    p.dispose();
  });

  it('sends gradients to the weight through σ as well: the normalised weight keeps its scale', () => {
    const p = new ParamStore(Rng.fromSeed(4), true);
    const w = p.normal('fc.weight', [5, 3], 0, 1);
    const u = p.unitStat('fc.sn.u', 3);
    const ctx: ForwardContext = { training: true, rng: Rng.fromSeed(1) };
    // Scaling W leaves W / σ(W) unchanged, so the gradient of any function of it is orthogonal to W.
    const weights = tf.reshape(tf.range(0, 15), [5, 3]);
    const g = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(spectrallyNormalised(x as tf.Variable, u)(ctx), weights)))(w).dataSync() as Float32Array);
    const wv = w.dataSync();
    const dot = g.reduce((s, gi, i) => s + gi * wv[i], 0);
    expect(Math.hypot(...g)).toBeGreaterThan(0.01);
    expect(Math.abs(dot)).toBeLessThan(1e-4 * Math.hypot(...g) * Math.hypot(...wv));
    weights.dispose();
    p.dispose();
  });
});

describe('R1', () => {
  it('equals γ/2 · mean ‖∇D(x)‖² computed by hand for D(x) = Σ a·x²', () => {
    const x = tf.tensor4d([1, 2, 3, 4, -1, 0, 0.5, 2], [2, 2, 2, 1]);
    const a = 0.3;
    const gamma = 10;
    const value = tf.tidy(() => r1Penalty(tf.grad((input: tf.Tensor) => tf.sum(tf.mul(a, tf.square(input))))(x), gamma).dataSync()[0]);
    // ∇ = 2a·x: picture 1 has Σx² = 30, picture 2 has 5.25
    expect(value).toBeCloseTo((gamma / 2) * ((4 * a * a * 30 + 4 * a * a * 5.25) / 2), 4);
    x.dispose();
  });
});

describe('minibatch standard deviation', () => {
  it('appends the std over each group of 4, averaged over the features, as one more channel', () => {
    const x = tf.tensor4d([0, 0, 2, 2, 4, 4, 6, 6], [4, 1, 1, 2]); // two features per picture
    const y = tf.tidy(() => minibatchStd(x, { training: true, rng: Rng.fromSeed(1) }).arraySync() as number[][][][]);
    const std = Math.sqrt((9 + 1 + 1 + 9) / 4 + 1e-8); // of 0, 2, 4, 6 about their mean 3
    expect(y.map((p) => p[0][0])).toEqual([[0, 0, std], [2, 2, std], [4, 4, std], [6, 6, std]].map((r) => r.map((v) => expect.closeTo(v, 5))));
    x.dispose();
  });

  it('uses groups of 2 when the batch is not a multiple of 4: picture i gets the std of group member i mod n/2', () => {
    const x = tf.tensor2d([[0], [10], [100], [2], [10], [104]]); // groups by member: (0, 2), (10, 10), (100, 104)
    const y = tf.tidy(() => minibatchStd(x, { training: true, rng: Rng.fromSeed(1) }).arraySync() as number[][]);
    expect(y.map((r) => r[1])).toEqual([1, 0, 2, 1, 0, 2].map((v) => expect.closeTo(v, 3)));
    x.dispose();
  });
});
