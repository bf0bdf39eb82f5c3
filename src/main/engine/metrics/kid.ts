/**
 * Kernel Inception Distance (Bińkowski et al. 2018), in whichever feature space made the features: the unbiased
 * estimate of MMD² with the cubic polynomial kernel k(x, y) = (x·y / d + 1)³, on random subsets of both sets
 * (as StyleGAN2-ADA's metric does), reported as the mean and standard deviation over the subsets. Unbiased means
 * near 0 (it can go slightly negative) when both sets come from one distribution, whatever their size.
 */
import { innerProducts } from './pairwise';
import type { Rng } from '../training/rng';

export interface KidResult { kid: number; kidStd: number; subsets: number; subsetSize: number }

const realKernels = new WeakMap<Float32Array, Float32Array>();

/** Default subsets: 100 of half the smaller set (at most 1,000), so that the subsets differ and their spread means something. */
export function kernelDistance(
  real: Float32Array, nReal: number, fake: Float32Array, nFake: number, dim: number, rng: Rng,
  subsets = 100, subsetSize = Math.min(1000, Math.ceil(Math.min(nReal, nFake) / 2)),
): KidResult {
  const m = Math.max(2, Math.min(subsetSize, nReal, nFake));
  const kernel = (x: Float32Array, nx: number, y: Float32Array, ny: number): Float32Array => {
    const k = innerProducts(x, nx, y, ny, dim);
    for (let i = 0; i < k.length; i++) k[i] = (k[i] / dim + 1) ** 3;
    return k;
  };
  // The real set's kernel is computed once per reference set: a run measures against one many times.
  let kxx = realKernels.get(real);
  if (!kxx) realKernels.set(real, (kxx = kernel(real, nReal, real, nReal)));
  const [kyy, kxy] = [kernel(fake, nFake, fake, nFake), kernel(real, nReal, fake, nFake)];
  const values: number[] = [];
  for (let s = 0; s < subsets; s++) {
    const x = sampleWithoutReplacement(rng, nReal, m);
    const y = sampleWithoutReplacement(rng, nFake, m);
    let xx = 0;
    let yy = 0;
    let xy = 0;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) {
        if (i !== j) {
          xx += kxx[x[i] * nReal + x[j]];
          yy += kyy[y[i] * nFake + y[j]];
        }
        xy += kxy[x[i] * nFake + y[j]];
      }
    }
    values.push((xx + yy) / (m * (m - 1)) - (2 * xy) / (m * m));
  }
  const kid = values.reduce((a, b) => a + b, 0) / subsets;
  const kidStd = Math.sqrt(values.reduce((a, v) => a + (v - kid) ** 2, 0) / Math.max(subsets - 1, 1));
  return { kid, kidStd, subsets, subsetSize: m };
}

/** `m` distinct indices below `n` (a partial Fisher–Yates shuffle). */
function sampleWithoutReplacement(rng: Rng, n: number, m: number): Uint32Array {
  const pool = Uint32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < m; i++) {
    const j = i + rng.below(n - i);
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.subarray(0, m);
}
