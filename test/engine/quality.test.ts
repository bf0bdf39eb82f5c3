import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/main/engine/runtime/tf';
import { startBackend } from '../../src/main/engine/runtime/backend';
import { frechetDistanceOfFeatures } from '../../src/main/engine/metrics/frechet';
import { kernelDistance } from '../../src/main/engine/metrics/kid';
import { manifoldScores } from '../../src/main/engine/metrics/manifold';
import { openFeatureSpace } from '../../src/main/engine/metrics/featureSpace';
import { OWN_FEATURES, OwnEncoder } from '../../src/main/engine/metrics/ownEncoder';
import { referenceSet, scoreFeatures } from '../../src/main/engine/metrics/quality';
import { loadEmoji } from '../../src/main/engine/data/emoji';
import { loadCheckpoint } from '../../src/main/engine/training/checkpoint';
import { branchRun, runLayout, trainRun } from '../../src/main/engine/training/run';
import { listSnapshots, snapshotFile, snapshotPath } from '../../src/main/engine/training/snapshots';
import { readQuality } from '../../src/main/engine/training/metricsFile';
import { Rng } from '../../src/main/engine/training/rng';
import { tinyConfig, tinyData } from './tinyRun';

/** The feature sets scripts/reference-metrics.py builds: sin(a·i + b·j)·scale + shift·j/d. */
function features(n: number, d: number, a: number, b: number, scale: number, shift: number): Float32Array {
  return Float32Array.from({ length: n * d }, (_, k) => Math.sin(a * Math.floor(k / d) + b * (k % d)) * scale + (shift * (k % d)) / d);
}

beforeAll(async () => {
  await startBackend('wasm');
});

describe('quality maths against reference implementations (scripts/reference-metrics.py)', () => {
  const real = features(12, 4, 1.3, 0.7, 1.0, 0.5);
  const fake = features(10, 4, 0.9, 1.1, 1.6, 0.2);

  it("FID equals scipy's sqrtm formula by either route (fewer features than samples, and more)", () => {
    expect(frechetDistanceOfFeatures(real, 12, fake, 10, 4)).toBeCloseTo(1.8202793328730458, 4);
    const [wideReal, wideFake] = [features(6, 16, 1.3, 0.7, 1.0, 0.5), features(5, 16, 0.9, 1.1, 1.6, 0.2)];
    expect(frechetDistanceOfFeatures(wideReal, 6, wideFake, 5, 16)).toBeCloseTo(32.85066014671066, 4);
    expect(frechetDistanceOfFeatures(real, 12, real, 12, 4)).toBeCloseTo(0, 6);
  });

  it("KID over one subset holding every row equals StyleGAN2-ADA's estimator", () => {
    const r = kernelDistance(real.subarray(0, 40), 10, fake, 10, 4, Rng.fromSeed(1), 1, 10);
    expect(r.kid).toBeCloseTo(0.6313407986774422, 5);
    expect(r.subsetSize).toBe(10);
  });

  it("precision, recall, density and coverage equal clovaai's prdc (k = 3)", () => {
    const s = manifoldScores(real, 12, fake, 10, 4);
    expect(s.precision).toBeCloseTo(0.9, 6);
    expect(s.recall).toBeCloseTo(1.0, 6);
    expect(s.density).toBeCloseTo(0.4666666666666666, 6);
    expect(s.coverage).toBeCloseTo(0.75, 6);
  });
});

describe('quality maths on hand-computed cases', () => {
  it('KID is unbiased: near 0 for two samples of one distribution, clearly positive for a shifted one', () => {
    const rng = Rng.fromSeed(3);
    const [a, b] = [rng.normals(200 * 8), rng.normals(200 * 8)];
    const same = kernelDistance(a, 200, b, 200, 8, Rng.fromSeed(1));
    const shifted = kernelDistance(a, 200, b.map((v) => v + 1), 200, 8, Rng.fromSeed(1));
    expect(Math.abs(same.kid)).toBeLessThan(3 * same.kidStd);
    expect(shifted.kid).toBeGreaterThan(5 * shifted.kidStd);
    expect(same.subsetSize).toBe(100);
  });

  it('memorisation counts samples closer to a training point than half its median neighbour distance', () => {
    // Training points on a line, 1 apart: every nearest-neighbour distance is 1, the threshold 0.5.
    const train = Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7]);
    const samples = Float32Array.from([2, 3.1, 4.49, 5.5, 20]); // copies: 2 and 3.1 (0.1 away), 4.49 (0.49); not 5.5 (0.5), not 20
    expect(manifoldScores(train, 8, samples, 5, 1).memorised).toBeCloseTo(3 / 5, 6);
  });

  it('a generator of one picture has no recall and no coverage', () => {
    const train = Float32Array.from({ length: 30 }, (_, i) => i);
    const s = manifoldScores(train, 30, new Float32Array(10).fill(7), 10, 1);
    // The samples' balls have radius 0 (their neighbours are copies): no real point lies inside one.
    expect(s.recall).toBe(0);
    // Interior real balls reach their third neighbour, 2 away: only the balls of 6, 7 and 8 hold the samples.
    expect(s.coverage).toBeCloseTo(3 / 30, 6);
    expect(s.precision).toBe(1);
  });
});

