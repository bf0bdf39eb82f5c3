import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackend } from '../../src/main/engine/runtime/backend';
import { loadMnist } from '../../src/main/engine/data/mnist';
import { MnistClassifier } from '../../src/main/engine/metrics/classifier';
import { classHistogram, classifierScore, fitGaussian, frechetDistance, sqrtPsd } from '../../src/main/engine/metrics/frechet';
import { evaluateRun, mnistTestGaussian, scoreImages } from '../../src/main/engine/metrics/evaluate';
import type { Gaussian } from '../../src/main/engine/metrics/frechet';
import { Rng } from '../../src/main/engine/training/rng';
import { runLayout, trainRun } from '../../src/main/engine/training/run';
import { readAlarms, readQuality } from '../../src/main/engine/training/metricsFile';
import { listSnapshots } from '../../src/main/engine/training/snapshots';
import { presetConfig } from '../../src/shared/config/presets';

describe('Fréchet distance and scores (pure maths)', () => {
  it('matches the closed form for diagonal Gaussians', () => {
    const g1: Gaussian = { dim: 2, mean: Float64Array.from([0, 1]), cov: Float64Array.from([4, 0, 0, 1]) };
    const g2: Gaussian = { dim: 2, mean: Float64Array.from([3, 1]), cov: Float64Array.from([1, 0, 0, 9]) };
    // |μ1−μ2|² + Σ (σ1 − σ2)² per axis = 9 + (2−1)² + (1−3)²
    expect(frechetDistance(g1, g2)).toBeCloseTo(14, 8);
    expect(frechetDistance(g1, g1)).toBeCloseTo(0, 8);
  });

  it('takes the square root of a full PSD matrix', () => {
    const m = Float64Array.from([2, 1, 1, 2]);
    const r = sqrtPsd(m, 2);
    const back = [r[0] * r[0] + r[1] * r[2], r[0] * r[1] + r[1] * r[3], r[2] * r[0] + r[3] * r[2], r[2] * r[1] + r[3] * r[3]];
    back.forEach((v, i) => expect(v).toBeCloseTo(m[i], 10));
  });

  it('fits mean and unbiased covariance', () => {
    const g = fitGaussian(Float32Array.from([1, 2, 3, 4, 5, 9]), 3, 2); // rows (1,2) (3,4) (5,9)
    expect(Array.from(g.mean)).toEqual([3, 5]);
    expect(Array.from(g.cov)).toEqual([4, 7, 7, 13]);
  });

  it('classifier score is 10 for confident balanced classes and 1 for one class', () => {
    const balanced = new Float32Array(100 * 10);
    for (let i = 0; i < 100; i++) balanced[i * 10 + (i % 10)] = 1;
    expect(classifierScore(balanced, 100, 10)).toBeCloseTo(10, 6);
    const single = new Float32Array(100 * 10);
    for (let i = 0; i < 100; i++) single[i * 10 + 3] = 1;
    expect(classifierScore(single, 100, 10)).toBeCloseTo(1, 6);
    expect(classHistogram(single, 100, 10)[3]).toBe(100);
  });
});

describe('the MNIST yardstick', () => {
  let classifier: MnistClassifier;
  let reference: Gaussian;
  beforeAll(async () => {
    await startBackend('wasm');
    classifier = MnistClassifier.load();
    reference = mnistTestGaussian(classifier);
  });
  afterAll(() => classifier.dispose());

  it('classifies the test split at ≥ 98.5 %', () => {
    const test = loadMnist('test');
    expect(classifier.accuracy(test.images, test.labels!)).toBeGreaterThanOrEqual(0.985);
  });

  it('FCD of the test split against itself is ≈ 0; real training digits are close; noise is far', () => {
    const test = loadMnist('test');
    const self = scoreImages(classifier, reference, test.images, test.count);
    expect(self.fcd).toBeLessThan(1e-6 * 1000);
    const train = loadMnist('train');
    const real = scoreImages(classifier, reference, train.images.subarray(0, 2000 * 784), 2000);
    const noise = scoreImages(classifier, reference, Rng.fromSeed(4).normals(2000 * 784).map((v) => Math.max(-1, Math.min(1, v))), 2000);
    expect(noise.fcd).toBeGreaterThan(20 * real.fcd);
    expect(real.classifierScore).toBeGreaterThan(8);
  });
});

describe('mnist-quick (a real training run, minutes)', () => {
  it('reaches an FCD far below an untrained generator after its default steps', async () => {
    await startBackend('wasm');
    const dir = mkdtempSync(join(tmpdir(), 'gan-quick-'));
    const config = presetConfig('mnist-quick');
    await trainRun({ dir, config, steps: 0 });
    const untrained = await evaluateRun(dir, { n: 1000 });
    await trainRun({ dir });
    const trained = await evaluateRun(dir, { n: 1000 });
    const [before, after] = [untrained.mnist!, trained.mnist!];
    console.log(`mnist-quick FCD: untrained ${before.fcd.toFixed(1)} → ${after.fcd.toFixed(1)} after ${trained.step} steps; score ${after.classifierScore.toFixed(2)}; classes ${after.classHistogram.join(' ')}; KID ${untrained.kid.toFixed(1)} → ${trained.kid.toFixed(1)}, recall ${trained.recall.toFixed(2)}`);
    expect(trained.step).toBe(config.train.steps);
    expect(trained.space).toBe('mnist-classifier');
    expect(after.fcd).toBeLessThan(before.fcd / 5);
    expect(trained.kid).toBeLessThan(untrained.kid / 5);
    expect(trained.recall).toBeGreaterThan(untrained.recall);
    expect(after.classHistogram.filter((c) => c > 0).length).toBeGreaterThanOrEqual(8);
    // The monitor measured the run every 200 steps and kept the newest three snapshots and the best.
    const measured = readQuality(runLayout(dir).metrics);
    expect(measured.map((q) => q.step)).toEqual([200, 400, 600, 800]);
    const kept = listSnapshots(dir);
    expect(kept.filter((s) => s.best)).toHaveLength(1);
    const best = measured.reduce((a, b) => (b.quality.kid < a.quality.kid ? b : a));
    expect(kept.find((s) => s.best)!.step).toBe(best.step);
    expect(new Set(kept.map((s) => s.step))).toEqual(new Set([400, 600, 800, best.step]));
    // A healthy run raises no alarm: no divergence, no collapse, D never wins outright.
    console.log(`mnist-quick diversity by measurement: ${measured.map((q) => `${q.step}: ${q.quality.diversity.toFixed(2)}`).join(', ')}`);
    expect(readAlarms(runLayout(dir).metrics)).toEqual([]);
  });
});
