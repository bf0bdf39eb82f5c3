import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/main/engine/runtime/tf';
import { startBackend } from '../../src/main/engine/runtime/backend';
import { buildGan, generateImages } from '../../src/main/engine/models';
import { ParamStore, averagePool2x } from '../../src/main/engine/models/layers';
import { equalisedWeight, modulatedConv } from '../../src/main/engine/models/styleGan';
import { quarter } from '../../src/main/engine/models/fastgan';
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

  it.each([32, 64, 128])('FastGAN at %i px: G draws size × size × 3 with skip-layer excitation from 32 px up, D gives one logit and rebuilds half-size pictures', (size) => {
    const s = shapes({ kind: 'fastgan', imageSize: size, channels: 3, width: 1, latentDim: 16 });
    expect(s.image).toEqual([3, size, size, 3]);
    expect(s.logits).toEqual([3, 1]);
    expect([s.lo >= -1, s.hi <= 1]).toEqual([true, true]);
    const gan = buildGan(parseConfig({ model: { kind: 'fastgan', imageSize: size, width: 1, latentDim: 16 } }).model, Rng.fromSeed(1));
    const gates = [...gan.generator.params.trainable.keys()].filter((k) => k.startsWith('sle') && k.endsWith('conv1.weight'));
    expect(gates).toEqual({ 32: ['sle4to32.conv1.weight'], 64: ['sle4to32.conv1.weight', 'sle4to64.conv1.weight'], 128: ['sle4to32.conv1.weight', 'sle4to64.conv1.weight', 'sle8to128.conv1.weight'] }[size]);
    const ctx: ForwardContext = { training: true, rng: Rng.fromSeed(2), statUpdates: [] };
    const { logits, loss } = tf.tidy(() => {
      const r = gan.discriminator.selfSupervised!(tf.randomUniform([2, size, size, 3], -1, 1, 'float32', 4), ctx);
      return { logits: r.out.shape, loss: r.loss.dataSync()[0] };
    });
    expect(logits).toEqual([2, 1]);
    expect(loss).toBeGreaterThan(0);
    for (const [, t] of ctx.statUpdates!) t.dispose();
    gan.generator.params.dispose();
    gan.discriminator.params.dispose();
  });

  it("FastGAN's quarters: 0 top left, 1 top right, 2 bottom left, 3 bottom right, of pictures and feature maps alike", () => {
    const x = tf.tensor4d(Array.from({ length: 32 }, (_, i) => i), [1, 4, 4, 2]);
    const pixels = (q: number) => tf.tidy(() => Array.from(quarter(x, q).dataSync()));
    expect([0, 1, 2, 3].map(pixels)).toEqual([[0, 1, 2, 3, 8, 9, 10, 11], [4, 5, 6, 7, 12, 13, 14, 15], [16, 17, 18, 19, 24, 25, 26, 27], [20, 21, 22, 23, 28, 29, 30, 31]]);
    x.dispose();
  });

  it.each([32, 64, 128])('the style-based G at %i px: mapping z → w (as long as z), synthesis from a learned constant to size × size × 3', (size) => {
    const s = shapes({ kind: 'style', imageSize: size, channels: 3, width: 2, latentDim: 16 });
    expect(s.image).toEqual([3, size, size, 3]);
    expect(s.logits).toEqual([3, 1]);
    const gan = buildGan(parseConfig({ model: { kind: 'style', imageSize: size, width: 2, latentDim: 16 } }).model, Rng.fromSeed(1));
    const w = tf.tidy(() => gan.style!.mapping(tf.randomNormal([5, 16]), { training: false, rng: Rng.fromSeed(1) }).shape);
    expect(w).toEqual([5, 16]);
    expect(gan.generator.params.stats.get('mapping.wAvg')!.shape).toEqual([16]);
    // two modulated convolutions per size from 4 px, and one to the picture
    expect([...gan.generator.params.trainable.keys()].filter((k) => /^conv\d+[ab]\.weight$/.test(k))).toHaveLength(2 * (Math.log2(size) - 1));
    gan.generator.params.dispose();
    gan.discriminator.params.dispose();
  });

  it("a modulated convolution equals convolving each sample with its own weights, scaled per input channel by w's style and demodulated", () => {
    const p = new ParamStore(Rng.fromSeed(4));
    const conv = modulatedConv(p, 'm', 3, 2, 3, 4, true);
    const x = tf.randomNormal([2, 5, 5, 2], 0, 1, 'float32', 1);
    const w = tf.randomNormal([2, 4], 0, 1, 'float32', 2);
    const got = tf.tidy(() => Array.from(conv(x, w).dataSync()));
    const [weight, affine, styleBias, bias] = ['m.weight', 'm.style.weight', 'm.style.bias', 'm.bias'].map((k) => p.trainable.get(k)!);
    const want = tf.tidy(() => {
      const outs = [0, 1].map((i) => {
        // the style's affine map is stored N(0, 1) and used / √4 (equalised learning rate); the kernel's scale cancels
        const s = tf.add(tf.matMul(tf.slice(w, [i, 0], [1, 4]), tf.div(affine, 2) as tf.Tensor2D), styleBias); // 1 × cin
        const wi = tf.mul(weight, tf.reshape(s, [1, 1, 2, 1])); // this sample's weights
        const demodulated = tf.div(wi, tf.sqrt(tf.add(tf.sum(tf.square(wi), [0, 1, 2], true), 1e-8)));
        return tf.add(tf.conv2d(tf.slice(x, [i, 0, 0, 0], [1, 5, 5, 2]) as tf.Tensor4D, demodulated as tf.Tensor4D, 1, 'same'), bias);
      });
      return Array.from(tf.concat(outs, 0).dataSync());
    });
    expect(got.length).toBe(2 * 5 * 5 * 3);
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 4));
    tf.dispose([x, w]);
    p.dispose();
  });

  it("an equalised weight starts at He's scale, and Adam's first step moves it lrMultiplier × gain / √fan-in as far as a plain one", () => {
    const p = new ParamStore(Rng.fromSeed(6));
    const fanIn = 3 * 3 * 8;
    const weight = equalisedWeight(p, 'w', [3, 3, 8, 16], Math.SQRT2, 0.01);
    const before = tf.tidy(() => Array.from(weight().dataSync()));
    const std = Math.sqrt(before.reduce((a, v) => a + v * v, 0) / before.length);
    expect(std).toBeGreaterThan(0.85 * Math.sqrt(2 / fanIn));
    expect(std).toBeLessThan(1.15 * Math.sqrt(2 / fanIn));
    const target = tf.sign(tf.randomNormal([3, 3, 8, 16], 0, 1, 'float32', 3)); // ±1: gradients well above Adam's ε
    const adam = tf.train.adam(0.1);
    adam.minimize(() => tf.sum(tf.mul(weight(), target)) as tf.Scalar, false, [p.trainable.get('w')!]);
    const after = tf.tidy(() => Array.from(weight().dataSync()));
    const signs = Array.from(target.dataSync()).map(Math.sign);
    // Adam's first step is lr · sign(gradient) in the stored weight: −0.1 · sign(target) here
    after.forEach((v, i) => expect(v - before[i]).toBeCloseTo((-0.1 * signs[i] * 0.01 * Math.SQRT2) / Math.sqrt(fanIn), 6));
    tf.dispose(target);
    adam.dispose();
    p.dispose();
  });

  it.each(['style', 'dcgan'] as const)('the truncation trick (%s): ψ = 1 leaves G as it is, ψ = 0 draws the one picture of the mean latent for every z', (kind) => {
    const gan = buildGan(parseConfig({ model: { kind, imageSize: 32, width: 2, latentDim: 8 } }).model, Rng.fromSeed(1));
    if (gan.style) gan.style.meanW.assign(tf.randomNormal([8], 0, 0.5, 'float32', 9)); // as if trained: the mean is not 0
    const z = Rng.fromSeed(3).normals(3 * 8);
    const plain = tf.tidy(() => Array.from(gan.generator.apply(tf.tensor2d(z, [3, 8]), { training: false, rng: Rng.fromSeed(1) }).dataSync()));
    expect(Array.from(generateImages(gan, z, undefined, 1))).toEqual(plain);
    const perImage = 32 * 32 * 3;
    const atMean = generateImages(gan, z, undefined, 0);
    const mean = tf.tidy(() => Array.from((gan.style ? gan.style.synthesis(tf.reshape(gan.style.meanW, [1, 8]), { training: false, rng: Rng.fromSeed(1) }) : gan.generator.apply(tf.zeros([1, 8]), { training: false, rng: Rng.fromSeed(1) })).dataSync()));
    for (let i = 0; i < 3; i++) Array.from(atMean.subarray(i * perImage, (i + 1) * perImage)).forEach((v, j) => expect(v).toBeCloseTo(mean[j], 5));
    const half = generateImages(gan, z, undefined, 0.5);
    expect(Array.from(half)).not.toEqual(plain);
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