describe('feature spaces shipped in @vladmandic/human', () => {
  it('embed any picture size and channel count, rank real emoji over noisy ones, and leave no tensors behind', async () => {
    const emoji = await loadEmoji({ size: 32, channels: 3, background: '#ffffff' });
    const space = openFeatureSpace('general');
    try {
      const before = tf.memory().numTensors;
      const half = 60;
      const reference = { space: space.id, features: space.embed(emoji.images.subarray(0, half * 32 * 32 * 3), half, [32, 32, 3]), count: half, dim: space.dim };
      const others = emoji.images.subarray(half * 32 * 32 * 3, 2 * half * 32 * 32 * 3);
      const noise = Rng.fromSeed(2).normals(others.length);
      const noisy = others.map((v, i) => Math.max(-1, Math.min(1, v + 0.3 * noise[i])));
      const real = scoreFeatures(reference, space.embed(others, half, [32, 32, 3]), half);
      const degraded = scoreFeatures(reference, space.embed(noisy, half, [32, 32, 3]), half);
      expect(reference.features.length).toBe(half * 720);
      expect(real.kid).toBeLessThan(degraded.kid);
      expect(real.fid).toBeLessThan(degraded.fid);
      expect(real.precision).toBeGreaterThan(degraded.precision);
      const grey = space.embed(Float32Array.from({ length: 2 * 20 * 20 }, (_, i) => (i % 7) / 7), 2, [20, 20, 1]);
      expect(grey.every(Number.isFinite)).toBe(true);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      space.dispose();
    }
  });

  it('caches the reference features by the pictures they come from', async () => {
    const emoji = await loadEmoji({ size: 16, channels: 3, background: '#ffffff' });
    const data = { ...emoji, count: 8, images: emoji.images.subarray(0, 8 * 16 * 16 * 3) };
    const space = openFeatureSpace('faces');
    const cache = mkdtempSync(join(tmpdir(), 'gan-reference-'));
    try {
      const first = referenceSet(space, data, cache);
      expect(readdirSync(cache)).toHaveLength(1);
      const again = referenceSet(space, data, cache);
      expect(Array.from(again.features)).toEqual(Array.from(first.features));
      referenceSet(space, { ...data, images: data.images.map((v) => -v) }, cache);
      expect(readdirSync(cache)).toHaveLength(2);
      expect(first.dim).toBe(1024);
    } finally {
      space.dispose();
    }
  });
});

