/**
 * npm run bench -- quality [--datasets mnist,fashion-mnist,emoji,faces] [--samples 500] [--reference 1000] [--seeds 2] [--backend auto] [--spaces general,faces,own]
 *
 * How each quality score behaves in each feature space when the "generator" is a known degradation of the data:
 * half of each dataset (1,000 pictures at most) is the reference, and the samples are the other half as it is
 * (real vs real: near 0), blurred (Gaussian σ 1 and 2 px), with added noise (σ 0.1 and 0.3 on [-1, 1]), one class
 * only (datasets with labels), one training picture repeated, or copies of training pictures (memorisation). Each seed draws other halves; the figures are the mean over
 * seeds and the spread (max − min). Also times the embedding: ms per 1,000 pictures in each space. --spaces picks the
 * spaces (default: general and faces, and the classifier for MNIST); 'own' trains the encoder on the reference half
 * of each split and prints how long that took.
 */
import { parseArgs } from 'node:util';
import * as tf from '../src/main/engine/runtime/tf';
import { closeBackends, startBackend, type BackendName } from '../src/main/engine/runtime/backend';
import { loadMnist } from '../src/main/engine/data/mnist';
import { loadFashionMnist } from '../src/main/engine/data/fashionMnist';
import { loadEmoji } from '../src/main/engine/data/emoji';
import type { Dataset } from '../src/main/engine/data/dataset';
import { openFeatureSpace, type FeatureSpace } from '../src/main/engine/metrics/featureSpace';
import { scoreFeatures, type ReferenceSet } from '../src/main/engine/metrics/quality';
import { Rng } from '../src/main/engine/training/rng';
import type { FeatureSpaceId, QualityScores } from '../src/shared/quality';
import { loadCartoonFaces } from '../src/main/engine/data/cartoonFaces';

const { values } = parseArgs({ options: { datasets: { type: 'string', default: 'mnist,fashion-mnist,emoji,faces' }, samples: { type: 'string', default: '500' }, reference: { type: 'string', default: '1000' }, seeds: { type: 'string', default: '2' }, backend: { type: 'string', default: 'auto' }, spaces: { type: 'string' } } });
const SAMPLES = Number(values.samples);
const REFERENCE = Number(values.reference);
const METRICS = ['fid', 'kid', 'precision', 'recall', 'density', 'coverage', 'memorised', 'diversity'] as const;

async function load(name: string): Promise<Dataset> {
  if (name === 'mnist') return loadMnist('train');
  if (name === 'fashion-mnist') return loadFashionMnist();
  if (name === 'emoji') return loadEmoji({ size: 64, channels: 3, background: '#ffffff' });
  return loadCartoonFaces(REFERENCE + SAMPLES);
}

const pick = (d: Dataset, indices: ArrayLike<number>): Float32Array => {
  const size = d.shape[0] * d.shape[1] * d.shape[2];
  const out = new Float32Array(indices.length * size);
  for (let i = 0; i < indices.length; i++) out.set(d.images.subarray(indices[i] * size, (indices[i] + 1) * size), i * size);
  return out;
};

function blur(images: Float32Array, n: number, [h, w, c]: [number, number, number], sigma: number): Float32Array {
  const radius = Math.ceil(3 * sigma);
  const taps = Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)));
  const sum = taps.reduce((a, b) => a + b, 0);
  return tf.tidy(() => {
    const k = tf.tensor1d(taps.map((t) => t / sum));
    const kx = tf.tile(tf.reshape(k, [1, taps.length, 1, 1]), [1, 1, c, 1]);
    const ky = tf.tile(tf.reshape(k, [taps.length, 1, 1, 1]), [1, 1, c, 1]);
    const x = tf.tensor4d(images, [n, h, w, c]);
    const padded = tf.mirrorPad(x, [[0, 0], [radius, radius], [radius, radius], [0, 0]], 'reflect');
    return tf.depthwiseConv2d(tf.depthwiseConv2d(padded, kx as tf.Tensor4D, 1, 'valid'), ky as tf.Tensor4D, 1, 'valid').dataSync() as Float32Array;
  });
}

const noisy = (images: Float32Array, sigma: number, rng: Rng): Float32Array => {
  const noise = rng.normals(images.length);
  return images.map((v, i) => Math.max(-1, Math.min(1, v + sigma * noise[i])));
};

