import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/main/engine/runtime/tf';
import { startBackend } from '../../src/main/engine/runtime/backend';
import { loadCheckpoint, saveCheckpoint } from '../../src/main/engine/training/checkpoint';
import { loadRunGenerator } from '../../src/main/engine/training/generator';
import { generateImages } from '../../src/main/engine/models';
import { runLayout } from '../../src/main/engine/training/run';
import { instanceNoiseAt, Trainer } from '../../src/main/engine/training/trainer';
import type { Config } from '../../src/shared/config/schema';
import { loadDataset, type Dataset } from '../../src/main/engine/data';
import { ANY_D_LOSSES, tinyConfig, tinyData, tinyTrainer } from './tinyRun';
import { Rng } from '../../src/main/engine/training/rng';

const snapshot = (vars: Map<string, tf.Variable>): Map<string, Float32Array> =>
  new Map([...vars].map(([k, v]) => [k, Float32Array.from(v.dataSync() as Float32Array)]));

function maxDiff(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  let d = 0;
  for (const [k, va] of a) {
    const vb = b.get(k)!;
    for (let i = 0; i < va.length; i++) d = Math.max(d, Math.abs(va[i] - vb[i]));
  }
  return d;
}

/**
 * Trains `config` 2n steps straight, and n steps + checkpoint (in `dir`) + n more from it: the resumed trainer, and
 * how far its tensors are from the straight run's.
 */
async function straightAndResumed(config: Config, n: number, data?: Dataset): Promise<{ resumed: Trainer; diff: number; dir: string }> {
  data ??= await tinyData(config);
  const straight = new Trainer(config, data);
  for (let i = 0; i < 2 * n; i++) straight.trainStep();
  const expected = snapshot(straight.namedTensors());
  straight.dispose();
  const dir = mkdtempSync(join(tmpdir(), 'gan-resume-'));
  const first = new Trainer(config, data);
  for (let i = 0; i < n; i++) first.trainStep();
  saveCheckpoint(runLayout(dir).checkpoint, first);
  first.dispose();
  const resumed = new Trainer(config, data, loadCheckpoint(runLayout(dir).checkpoint));
  for (let i = 0; i < n; i++) resumed.trainStep();
  return { resumed, diff: maxDiff(expected, snapshot(resumed.namedTensors())), dir };
}

/** `config` resumed exactly (n + checkpoint + n = 2n straight, n = 3), then `more` steps with finite scores and flat tensor counts. */
async function expectExactResumeAndFlatMemory(config: Config, data?: Dataset, more = 3): Promise<void> {
  const { resumed, diff } = await straightAndResumed(config, 3, data);
  expect(diff).toBeLessThanOrEqual(1e-6);
  const before = tf.memory().numTensors;
  for (let i = 0; i < more; i++) {
    const m = resumed.trainStep();
    for (const v of [m.lossD, m.lossG!, m.dReal, m.dFake]) expect(Number.isFinite(v)).toBe(true);
  }
  expect(tf.memory().numTensors).toBe(before);
  resumed.dispose();
}