describe('a run measured while it trains', () => {
  const monitored = () => tinyConfig({ steps: 30 }, {});

  it('writes its scores, keeps the newest snapshots and the best, and a snapshot continues exactly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gan-monitor-'));
    const config = { ...monitored(), monitor: { ...monitored().monitor, evalEvery: 5, evalSamples: 20, snapshotEvery: 5, keepSnapshots: 2, featureSpace: 'mnist-classifier' as const } };
    const scored: number[] = [];
    await trainRun({ dir, config, onQuality: (step) => scored.push(step) });
    const measured = readQuality(runLayout(dir).metrics);
    expect(measured.map((q) => q.step)).toEqual([5, 10, 15, 20, 25, 30]);
    expect(scored).toEqual([5, 10, 15, 20, 25, 30]);
    expect(measured.every((q) => q.quality.space === 'mnist-classifier' && q.quality.samples === 20)).toBe(true);
    const best = measured.reduce((a, b) => (b.quality.kid < a.quality.kid ? b : a)).step;
    const kept = listSnapshots(dir);
    expect(new Set(kept.map((s) => s.step))).toEqual(new Set([25, 30, best]));
    expect(kept.find((s) => s.best)?.step).toBe(best);
    expect(snapshotPath(dir, runLayout(dir).checkpoint, 'best')).toBe(snapshotFile(dir, best));
    expect(() => snapshotPath(dir, runLayout(dir).checkpoint, 7)).toThrow(/no snapshot at step 7 \(it keeps/);

    // Continue from the snapshot at 25 in a new folder: five more steps land on the original run's step-30 weights.
    const branch = mkdtempSync(join(tmpdir(), 'gan-branch-'));
    expect(branchRun(dir, 25, join(branch, 'run'))).toBe(25);
    expect(readQuality(runLayout(join(branch, 'run')).metrics).map((q) => q.step)).toEqual([5, 10, 15, 20, 25]);
    await trainRun({ dir: join(branch, 'run') });
    const [original, continued] = [loadCheckpoint(runLayout(dir).checkpoint), loadCheckpoint(runLayout(join(branch, 'run')).checkpoint)];
    expect(continued.state.step).toBe(30);
    for (const [name, values] of original.tensors) expect(Array.from(continued.tensors.get(name)!), name).toEqual(Array.from(values));
    expect(readQuality(runLayout(join(branch, 'run')).metrics).at(-1)!.quality.kid).toBe(measured.at(-1)!.quality.kid);
  });
});

describe("the 'own' feature space: an encoder trained on the run's pictures", () => {
  it('learns to reconstruct, trains the same encoder twice from the same pictures, and caches it', async () => {
    const emoji = await loadEmoji({ size: 32, channels: 3, background: '#ffffff' });
    const [count, shape] = [64, emoji.shape];
    const pictures = emoji.images.subarray(0, count * 32 * 32 * 3);
    const [a, b] = [new OwnEncoder(3), new OwnEncoder(3)];
    try {
      const early = a.train(pictures, count, shape, 2);
      const late = a.train(pictures, count, shape, 40, 2);
      expect(late).toBeLessThan(early);
      b.train(pictures, count, shape, 2);
      b.train(pictures, count, shape, 40, 2);
      const [fa, fb] = [a.embed(pictures, 8, shape), b.embed(pictures, 8, shape)];
      expect(fa).toHaveLength(8 * OWN_FEATURES);
      expect(Array.from(fb)).toEqual(Array.from(fa)); // seeded: runs on one dataset share one encoder
      const file = join(mkdtempSync(join(tmpdir(), 'gan-own-')), 'own.bin');
      const saved = OwnEncoder.forPictures(file, pictures, 8, shape, 3); // trains, saves
      const loaded = OwnEncoder.forPictures(file, pictures, 8, shape, 3); // loads
      expect(Array.from(loaded.embed(pictures, 4, shape))).toEqual(Array.from(saved.embed(pictures, 4, shape)));
      saved.dispose();
      loaded.dispose();
    } finally {
      a.dispose();
      b.dispose();
    }
    expect(() => openFeatureSpace('own')).toThrow(/trained on a run's pictures/);
  });
});

describe('a run continued on its curated set', () => {
  it('trains on the pictures still included, and measures against them from then on', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'gan-curated-')), 'run');
    const base = tinyConfig({ steps: 4 });
    const config = { ...base, data: { ...base.data, source: 'catalogue' as const, dataset: 'digits', limit: 0 }, monitor: { ...base.monitor, evalEvery: 4, snapshotEvery: 0, evalSamples: 20, featureSpace: 'mnist-classifier' as const } };
    const digits = await tinyData(tinyConfig());
    const curated = (count: number) => async () => ({ ...digits, count, images: digits.images.subarray(0, count * 784), labels: digits.labels?.subarray(0, count) });
    const seen: number[] = [];
    await trainRun({ dir, config, curated: curated(64), onDataset: (d) => seen.push(d.count) });
    // 24 pictures excluded in the Datasets view: the run continues on the 40 left.
    const result = await trainRun({ dir, steps: 12, curated: curated(40), onDataset: (d) => seen.push(d.count) });
    expect(result.step).toBe(12);
    expect(seen).toEqual([64, 40]);
    const measured = readQuality(runLayout(dir).metrics);
    expect(measured.map((q) => [q.step, q.quality.reference])).toEqual([[4, 64], [8, 40], [12, 40]]);
    expect(readdirSync(runLayout(dir).quality)).toHaveLength(2); // one reference per set of pictures
  });
});
