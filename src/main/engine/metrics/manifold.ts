/**
 * Scores from nearest neighbours in a feature space:
 * - precision and recall (Kynkäänniemi et al. 2019): each set's manifold is the union of balls reaching each
 *   point's k-th nearest neighbour (k = 3); precision is the share of samples inside the real manifold, recall the
 *   share of real pictures inside the samples' manifold;
 * - density and coverage (Naeem et al. 2020): how many real balls hold each sample (1 on average for a perfect
 *   generator), and the share of real balls holding at least one sample;
 * - memorisation: the share of samples nearer to some training picture than half the training set's own median
 *   nearest-neighbour distance, i.e. closer to a training picture than training pictures usually are to each other;
 * - diversity: the samples' mean pairwise distance over the training pictures' (about 1 for a healthy generator,
 *   near 0 for a collapsed one).
 */
import { distances, kthSmallestPerRow } from './pairwise';

export interface ManifoldScores { precision: number; recall: number; density: number; coverage: number; memorised: number; diversity: number }

export const NEAREST_K = 3;

/** What the real set alone decides, computed once per reference set (a run measures against one many times). */
interface RealStats { radius: Float32Array; memorisedBelow: number; meanDistance: number }
const realStats = new WeakMap<Float32Array, Map<number, RealStats>>();

function statsOf(real: Float32Array, nReal: number, dim: number, k: number): RealStats {
  const known = realStats.get(real)?.get(k);
  if (known) return known;
  const realReal = distances(real, nReal, real, nReal, dim);
  const stats = {
    radius: kthSmallestPerRow(realReal, nReal, nReal, k, true),
    memorisedBelow: median(kthSmallestPerRow(realReal, nReal, nReal, 1, true)) / 2,
    meanDistance: meanOffDiagonal(realReal, nReal),
  };
  realStats.set(real, (realStats.get(real) ?? new Map<number, RealStats>()).set(k, stats));
  return stats;
}

export function manifoldScores(real: Float32Array, nReal: number, fake: Float32Array, nFake: number, dim: number, k = NEAREST_K): ManifoldScores {
  const { radius: realRadius, memorisedBelow: threshold, meanDistance } = statsOf(real, nReal, dim, k);
  const fakeFake = distances(fake, nFake, fake, nFake, dim);
  const fakeRadius = kthSmallestPerRow(fakeFake, nFake, nFake, k, true);
  const realFake = distances(real, nReal, fake, nFake, dim); // nReal × nFake
  let inReal = 0;
  let ballsHolding = 0;
  for (let j = 0; j < nFake; j++) {
    let count = 0;
    for (let i = 0; i < nReal; i++) if (realFake[i * nFake + j] < realRadius[i]) count++;
    if (count > 0) inReal++;
    ballsHolding += count;
  }
  let recalled = 0;
  let covered = 0;
  for (let i = 0; i < nReal; i++) {
    let inFake = false;
    let nearest = Infinity;
    for (let j = 0; j < nFake; j++) {
      const d = realFake[i * nFake + j];
      if (d < fakeRadius[j]) inFake = true;
      if (d < nearest) nearest = d;
    }
    if (inFake) recalled++;
    if (nearest < realRadius[i]) covered++;
  }
  let memorised = 0;
  for (let j = 0; j < nFake; j++) {
    let nearest = Infinity;
    for (let i = 0; i < nReal; i++) nearest = Math.min(nearest, realFake[i * nFake + j]);
    if (nearest < threshold) memorised++;
  }
  return {
    precision: inReal / nFake,
    recall: recalled / nReal,
    density: ballsHolding / (k * nFake),
    coverage: covered / nReal,
    memorised: memorised / nFake,
    diversity: meanOffDiagonal(fakeFake, nFake) / meanDistance,
  };
}

function meanOffDiagonal(m: Float32Array, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) sum += m[i * n + j];
  return sum / (n * (n - 1));
}

function median(values: Float32Array): number {
  const sorted = Float32Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