describe('trainer', () => {
  beforeAll(async () => {
    await startBackend('wasm');
  });

  it('keeps tf.memory().numTensors flat over 20 steps', async () => {
    const t = await tinyTrainer();
    t.trainStep();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) t.trainStep();
    expect(tf.memory().numTensors).toBe(before);
    t.dispose();
  });

  it('updates only D while D is pre-trained, and only the listed networks', async () => {
    const t = await tinyTrainer({ dPretrainSteps: 1 });
    const g0 = snapshot(t.gan.generator.params.trainable);
    const d0 = snapshot(t.gan.discriminator.params.trainable);
    const m = t.trainStep();
    expect(m.lossG).toBeNull();
    expect(maxDiff(g0, snapshot(t.gan.generator.params.trainable))).toBe(0);
    expect(maxDiff(d0, snapshot(t.gan.discriminator.params.trainable))).toBeGreaterThan(0);
    const m2 = t.trainStep();
    expect(m2.lossG).not.toBeNull();
    expect(maxDiff(g0, snapshot(t.gan.generator.params.trainable))).toBeGreaterThan(0);
    t.dispose();
  });

  it("reports D(G(z)) before and after D's update: after is what a fresh D forward says of the same pictures", async () => {
    const t = await tinyTrainer({ dPretrainSteps: 1, realLabel: 1 }, { dropout: 0 });
    expect(t.trainStep().dFakeAfter).toBeNull(); // no G update while D is pre-trained
    const m = t.trainStep();
    expect(m.dFakeAfter).toEqual(expect.any(Number));
    expect(m.dFakeAfter).toBeGreaterThan(0);
    expect(m.dFakeAfter).toBeLessThan(1);
    // D's update pushed its score of generated pictures down (the non-saturating D minimises log(1 − D(G(z))))
    const after: number[] = [];
    const before: number[] = [];
    for (let i = 0; i < 8; i++) {
      const s = t.trainStep();
      before.push(s.dFake);
      after.push(s.dFakeAfter!);
    }
    expect(after.reduce((a, b) => a + b) / 8).toBeLessThan(before.reduce((a, b) => a + b) / 8);
    t.dispose();
  });

  it('20 steps straight equal 10 steps + checkpoint + resume + 10 steps (to 1e-6)', async () => {
    const config = tinyConfig({ steps: 20 });
    const data = await tinyData(config);
    const straight = new Trainer(config, data);
    for (let i = 0; i < 20; i++) straight.trainStep();
    const expected = snapshot(straight.namedTensors());
    const expectedMetrics = straight.trainStep();
    straight.dispose();

    const file = join(mkdtempSync(join(tmpdir(), 'gan-ckpt-')), 'checkpoint.bin');
    const first = new Trainer(config, data);
    for (let i = 0; i < 10; i++) first.trainStep();
    saveCheckpoint(file, first);
    first.dispose();
    const resumed = new Trainer(config, data, loadCheckpoint(file));
    expect(resumed.step).toBe(10);
    for (let i = 0; i < 10; i++) resumed.trainStep();
    expect(maxDiff(expected, snapshot(resumed.namedTensors()))).toBeLessThanOrEqual(1e-6);
    const metrics = resumed.trainStep();
    expect(metrics.lossD).toBeCloseTo(expectedMetrics.lossD, 6);
    expect(metrics.epoch).toBe(expectedMetrics.epoch);
    resumed.dispose();
  });

  it.each(ANY_D_LOSSES)('trains a step with the %s loss and reports finite scores', async (loss) => {
    const t = await tinyTrainer({ loss, dSteps: 2 });
    const m = t.trainStep();
    for (const v of [m.lossD, m.lossG!, m.dReal, m.dFake]) expect(Number.isFinite(v)).toBe(true);
    if (loss === 'minimax' || loss === 'non-saturating') {
      expect(m.dReal).toBeGreaterThan(0);
      expect(m.dReal).toBeLessThan(1);
    }
    t.dispose();
  });

  it('gives the same first step for the same seed and a different one for another seed', async () => {
    const config = tinyConfig();
    const data = await tinyData(config);
    const a = new Trainer(config, data);
    const b = new Trainer(config, data);
    const c = new Trainer(tinyConfig({ seed: 6 }), data);
    const [ma, mb, mc] = [a.trainStep(), b.trainStep(), c.trainStep()];
    expect(ma.lossD).toBe(mb.lossD);
    expect(mc.lossD).not.toBe(ma.lossD);
    [a, b, c].forEach((t) => t.dispose());
  });
});

