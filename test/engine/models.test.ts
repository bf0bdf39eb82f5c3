import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/main/engine/runtime/tf';
import { startBackend } from '../../src/main/engine/runtime/backend';
import { buildGan } from '../../src/main/engine/models';
import { averagePool2x } from '../../src/main/engine/models/layers';
import { Rng } from '../../src/main/engine/training/rng';
import type { ForwardContext } from '../../src/main/engine/models/layers';
import { parseConfig } from '../../src/shared/config/schema';
import { batchNormResults, expectSameResults } from './batchNormForms';

function shapes(model: Record<string, unknown>) {
  const m = parseConfig({ model }).model;
  const gan = buildGan(m, Rng.fromSeed(1));
  const ctx: ForwardContext = { training: true, rng: Rng.fromSeed(2), statUpdates: [] };
  const out = tf.tidy(() => {
    const images = gan.generator.apply(tf.randomNormal([3, m.latentDim]), ctx);
    const logits = gan.discriminator.apply(images, ctx);
    const [lo, hi] = [tf.min(images).dataSync()[0], tf.max(images).dataSync()[0]];
    return { image: images.shape, logits: logits.shape, lo, hi };
  });
  const weights = [...gan.generator.params.trainable].filter(([k]) => k.endsWith('.weight')).map(([, v]) => v.dataSync());
  gan.generator.params.dispose();
  gan.discriminator.params.dispose();
  for (const [, t] of ctx.statUpdates ?? []) t.dispose();
  return { ...out, weights };
}

