/**
 * What D learned: the linear probe fits separable features perfectly and random labels only at chance; D's first
 * filters and its stages' activations come out with the shapes and ranges the Runs view draws; a run's D is probed
 * beside the pixels and an untrained D, and an unlabelled dataset is refused by name.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/main/engine/runtime/tf';
import { startBackend } from '../../src/main/engine/runtime/backend';
import { buildGan } from '../../src/main/engine/models';
import { Rng } from '../../src/main/engine/training/rng';
import { linearProbeAccuracy, probeDiscriminator } from '../../src/main/engine/metrics/linearProbe';
import { firstFilters, stageActivations } from '../../src/main/engine/metrics/discriminatorView';
import { presetConfig } from '../../src/shared/config/presets';
import { tinyConfig, tinyData } from './tinyRun';
import type { Dataset } from '../../src/main/engine/data/dataset';

beforeAll(async () => {
  await startBackend('wasm');
});

describe('the linear probe', () => {
  it('separates classes a linear rule separates, and scores random labels near chance', () => {
    const rng = Rng.fromSeed(4);
    const n = 400;
    const width = 6;
    const features = new Float32Array(rng.normals(n * width));
    // class = which of three directions the point leans most towards: linear (argmax of three linear scores)
    const labels = Int32Array.from({ length: n }, (_, i) => {
      const f = features.subarray(i * width, (i + 1) * width);
      const scores = [f[0] + f[1], f[2] - f[0], -f[1] - f[2]];
      return scores.indexOf(Math.max(...scores));
    });
    const half = n / 2;
    const split = (a: Float32Array) => [a.subarray(0, half * width), a.subarray(half * width)] as const;
    const [trainX, testX] = split(features);
    expect(linearProbeAccuracy(trainX, labels.subarray(0, half), testX, labels.subarray(half), width, 3)).toBeGreaterThan(0.9); // chance: 1/3
    const random = Int32Array.from({ length: n }, () => rng.below(3));
    expect(linearProbeAccuracy(trainX, random.subarray(0, half), testX, random.subarray(half), width, 3)).toBeLessThan(0.5);
  });

  it("probes a D beside the pixels and an untrained D, with a held-out split and the majority share; tensors stay flat", async () => {
    const config = tinyConfig();
    const data = await tinyData(config);
    const gan = buildGan(config.model, Rng.fromSeed(2));
    const before = tf.memory().numTensors;
    const progress: number[] = [];
    const r = probeDiscriminator(gan.discriminator, config.model, data, { trainCount: 48, testCount: 12, iterations: 50, onProgress: (done) => progress.push(done) });
    expect(tf.memory().numTensors).toBe(before);
    expect(progress).toEqual([1, 2, 3]);
    expect(r).toMatchObject({ dataset: data.name, trainCount: 48, testCount: 12, classes: data.classNames });
    expect(r.pixels.features).toBe(28 * 28);
    expect(r.trained.features).toBeGreaterThan(0);
    for (const s of [r.trained, r.pixels, r.untrained]) expect(s.accuracy).toBeGreaterThanOrEqual(0);
    expect(r.majority).toBeGreaterThanOrEqual(1 / 10);
    const unlabelled: Dataset = { ...data, labels: undefined, classNames: undefined, name: 'my-folder' };
    expect(() => probeDiscriminator(gan.discriminator, config.model, unlabelled)).toThrow(/the run's pictures \('my-folder'\) have no classes to probe with/);
    expect(() => probeDiscriminator(gan.discriminator, { ...config.model, classes: 10 }, data)).toThrow(/conditional: it is shown each picture's class/);
    gan.generator.params.dispose();
    gan.discriminator.params.dispose();
  });
});

describe("D's filters and activations", () => {
  it("draws the first convolution's filters, each stretched to [-1, 1] and enlarged, and each stage's maps of a picture", () => {
    const model = { ...presetConfig('dcgan-64').model, imageSize: 32, width: 4 };
    const gan = buildGan(model, Rng.fromSeed(1));
    const D = gan.discriminator;
    const filters = firstFilters(D, 64, 24);
    // DCGAN's D: 4 × 4 kernels, 3 → 4 channels: 4 filters (all there are), each 4 px enlarged × 6 to 24 px
    expect(filters.total).toBe(4);
    expect(filters.shape).toEqual([24, 24, 3]);
    expect(filters.images.length).toBe(4 * 24 * 24 * 3);
    const one = filters.images.subarray(0, 24 * 24 * 3);
    expect(Math.min(...one)).toBeCloseTo(-1, 5);
    expect(Math.max(...one)).toBeCloseTo(1, 5);

    const picture = new Float32Array(32 * 32 * 3).map((_, i) => Math.sin(i / 7));
    const before = tf.memory().numTensors;
    const stages = stageActivations(D, picture, [32, 32, 3], 16, 32);
    expect(tf.memory().numTensors).toBe(before);
    // conv 16 × 16 × 4, then conv + BN + LeakyReLU at 8 × 8 × 8 and 4 × 4 × 16 (each stage's last layer shown)
    expect(stages.map((s) => s.shape)).toEqual([[16, 16, 4], [8, 8, 8], [4, 4, 16]]);
    expect(stages.map((s) => s.shown)).toEqual([4, 8, 16]);
    expect(stages[2].tile).toEqual([32, 32, 1]);
    expect(stages[2].images.length).toBe(16 * 32 * 32);
    const other = stageActivations(D, picture.map((v) => -v), [32, 32, 3], 16, 32);
    expect(other[0].images).not.toEqual(stages[0].images);

    const fastgan = buildGan({ ...model, kind: 'fastgan' }, Rng.fromSeed(1));
    expect(() => stageActivations(fastgan.discriminator, picture, [32, 32, 3])).toThrow(/not a plain stack of layers/);
    for (const g of [gan, fastgan]) {
      g.generator.params.dispose();
      g.discriminator.params.dispose();
    }
  });
});