describe('conditional GAN', () => {
  beforeAll(async () => {
    await startBackend('wasm');
  });

  it('trains on labelled digits with flat memory, every loss, and resumes identically', async () => {
    for (const loss of ANY_D_LOSSES) {
      const t = await tinyTrainer({ loss }, { classes: 10 });
      t.trainStep();
      const before = tf.memory().numTensors;
      const m = t.trainStep();
      expect(tf.memory().numTensors).toBe(before);
      for (const v of [m.lossD, m.lossG!, m.dReal, m.dFake]) expect(Number.isFinite(v), loss).toBe(true);
      t.dispose();
    }
    const { resumed, diff } = await straightAndResumed(tinyConfig({ steps: 6 }, { classes: 10 }), 3);
    expect(diff).toBeLessThanOrEqual(1e-6);
    resumed.dispose();
  });

  it('draws a different picture for another class from the same latent, and a blend between them', async () => {
    const t = await tinyTrainer({}, { classes: 10 });
    for (let i = 0; i < 3; i++) t.trainStep();
    const z = Float32Array.from({ length: 3 * 8 }, (_, i) => Math.sin(i % 8));
    const labels = new Float32Array(30);
    labels[3] = 1; // class 3
    labels[10 + 7] = 1; // class 7
    labels[20 + 3] = 0.5; // halfway from 3 to 7
    labels[20 + 7] = 0.5;
    const [a, b, mid] = [0, 1, 2].map((k) => t.generate(z, labels).subarray(k * 784, (k + 1) * 784));
    const distance = (x: Float32Array, y: Float32Array) => x.reduce((s, v, i) => s + Math.abs(v - y[i]), 0);
    expect(distance(a, b)).toBeGreaterThan(0);
    expect(distance(a, mid)).toBeLessThan(distance(a, b));
    expect(() => t.generate(z, labels.subarray(1))).toThrow(/3 pictures need 3 × 10 class weights/);
    t.dispose();
  });

  it('refuses a dataset without labels, or with more classes than the model has', async () => {
    const config = tinyConfig({}, { classes: 10 });
    const data = await tinyData(config);
    expect(() => new Trainer(config, { ...data, labels: undefined })).toThrow(/model.classes is 10, but the dataset '[^']+' has no labels: label its pictures/);
    expect(() => new Trainer(tinyConfig({}, { classes: 3 }), data)).toThrow(/model.classes is 3, but the dataset '[^']+' has 10 classes \(0, 1, 2/);
  });
});

describe("an EMA of G's weights (train.emaDecay)", () => {
  beforeAll(async () => {
    await startBackend('wasm');
  });
  const byPrefix = (all: Map<string, Float32Array>, prefix: string): Map<string, Float32Array> =>
    new Map([...all].filter(([k]) => k.startsWith(`${prefix}/`)).map(([k, v]) => [k.slice(prefix.length + 1), v]));

  it('averages the weights after every G update with the warmed-up decay, and is absent when off', async () => {
    const off = await tinyTrainer();
    expect([...off.namedTensors().keys()].some((k) => k.startsWith('G.ema/'))).toBe(false);
    off.dispose();

    const t = await tinyTrainer({ emaDecay: 0.9 });
    let expected = snapshot(t.gan.generator.params.trainable); // the average starts at the initial weights
    for (let n = 1; n <= 5; n++) {
      t.trainStep();
      const d = Math.min(0.9, (1 + n) / (10 + n));
      const w = snapshot(t.gan.generator.params.trainable);
      expected = new Map([...expected].map(([k, a]) => [k, a.map((v, i) => d * v + (1 - d) * w.get(k)![i])]));
    }
    const average = byPrefix(snapshot(t.namedTensors()), 'G.ema');
    expect(maxDiff(expected, average)).toBeLessThanOrEqual(1e-5);
    expect(maxDiff(snapshot(t.gan.generator.params.trainable), average)).toBeGreaterThan(1e-4); // not the weights themselves
    t.dispose();
  });

  it('draws samples from the average with flat memory, resumes exactly, and the lab loads the average', async () => {
    const { resumed, diff, dir } = await straightAndResumed(tinyConfig({ emaDecay: 0.8, steps: 6 }), 3);
    expect(diff).toBeLessThanOrEqual(1e-6);

    const before = tf.memory().numTensors;
    const weightsBefore = snapshot(resumed.gan.generator.params.trainable);
    const sample = resumed.generate(resumed.fixedLatents);
    expect(tf.memory().numTensors).toBe(before);
    expect(maxDiff(weightsBefore, snapshot(resumed.gan.generator.params.trainable))).toBe(0); // the weights are put back
    const fromWeights = generateImages(resumed.gan, resumed.fixedLatents);
    expect(sample.some((v, i) => Math.abs(v - fromWeights[i]) > 1e-4)).toBe(true);

    saveCheckpoint(runLayout(dir).checkpoint, resumed);
    const lab = loadRunGenerator(dir);
    expect(lab.ema).toBe(true);
    expect(Math.max(...lab.generate(resumed.fixedLatents).map((v, i) => Math.abs(v - sample[i])))).toBeLessThanOrEqual(1e-5);
    lab.dispose();
    const last = loadRunGenerator(dir, { lastWeights: true }); // what eval --last-weights scores
    expect(last.ema).toBe(false);
    expect(Math.max(...last.generate(resumed.fixedLatents).map((v, i) => Math.abs(v - fromWeights[i])))).toBeLessThanOrEqual(1e-5);
    last.dispose();
    resumed.dispose();
  });
});

