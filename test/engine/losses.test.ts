import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/main/engine/runtime/tf';
import { startBackend } from '../../src/main/engine/runtime/backend';
import { LOSSES, bceWithLogits, gradientPenalty, penaltyPoints } from '../../src/main/engine/training/losses';

const real = [2, -1, 0.5];
const fake = [-3, 1, 0];
const softplus = (x: number): number => Math.log(1 + Math.exp(x));
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const value = (t: tf.Scalar): number => t.dataSync()[0];

describe('losses on fixed logits, against values computed by hand', () => {
  beforeAll(async () => {
    await startBackend('cpu');
  });
  const r = () => tf.tensor1d(real);
  const f = () => tf.tensor1d(fake);

  it('binary cross-entropy with logits is −[y log σ(l) + (1−y) log(1−σ(l))], stable at large logits', () => {
    const sigma = (x: number): number => 1 / (1 + Math.exp(-x));
    const byHand = mean(real.map((l) => -(0.9 * Math.log(sigma(l)) + 0.1 * Math.log(1 - sigma(l)))));
    expect(value(bceWithLogits(r(), 0.9))).toBeCloseTo(byHand, 5);
    expect(value(bceWithLogits(tf.tensor1d([200]), 0))).toBeCloseTo(200, 3);
    expect(Number.isFinite(value(bceWithLogits(tf.tensor1d([-200]), 1)))).toBe(true);
  });

  it('takes a target per real picture: a flipped real label (0) counts that picture as generated', () => {
    const targets = tf.tensor1d([1, 0, 1]);
    const byHand = mean([softplus(-real[0]), softplus(real[1]), softplus(-real[2])]) + mean(fake.map((l) => softplus(l)));
    expect(value(LOSSES['non-saturating'].discriminator(r(), f(), targets))).toBeCloseTo(byHand, 5);
  });

  it('minimax: D = −log σ(r) − log(1 − σ(f)); G = log(1 − σ(f))', () => {
    const d = mean(real.map((l) => softplus(-l))) + mean(fake.map((l) => softplus(l)));
    expect(value(LOSSES.minimax.discriminator(r(), f(), 1))).toBeCloseTo(d, 5);
    expect(value(LOSSES.minimax.generator(f()))).toBeCloseTo(-mean(fake.map(softplus)), 5);
  });

  it('non-saturating: G = −log σ(f); one-sided smoothing changes only the real term', () => {
    expect(value(LOSSES['non-saturating'].generator(f()))).toBeCloseTo(mean(fake.map((l) => softplus(-l))), 5);
    const smoothed = mean(real.map((l) => softplus(l) - 0.9 * l)) + mean(fake.map(softplus));
    expect(value(LOSSES['non-saturating'].discriminator(r(), f(), 0.9))).toBeCloseTo(smoothed, 5);
  });

  it('least squares: D = ½E(r−1)² + ½E f²; G = ½E(f−1)²', () => {
    const d = 0.5 * mean(real.map((x) => (x - 1) ** 2)) + 0.5 * mean(fake.map((x) => x * x));
    expect(value(LOSSES['least-squares'].discriminator(r(), f(), 1))).toBeCloseTo(d, 5);
    expect(value(LOSSES['least-squares'].generator(f()))).toBeCloseTo(0.5 * mean(fake.map((x) => (x - 1) ** 2)), 5);
  });

  it('wgan-gp: D = E f − E r, G = −E f, penalty λ·E(‖g‖−1)²', () => {
    expect(value(LOSSES['wgan-gp'].discriminator(r(), f(), 1))).toBeCloseTo(mean(fake) - mean(real), 5);
    expect(value(LOSSES['wgan-gp'].generator(f()))).toBeCloseTo(-mean(fake), 5);
    const grads = tf.tensor2d([[3, 4], [0, 0.5]]); // norms 5 and 0.5
    expect(value(gradientPenalty(grads, 10))).toBeCloseTo(10 * mean([16, 0.25]), 4);
    expect(LOSSES['wgan-gp'].penalty).toBe('interpolates');
  });

  it('wgan: the same critic and G as wgan-gp, with clipped weights instead of a penalty', () => {
    expect(value(LOSSES.wgan.discriminator(r(), f(), 1))).toBeCloseTo(mean(fake) - mean(real), 5);
    expect(value(LOSSES.wgan.generator(f()))).toBeCloseTo(-mean(fake), 5);
    expect([LOSSES.wgan.clipWeights, LOSSES.wgan.penalty]).toEqual([true, undefined]);
  });

  it("dragan: the non-saturating GAN's D and G, with the penalty taken around the real pictures", () => {
    expect(value(LOSSES.dragan.discriminator(r(), f(), 1))).toBeCloseTo(value(LOSSES['non-saturating'].discriminator(r(), f(), 1)), 6);
    expect(value(LOSSES.dragan.generator(f()))).toBeCloseTo(value(LOSSES['non-saturating'].generator(f())), 6);
    expect(LOSSES.dragan.penalty).toBe('around-real');
  });

  it("puts WGAN-GP's penalty points between real and generated pictures, DRAGAN's between x and x + ½·std(x)", () => {
    let seed = 1;
    const next = (): number => seed++;
    const realBatch = tf.randomNormal([6, 3, 3, 2], 0, 2, 'float32', 11);
    const fakeBatch = tf.randomNormal([6, 3, 3, 2], 5, 1, 'float32', 12);
    const [x, g] = [realBatch.arraySync() as number[][][][], fakeBatch.arraySync() as number[][][][]];
    const mixed = penaltyPoints('interpolates', realBatch, fakeBatch, next).arraySync() as number[][][][];
    mixed.forEach((picture, i) => {
      // one ε per picture: (x̂ − g) / (x − g) is the same for all its values, in [0, 1]
      const ratios = picture.flat(2).map((v, k) => (v - g[i].flat(2)[k]) / (x[i].flat(2)[k] - g[i].flat(2)[k]));
      for (const r of ratios) expect(r).toBeCloseTo(ratios[0], 3);
      expect(ratios[0]).toBeGreaterThanOrEqual(0);
      expect(ratios[0]).toBeLessThanOrEqual(1);
    });
    const std = Math.sqrt(value(tf.moments(realBatch).variance as tf.Scalar));
    const around = (penaltyPoints('around-real', realBatch, fakeBatch, next).arraySync() as number[][][][]).flat(3);
    const offsets = around.map((v, k) => v - x.flat(3)[k]);
    expect(Math.min(...offsets)).toBeGreaterThanOrEqual(-1e-5);
    expect(Math.max(...offsets)).toBeLessThanOrEqual(0.5 * std + 1e-5);
    expect(Math.max(...offsets)).toBeGreaterThan(0.1 * std); // not x itself
  });

  it('hinge: D = E max(0, 1−r) + E max(0, 1+f), G = −E f', () => {
    const d = mean(real.map((x) => Math.max(0, 1 - x))) + mean(fake.map((x) => Math.max(0, 1 + x)));
    expect(value(LOSSES.hinge.discriminator(r(), f(), 1))).toBeCloseTo(d, 5);
    expect(value(LOSSES.hinge.generator(f()))).toBeCloseTo(-mean(fake), 5);
  });
});