function degradations(d: Dataset, held: Uint32Array, training: Uint32Array, rng: Rng): [string, Float32Array][] {
  const real = pick(d, held);
  const out: [string, Float32Array][] = [
    ['real (other half)', real],
    ['blur σ 1', blur(real, held.length, d.shape, 1)],
    ['blur σ 2', blur(real, held.length, d.shape, 2)],
    ['noise σ 0.1', noisy(real, 0.1, rng)],
    ['noise σ 0.3', noisy(real, 0.3, rng)],
  ];
  if (d.labels) {
    const ofClass = [...Array(d.count).keys()].filter((i) => d.labels![i] === d.labels![held[0]]).slice(0, held.length);
    out.push(['one class', pick(d, ofClass)]);
  }
  out.push(['one training picture', pick(d, new Array(held.length).fill(training[0]))]);
  out.push(['copies of training pictures', pick(d, training.subarray(0, held.length))]);
  return out;
}

async function main(): Promise<void> {
  const backend = await startBackend(values.backend as BackendName | 'auto');
  console.log(`backend ${backend.description}; ${SAMPLES} samples against ${REFERENCE} reference pictures; ${values.seeds} seeds\n`);
  const spaces = new Map<FeatureSpaceId, FeatureSpace>();
  const timing = new Map<FeatureSpaceId, number[]>();
  for (const name of values.datasets!.split(',')) {
    const d = await load(name);
    const ids = (values.spaces?.split(',') ?? [...(name === 'mnist' ? ['mnist-classifier'] : []), 'general', 'faces']) as FeatureSpaceId[];
    for (const id of ids) {
      if (id !== 'own' && !spaces.has(id)) spaces.set(id, openFeatureSpace(id));
      const table = new Map<string, QualityScores[]>();
      for (let seed = 1; seed <= Number(values.seeds); seed++) {
        const rng = Rng.fromSeed(seed);
        const order = rng.permutation(d.count);
        const refCount = Math.min(REFERENCE, d.count - SAMPLES);
        let space = spaces.get(id)!;
        if (id === 'own') {
          const trainedAt = performance.now();
          space = openFeatureSpace('own', { data: { ...d, images: pick(d, order.subarray(0, refCount)), count: refCount } });
          console.log(`own encoder for ${d.name}, seed ${seed}: trained in ${((performance.now() - trainedAt) / 1000).toFixed(0)} s on ${refCount} pictures`);
        }
        const started = performance.now();
        const reference: ReferenceSet = { space: id, features: space.embed(pick(d, order.subarray(0, refCount)), refCount, d.shape), count: refCount, dim: space.dim };
        timing.set(id, [...(timing.get(id) ?? []), ((performance.now() - started) / refCount) * 1000]);
        for (const [label, images] of degradations(d, order.subarray(refCount, refCount + SAMPLES), order.subarray(0, refCount), rng)) {
          const t = performance.now();
          const features = space.embed(images, SAMPLES, d.shape);
          table.set(label, [...(table.get(label) ?? []), { ...scoreFeatures(reference, features, SAMPLES, seed), seconds: (performance.now() - t) / 1000 }]);
        }
        if (id === 'own') space.dispose();
      }
      const labels = [...table.keys()];
      console.log(`### ${d.name} (${d.count} pictures, ${d.shape.join('×')}) in ${id}\n`);
      console.log(`| metric | ${labels.join(' | ')} |\n|---|${labels.map(() => '---:').join('|')}|`);
      for (const m of METRICS) {
        const cells = labels.map((l) => {
          const xs = table.get(l)!.map((s) => s[m]);
          const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
          const spread = Math.max(...xs) - Math.min(...xs);
          const digits = m === 'fid' ? 1 : m === 'kid' ? 4 : 2;
          return `${mean.toFixed(digits)} ± ${(spread / 2).toFixed(digits)}`;
        });
        console.log(`| ${m} | ${cells.join(' | ')} |`);
      }
      console.log('');
    }
  }
  for (const [id, ms] of timing) console.log(`embedding in ${id}: ${(ms.reduce((a, b) => a + b, 0) / ms.length / 1000).toFixed(1)} s per 1,000 pictures (${backend.name})`);
  for (const space of spaces.values()) space.dispose();
  closeBackends();
}

void main();