describe('instance noise and label flipping', () => {
  beforeAll(async () => {
    await startBackend('wasm');
  });

  it('anneals instance noise linearly from train.instanceNoise to 0 at the last step', () => {
    const { train } = tinyConfig({ instanceNoise: 0.4, steps: 100 });
    expect([0, 25, 50, 100, 120].map((s) => instanceNoiseAt(train, s))).toEqual([0.4, 0.30000000000000004, 0.2, 0, 0]);
  });

  it('with both on: flat memory, finite scores, and a resumed run equals a straight one', async () => {
    await expectExactResumeAndFlatMemory(tinyConfig({ instanceNoise: 0.3, labelFlip: 0.2, steps: 12 }), undefined, 4);
  });

  /** D trained alone for 30 steps: how far apart it holds real and generated pictures, D(x) − D(G(z)). */
  async function separation(train: Parameters<typeof tinyConfig>[0]): Promise<number> {
    const t = await tinyTrainer({ dPretrainSteps: 1000, steps: 1000, ...train }, { dropout: 0 });
    let m = t.trainStep();
    for (let i = 0; i < 30; i++) m = t.trainStep();
    t.dispose();
    return m.dReal - m.dFake;
  }

  it('label flipping holds D back from telling real from generated; instance noise does too', async () => {
    const plain = await separation({});
    expect(plain).toBeGreaterThan(0.2);
    expect(await separation({ labelFlip: 0.5 })).toBeLessThan(plain / 4); // half the labels swapped: nothing to learn
    expect(await separation({ instanceNoise: 5 })).toBeLessThan(plain / 2); // pictures drowned in noise
  });
});

describe('WGAN weight clipping', () => {
  beforeAll(async () => {
    await startBackend('wasm');
  });

  it("holds every D weight in [−c, c] after each update, and only D's", async () => {
    const t = await tinyTrainer({ loss: 'wgan', clip: 0.01 });
    for (let i = 0; i < 3; i++) t.trainStep();
    const d = [...snapshot(t.gan.discriminator.params.trainable).values()].flatMap((v) => Array.from(v));
    expect(Math.max(...d.map(Math.abs))).toBeLessThanOrEqual(0.01 + 1e-7);
    expect(d.filter((v) => Math.abs(v) === Math.fround(0.01)).length).toBeGreaterThan(0); // the clip is reached
    const g = [...snapshot(t.gan.generator.params.trainable).values()].flatMap((v) => Array.from(v));
    expect(Math.max(...g.map(Math.abs))).toBeGreaterThan(0.01);
    t.dispose();
  });
});

