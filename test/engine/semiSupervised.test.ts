/**
 * The semi-supervised GAN (Salimans et al. 2016): its K + 1 loss and feature matching against hand-computed values,
 * a balanced labelled subset, and a short run on MNIST with 100 labels in which D learns to classify (both it and the
 * baseline above chance), tensors stay flat, progress arrives and cancel stops it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/main/engine/runtime/tf';
import { startBackend } from '../../src/main/engine/runtime/backend';
import { loadMnist } from '../../src/main/engine/data/mnist';
import { Rng } from '../../src/main/engine/training/rng';
import { crossEntropy, featureMatchingLoss, labelledSubset, semiSupervisedLoss, trainSemiSupervised } from '../../src/main/engine/training/semiSupervised';
import type { Dataset } from '../../src/main/engine/data/dataset';

const first = (d: Dataset, n: number): Dataset => ({ ...d, count: n, images: d.images.subarray(0, n * 784), labels: d.labels!.subarray(0, n) });

describe('the K + 1 loss and feature matching', () => {
  beforeAll(async () => {
    await startBackend('wasm');
  });

  it('computes cross-entropy, −log D(x) with D(x) = Z/(Z + 1), −log(1 − D(G(z))) and the feature-matching distance as by hand', () => {
    const value = (t: tf.Tensor): number => t.dataSync()[0];
    tf.tidy(() => {
      const labelled = tf.tensor2d([[1, 2, 0]]);
      const label = tf.tensor1d([1], 'int32');
      expect(value(crossEntropy(labelled, label))).toBeCloseTo(Math.log(Math.E + Math.E ** 2 + 1) - 2, 5);
      // all-zero logits: Z = 3, so D(x) = 3/4 and 1 − D(G(z)) = 1/4
      const { supervised, unsupervised } = semiSupervisedLoss(labelled, label, tf.zeros([2, 3]), tf.zeros([1, 3]));
      expect(value(supervised)).toBeCloseTo(Math.log(Math.E + Math.E ** 2 + 1) - 2, 5);
      expect(value(unsupervised)).toBeCloseTo(-Math.log(0.75) + Math.log(4), 5);
      // confident logits: D(x) → 1 for a real picture, 1 − D(G(z)) → 1 for a generated one with very low logits
      expect(value(semiSupervisedLoss(labelled, label, tf.fill([1, 3], 20), tf.fill([1, 3], -20)).unsupervised)).toBeCloseTo(0, 5);
      expect(value(featureMatchingLoss(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[0, 0], [2, 2]])))).toBeCloseTo((1 + 4) / 2, 6);
    });
  });

  it('keeps the same number of labels of each class, and says when it cannot', () => {
    const labels = Int32Array.from({ length: 300 }, (_, i) => i % 3);
    const picked = labelledSubset(labels, 3, 30, Rng.fromSeed(2));
    expect(new Set(picked).size).toBe(30);
    expect([0, 1, 2].map((k) => [...picked].filter((i) => labels[i] === k).length)).toEqual([10, 10, 10]);
    expect(() => labelledSubset(labels, 3, 31, Rng.fromSeed(2))).toThrow(/31 is not a multiple of the 3 classes/);
    expect(() => labelledSubset(labels, 3, 303, Rng.fromSeed(2))).toThrow(/class 0 has only 100 pictures, 101 asked for/);
  });
});

describe('a semi-supervised run on MNIST with 100 labels', () => {
  it('trains D as a classifier beside the baseline, both above chance, with flat tensor counts; cancel stops it', () => {
    const train = first(loadMnist('train'), 5000);
    const test = first(loadMnist('test'), 1000);
    const before = tf.memory().numTensors;
    const seen: number[] = [];
    const r = trainSemiSupervised({ train, test, labelled: 100, steps: 40, batchSize: 32, evalEvery: 20, seed: 3, onProgress: (p) => seen.push(p.step) });
    expect(tf.memory().numTensors).toBe(before);
    expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(r.history.map((h) => h.step)).toEqual([20, 40]);
    expect(r.ganAccuracy).toBe(r.history[1].ganAccuracy);
    expect(r.ganAccuracy).toBeGreaterThan(0.3); // ten classes: chance is 0.1
    expect(r.baselineAccuracy).toBeGreaterThan(0.3);
    expect(r.samples.length).toBe(100 * 784);
    expect(r.samples.every((v) => v >= -1 && v <= 1)).toBe(true);

    const stop = new AbortController();
    expect(() => trainSemiSupervised({ train, test, labelled: 100, steps: 50, batchSize: 20, signal: stop.signal, onProgress: (p) => p.step === 3 && stop.abort() })).toThrow('cancelled');
    expect(tf.memory().numTensors).toBe(before);
    expect(() => trainSemiSupervised({ train: { ...train, labels: undefined }, test, labelled: 100, steps: 1 })).toThrow(/needs a labelled dataset/);
  });
});
