/**
 * A 2-D map of a dataset: each picture's features in a feature space, projected by UMAP (umap-js, PAIR's port of
 * McInnes et al.), seeded so the same pictures give the same map. Neighbours on the map look alike to the network.
 */
import { UMAP } from 'umap-js';
import { Rng } from '../training/rng';
import type { FeatureSpace } from './featureSpace';

export async function mapPictures(
  space: FeatureSpace, pictures: Float32Array, count: number, shape: [number, number, number],
  o: { seed?: number; signal?: AbortSignal; onProgress?(done: number, total: number): void } = {},
): Promise<Float32Array> {
  const xy = new Float32Array(count * 2);
  if (count < 3) {
    for (let i = 0; i < count; i++) xy[i * 2] = i; // too few to project: a row
    return xy;
  }
  const size = shape[0] * shape[1] * shape[2];
  const features: number[][] = [];
  // Embedding is most of the time: in chunks, reporting as it goes (the projection counts as the last tenth).
  for (let start = 0; start < count && !o.signal?.aborted; start += 64) {
    const n = Math.min(64, count - start);
    const f = space.embed(pictures.subarray(start * size, (start + n) * size), n, shape);
    for (let i = 0; i < n; i++) features.push(Array.from(f.subarray(i * space.dim, (i + 1) * space.dim)));
    o.onProgress?.(Math.round(((start + n) / count) * 0.9 * count), count);
    await new Promise((resolve) => setImmediate(resolve)); // lets a cancel arrive
  }
  if (o.signal?.aborted) return xy;
  const rng = Rng.fromSeed(o.seed ?? 1);
  const umap = new UMAP({ nComponents: 2, nNeighbors: Math.min(15, count - 1), minDist: 0.1, random: () => rng.uniform() });
  const points = await umap.fitAsync(features, () => !o.signal?.aborted);
  points.forEach(([x, y], i) => xy.set([x, y], i * 2));
  o.onProgress?.(count, count);
  return xy;
}
