import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/main/engine/runtime/tf';
import { startBackend } from '../../src/main/engine/runtime/backend';
import { AdaController, augment, AUGMENT_OPS, type AugmentOp } from '../../src/main/engine/training/augment';
import { Rng } from '../../src/main/engine/training/rng';

beforeAll(async () => {
  await startBackend('wasm');
});

const N = 4;
const S = 16;
/** N pictures of S × S × 3 whose values are all different and non-zero, in (0, 1]. */
const distinct = (): tf.Tensor4D => tf.tensor4d(Float32Array.from({ length: N * S * S * 3 }, (_, i) => (i + 1) / (N * S * S * 3)), [N, S, S, 3]);
const run = (ops: AugmentOp[], p: number, seed = 1, x?: tf.Tensor4D): Float32Array => tf.tidy(() => augment(x ?? distinct(), ops, p, Rng.fromSeed(seed)).dataSync() as Float32Array);
const at = (v: Float32Array, b: number, i: number, j: number, c: number): number => v[((b * S + i) * S + j) * 3 + c];

describe('differentiable augmentation', () => {
  it('is the identity at p = 0, each operation and all together', () => {
    const x = distinct().dataSync() as Float32Array;
    for (const ops of [...AUGMENT_OPS.map((op) => [op]), [...AUGMENT_OPS]]) expect(run(ops, 0)).toEqual(x);
  });

  it('translation moves each picture by whole pixels, at most 1/8 of its side, filling with zeros', () => {
    const x = distinct().dataSync() as Float32Array;
    const y = run(['translation'], 1, 3);
    const shifts = new Set<string>();
    for (let b = 0; b < N; b++) {
      // the shift is where input pixel (8, 8) went: its value is unique
      const target = at(x, b, 8, 8, 0);
      let found: [number, number] | undefined;
      for (let i = 0; i < S; i++) for (let j = 0; j < S; j++) if (at(y, b, i, j, 0) === target) found = [i - 8, j - 8];
      expect(found, `picture ${b}`).toBeDefined();
      const [dy, dx] = found!;
      expect(Math.max(Math.abs(dy), Math.abs(dx))).toBeLessThanOrEqual(2);
      shifts.add(`${dy},${dx}`);
      for (let i = 0; i < S; i++) for (let j = 0; j < S; j++) for (let c = 0; c < 3; c++) {
        const from = [i - dy, j - dx];
        const inside = from[0] >= 0 && from[0] < S && from[1] >= 0 && from[1] < S;
        expect(at(y, b, i, j, c)).toBe(inside ? at(x, b, from[0], from[1], c) : 0);
      }
    }
    expect(shifts.size).toBeGreaterThan(1); // each picture draws its own shift
  });

  it('cutout zeroes one square of at most half the side per picture and leaves the rest', () => {
    const x = distinct().dataSync() as Float32Array;
    const y = run(['cutout'], 1, 5);
    for (let b = 0; b < N; b++) {
      const zeros: [number, number][] = [];
      for (let i = 0; i < S; i++) for (let j = 0; j < S; j++) {
        const cut = at(y, b, i, j, 0) === 0;
        for (let c = 0; c < 3; c++) expect(at(y, b, i, j, c)).toBe(cut ? 0 : at(x, b, i, j, c));
        if (cut) zeros.push([i, j]);
      }
      expect(zeros.length).toBeGreaterThan(0);
      const rows = zeros.map((z) => z[0]);
      const cols = zeros.map((z) => z[1]);
      const [h, w] = [Math.max(...rows) - Math.min(...rows) + 1, Math.max(...cols) - Math.min(...cols) + 1];
      expect(h * w).toBe(zeros.length); // one rectangle (a square clipped at an edge)
      expect(Math.max(h, w)).toBeLessThanOrEqual(S / 2);
    }
  });

  it('colour shifts a grey picture by one brightness in ±0.5 and keeps it grey', () => {
    const grey = tf.fill([N, S, S, 3], 0.2) as tf.Tensor4D;
    const y = run(['color'], 1, 7, grey);
    for (let b = 0; b < N; b++) {
      const v = at(y, b, 0, 0, 0);
      expect(Math.abs(v - 0.2)).toBeLessThanOrEqual(0.5);
      for (let i = 0; i < S * S * 3; i++) expect(y[b * S * S * 3 + i]).toBeCloseTo(v, 5);
    }
  });

  it('lets gradients through every operation, zero only where cutout removed the picture', () => {
    const x = distinct();
    const grad = tf.tidy(() => tf.grad((input: tf.Tensor) => tf.sum(tf.square(augment(input as tf.Tensor4D, [...AUGMENT_OPS], 1, Rng.fromSeed(9)))))(x).dataSync());
    expect(grad.every(Number.isFinite)).toBe(true);
    expect(grad.filter((g) => g !== 0).length).toBeGreaterThan(grad.length / 4);
    const y = run([...AUGMENT_OPS], 1, 9);
    expect(y.filter((v) => v === 0).length).toBeGreaterThan(0);
  });

  it('draws fresh choices each call and the same ones from the same seed, without leaving tensors', () => {
    const before = tf.memory().numTensors;
    expect(run([...AUGMENT_OPS], 0.5, 11)).toEqual(run([...AUGMENT_OPS], 0.5, 11));
    expect(run([...AUGMENT_OPS], 0.5, 11)).not.toEqual(run([...AUGMENT_OPS], 0.5, 12));
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("ADA's controller", () => {
  it('moves p by (pictures seen) / (kimg · 1000) toward the side the sign of D(real) says, every 4 steps, within [0, 1]', () => {
    const ada = new AdaController(0, 0.6, 0.1, 8); // 8 × 4 / 100 = 0.32 a move
    for (let i = 0; i < 3; i++) ada.observe(1);
    expect(ada.p).toBe(0);
    ada.observe(1); // r = 1 > 0.6: D too sure of the real pictures
    expect(ada.p).toBeCloseTo(0.32, 12);
    [0.9, 0.5, 0.7, 0.6].forEach((s) => ada.observe(s)); // r = 0.675
    expect(ada.p).toBeCloseTo(0.64, 12);
    [0.1, 0.2, 0.3, 0].forEach((s) => ada.observe(s)); // r = 0.15
    expect(ada.p).toBeCloseTo(0.32, 12);
    for (let i = 0; i < 40; i++) ada.observe(-1);
    expect(ada.p).toBe(0);
    for (let i = 0; i < 40; i++) ada.observe(1);
    expect(ada.p).toBe(1);
    ada.observe(-1);
    const copy = new AdaController(0, 0.6, 0.1, 8);
    copy.restore(ada.state());
    for (const c of [ada, copy]) for (let i = 0; i < 3; i++) c.observe(-1);
    expect(copy.p).toBe(ada.p);
    expect(ada.p).toBeCloseTo(0.68, 12);
  });
});
