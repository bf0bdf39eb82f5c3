import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/main/engine/tf';
import { startBackend } from '../../src/main/engine/backend';
import { LOSSES, bceWithLogits, gradientPenalty } from '../../src/main/engine/losses';

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
    expect(LOSSES['wgan-gp'].gradientPenalty).toBe(true);
  });

  it('hinge: D = E max(0, 1−r) + E max(0, 1+f), G = −E f', () => {
    const d = mean(real.map((x) => Math.max(0, 1 - x))) + mean(fake.map((x) => Math.max(0, 1 + x)));
    expect(value(LOSSES.hinge.discriminator(r(), f(), 1))).toBeCloseTo(d, 5);
    expect(value(LOSSES.hinge.generator(f()))).toBeCloseTo(-mean(fake), 5);
  });
});