describe('augmentation of what D sees (train.augment)', () => {
  beforeAll(async () => {
    await startBackend('wasm');
  });

  it('DiffAugment: flat memory, finite scores, p reported as 1, and a resumed run equals a straight one', async () => {
    const { resumed, diff } = await straightAndResumed(tinyConfig({ augment: 'diffaugment', steps: 12 }), 3);
    expect(diff).toBeLessThanOrEqual(1e-6);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 4; i++) {
      const m = resumed.trainStep();
      expect(m.augmentP).toBe(1);
      for (const v of [m.lossD, m.lossG!, m.dReal, m.dFake]) expect(Number.isFinite(v)).toBe(true);
    }
    expect(tf.memory().numTensors).toBe(before);
    resumed.dispose();
  });

  it("ADA: p rises while D is sure of the real pictures, is checkpointed, and resumes exactly (its partial interval too)", async () => {
    // A fast controller (0.1 k pictures: p moves 0.32 every 4 steps of 8) on a D that learns fast.
    const config = tinyConfig({ augment: 'ada', adaKimg: 0.1, steps: 40 });
    config.optim.lrD = 0.005;
    const data = await tinyData(config);
    const straight = new Trainer(config, data);
    const ps: number[] = [];
    for (let i = 0; i < 14; i++) ps.push(straight.trainStep().augmentP!);
    expect(ps[0]).toBe(0);
    expect(Math.max(...ps)).toBeGreaterThan(0);
    const expected = straight.state().ada;
    straight.dispose();
    const { resumed, diff } = await straightAndResumed(config, 7); // 7: mid-interval
    expect(diff).toBeLessThanOrEqual(1e-6);
    expect(resumed.state().ada).toEqual(expected);
    resumed.dispose();
  });

  it('leaves runs without augmentation without a p or an ADA state', async () => {
    const plain = await tinyTrainer({ steps: 4 });
    const m = plain.trainStep();
    expect(m.augmentP).toBeUndefined();
    expect(plain.state().ada).toBeUndefined();
    plain.dispose();
  });
});

describe("D's regularisers: spectral norm, minibatch std, lazy R1", () => {
  beforeAll(async () => {
    await startBackend('wasm');
  });

  it('all on: flat memory, finite scores, u vectors in the checkpoint, no BatchNorm in D, and a resumed run equals a straight one', async () => {
    const config = tinyConfig({ r1Gamma: 1, r1Every: 2, steps: 12 }, { spectralNorm: true, minibatchStd: true });
    const { resumed, diff } = await straightAndResumed(config, 3); // R1 lands on odd and even steps alike
    expect(diff).toBeLessThanOrEqual(1e-6);
    const names = [...resumed.namedTensors().keys()];
    expect(names).toEqual(expect.arrayContaining(['D.stats/conv1.sn.u', 'D.stats/fc.sn.u']));
    expect(names.filter((n) => n.startsWith('D') && n.includes('bn'))).toEqual([]);
    expect(names.filter((n) => n.startsWith('G') && n.includes('bn')).length).toBeGreaterThan(0);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 4; i++) {
      const m = resumed.trainStep();
      for (const v of [m.lossD, m.lossG!, m.dReal, m.dFake]) expect(Number.isFinite(v)).toBe(true);
    }
    expect(tf.memory().numTensors).toBe(before);
    resumed.dispose();
  });

  it("R1 adds to D's loss on its lazy steps, multiplied by how lazy they are", async () => {
    const firstLoss = async (train: Parameters<typeof tinyConfig>[0]): Promise<number> => {
      const t = await tinyTrainer({ steps: 8, ...train });
      const { lossD } = t.trainStep(); // D's first update (update 0: a lazy step for any r1Every), same weights in each
      t.dispose();
      return lossD;
    };
    const plain = await firstLoss({});
    const every1 = (await firstLoss({ r1Gamma: 5, r1Every: 1 })) - plain;
    const every4 = (await firstLoss({ r1Gamma: 5, r1Every: 4 })) - plain;
    expect(every1).toBeGreaterThan(0);
    expect(every4 / every1).toBeCloseTo(4, 3);
  });
});