describe('model builders', () => {
  beforeAll(async () => {
    await startBackend('wasm');
  });

  it.each([32, 64, 128])('DCGAN at %i px: G draws size × size × 3 in [-1, 1], D gives one logit per image', (size) => {
    const s = shapes({ kind: 'dcgan', imageSize: size, channels: 3, width: 4, latentDim: 16 });
    expect(s.image).toEqual([3, size, size, 3]);
    expect(s.logits).toEqual([3, 1]);
    expect(s.lo).toBeGreaterThanOrEqual(-1);
    expect(s.hi).toBeLessThanOrEqual(1);
  });

  it('Keras MNIST DCGAN, the MLP GAN and the two-fc GAN draw 28 × 28 × 1', () => {
    expect(shapes({ kind: 'keras-dcgan', imageSize: 28, channels: 1, width: 0.25 }).image).toEqual([3, 28, 28, 1]);
    expect(shapes({ kind: 'mlp', imageSize: 28, channels: 1, width: 0.125 }).logits).toEqual([3, 1]);
    const twoFc = shapes({ kind: 'two-fc', imageSize: 28, channels: 1, width: 0.125 });
    expect([twoFc.image, twoFc.logits]).toEqual([[3, 28, 28, 1], [3, 1]]);
  });

  it("the two-fc GAN's D: two convolutions, each followed by 2×2 average pooling (28 → 14 → 7), then one logit", () => {
    const x = tf.tensor4d([1, 2, 5, 6, 3, 4, 7, 8, 9, 10, 13, 14, 11, 12, 15, 16], [1, 4, 4, 1]);
    expect(Array.from(tf.tidy(() => averagePool2x(x, { training: false, rng: Rng.fromSeed(1) }).dataSync()))).toEqual([2.5, 6.5, 10.5, 14.5]);
    expect(Array.from(tf.tidy(() => tf.grad((a: tf.Tensor) => tf.sum(averagePool2x(a, { training: false, rng: Rng.fromSeed(1) })))(x).dataSync()))).toEqual(Array(16).fill(0.25));
    x.dispose();
    const m = parseConfig({ model: { kind: 'two-fc', imageSize: 28, channels: 1, width: 0.125 } }).model;
    const gan = buildGan(m, Rng.fromSeed(1));
    const names = [...gan.discriminator.params.trainable.keys()];
    expect(names).toEqual(['conv1.weight', 'conv1.bias', 'conv2.weight', 'conv2.bias', 'out.weight', 'out.bias']);
    const features = tf.tidy(() => gan.discriminator.features(tf.ones([2, 28, 28, 1]), { training: false, rng: Rng.fromSeed(1) }).shape);
    expect(features).toEqual([2, 7 * 7 * 8]);
    gan.generator.params.dispose();
    gan.discriminator.params.dispose();
  });

  it.each([32, 64, 128])('ResNet (SNGAN shape) at %i px: up-blocks to size × size × 3, down-blocks to one logit, no BatchNorm in D with spectral norm', (size) => {
    const s = shapes({ kind: 'resnet', imageSize: size, channels: 3, width: 2, latentDim: 16, spectralNorm: true });
    expect(s.image).toEqual([3, size, size, 3]);
    expect(s.logits).toEqual([3, 1]);
    const gan = buildGan(parseConfig({ model: { kind: 'resnet', imageSize: size, width: 2, spectralNorm: true } }).model, Rng.fromSeed(1));
    const blocks = Math.log2(size) - 2;
    expect([...gan.generator.params.trainable.keys()].filter((k) => k.endsWith('.skip.weight'))).toHaveLength(blocks);
    expect([...gan.discriminator.params.trainable.keys()].filter((k) => k.includes('bn'))).toEqual([]);
    expect([...gan.discriminator.params.stats.keys()].every((k) => k.endsWith('.sn.u'))).toBe(true);
    gan.generator.params.dispose();
    gan.discriminator.params.dispose();
  });

  it.each([48, 64])("DCGAN-tensorflow's model at %i px: four doublings from size / 16, 5×5 kernels, one logit", (size) => {
    const s = shapes({ kind: 'dcgan-tf', imageSize: size, channels: 3, width: 4, latentDim: 16 });
    expect(s.image).toEqual([3, size, size, 3]);
    expect(s.logits).toEqual([3, 1]);
    expect(s.lo).toBeGreaterThanOrEqual(-1);
    const gan = buildGan(parseConfig({ model: { kind: 'dcgan-tf', imageSize: size, width: 4 } }).model, Rng.fromSeed(1));
    expect(gan.generator.params.trainable.get('project.weight')!.shape).toEqual([100, (size / 16) ** 2 * 32]);
    expect(gan.discriminator.params.trainable.get('in.weight')!.shape).toEqual([5, 5, 3, 4]);
    gan.generator.params.dispose();
    gan.discriminator.params.dispose();
  });

  it("refuses a DCGAN-tensorflow size that is not 16 × a base, naming the field", () => {
    expect(() => parseConfig({ model: { kind: 'dcgan-tf', imageSize: 40 } })).toThrow(/model\.imageSize: the DCGAN-tensorflow model doubles its size four times: a multiple of 16/);
  });

  it("drops out pixels of D's input while training (model.inputDropout), never in inference", () => {
    const m = parseConfig({ model: { kind: 'dcgan-tf', imageSize: 32, channels: 1, width: 2, inputDropout: 0.5 } }).model;
    const gan = buildGan(m, Rng.fromSeed(1));
    const x = tf.randomUniform([2, 32, 32, 1], -1, 1, 'float32', 3);
    const judge = (training: boolean, seed: number) => tf.tidy(() => Array.from(gan.discriminator.apply(x, { training, rng: Rng.fromSeed(seed) }).dataSync()));
    expect(judge(false, 1)).toEqual(judge(false, 2));
    expect(judge(true, 1)).not.toEqual(judge(true, 2));
    expect(judge(true, 1)).toEqual(judge(true, 1));
    gan.generator.params.dispose();
    gan.discriminator.params.dispose();
    x.dispose();
  });

  it('initialises weights from N(0, 0.02)', () => {
    const { weights } = shapes({ kind: 'keras-dcgan', imageSize: 28, channels: 1, width: 1 });
    const all = weights.flatMap((w) => Array.from(w));
    const mean = all.reduce((a, b) => a + b, 0) / all.length;
    const std = Math.sqrt(all.reduce((a, b) => a + (b - mean) ** 2, 0) / all.length);
    expect(Math.abs(mean)).toBeLessThan(1e-3);
    expect(std).toBeCloseTo(0.02, 3);
  });
});

describe('BatchNorm in training', () => {
  it.each(['wasm', 'cpu'] as const)('on %s, its hand-derived gradient matches differentiating the written-out form: y, ∂x, ∂γ, ∂β, batch statistics, and the second derivative of a gradient penalty', async (backend) => {
    await startBackend(backend);
    for (const shape of [[6, 5], [3, 4, 4, 5], [2, 3, 7]]) expectSameResults(batchNormResults(shape, 'leanest'), batchNormResults(shape, 'written-out'), `${backend}, shape ${shape}`);
  });
});