describe('the other models and recipes: resume exactly, flat memory', () => {
  beforeAll(async () => {
    await startBackend('wasm');
  });

  it("DCGAN-tensorflow's model with dropout on D's input and real labels flipped", async () => {
    const config = tinyConfig({ realFlip: 0.3, steps: 12 }, { kind: 'dcgan-tf', imageSize: 32, width: 2, inputDropout: 0.5 });
    await expectExactResumeAndFlatMemory(config, await loadDataset(config));
  });

  it("G updated twice a step (train.gSteps 2, DCGAN-tensorflow's recipe): two Adam steps of G per D update, resumes exactly", async () => {
    const config = tinyConfig({ gSteps: 2, steps: 12 });
    await expectExactResumeAndFlatMemory(config);
    const t = new Trainer(config, await tinyData(config));
    for (let i = 0; i < 3; i++) t.trainStep();
    expect(t.state().adamSteps).toEqual({ g: 6, d: 3 });
    t.dispose();
  });

  it('the two-fc GAN (mnist-gan-2fc), D pre-trained first', async () => {
    await expectExactResumeAndFlatMemory(tinyConfig({ dPretrainSteps: 2, steps: 12 }, { kind: 'two-fc', width: 0.125 }));
  });

  it('FastGAN (skip-layer excitation, self-supervised D) with hinge and DiffAugment', async () => {
    const config = tinyConfig({ loss: 'hinge', augment: 'diffaugment', steps: 12 }, { kind: 'fastgan', imageSize: 32, width: 1 });
    await expectExactResumeAndFlatMemory(config, await loadDataset(config));
  });

  it("FastGAN's D learns its own task: its error rebuilding real pictures falls as D trains", async () => {
    const config = tinyConfig({ loss: 'hinge', dPretrainSteps: 1000, steps: 1000 }, { kind: 'fastgan', imageSize: 32, width: 1, dropout: 0 });
    const data = await loadDataset(config);
    const t = new Trainer(config, data);
    const real = tf.tensor4d(data.images.subarray(0, 8 * 32 * 32), [8, 32, 32, 1]);
    const error = (): number => tf.tidy(() => t.gan.discriminator.selfSupervised!(real, { training: false, rng: Rng.fromSeed(3) }).loss.dataSync()[0]);
    const before = error();
    for (let i = 0; i < 40; i++) t.trainStep();
    const after = error();
    expect(after).toBeLessThan(before / 2);
    real.dispose();
    t.dispose();
  });

  it("the style-based G: resumes exactly (w's running mean included), and that mean follows the mapping's outputs", async () => {
    const config = tinyConfig({ loss: 'hinge', steps: 12 }, { kind: 'style', imageSize: 32, width: 1 });
    const data = await loadDataset(config);
    await expectExactResumeAndFlatMemory(config, data);
    const t = new Trainer(config, data);
    const meanW = t.gan.style!.meanW;
    expect(Math.max(...Array.from(meanW.dataSync()).map(Math.abs))).toBe(0);
    for (let i = 0; i < 5; i++) t.trainStep();
    const moved = Array.from(meanW.dataSync());
    // Five G updates' forwards (the D updates' are not counted), each moving the mean 0.5 % of the way to its batch's
    // mean w: about 1 − 0.995⁵ of the mapping's mean output (the mapping itself moved a little meanwhile).
    const meanOutput = tf.tidy(() => Array.from(tf.mean(t.gan.style!.mapping(tf.randomNormal([256, 8], 0, 1, 'float32', 1), { training: false, rng: Rng.fromSeed(1) }), 0).dataSync()));
    const expected = meanOutput.map((m) => m * (1 - 0.995 ** 5));
    const dot = (a: number[], b: number[]): number => a.reduce((sum, x, i) => sum + x * b[i], 0);
    expect(dot(moved, expected) / Math.sqrt(dot(moved, moved) * dot(expected, expected))).toBeGreaterThan(0.95);
    expect(Math.sqrt(dot(moved, moved) / dot(expected, expected))).toBeGreaterThan(0.8);
    expect(Math.sqrt(dot(moved, moved) / dot(expected, expected))).toBeLessThan(1.25);
    t.dispose();
  });

  it('the ResNet with spectral norm and hinge', async () => {
    const config = tinyConfig({ loss: 'hinge', steps: 12 }, { kind: 'resnet', imageSize: 32, width: 2, spectralNorm: true });
    await expectExactResumeAndFlatMemory(config, await loadDataset(config));
  });
});
