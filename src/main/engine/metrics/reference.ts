/** The training pictures that stand for a dataset in every score, and their content hash (what caches key on). */
import { createHash } from 'node:crypto';
import { REFERENCE_PICTURES } from '../../../shared/quality';
import type { Dataset } from '../data';
import { Rng } from '../training/rng';

/** A fixed, seeded choice of at most REFERENCE_PICTURES of the dataset's pictures. */
export function referencePictures(d: Dataset): { images: Float32Array; count: number; hash: string } {
  const count = Math.min(d.count, REFERENCE_PICTURES);
  if (count === d.count) return { images: d.images, count, hash: contentHash(d.images, d.shape) };
  const size = d.shape[0] * d.shape[1] * d.shape[2];
  const order = Rng.fromSeed(7).permutation(d.count).subarray(0, count).sort();
  const images = new Float32Array(count * size);
  order.forEach((index, i) => images.set(d.images.subarray(index * size, (index + 1) * size), i * size));
  return { images, count, hash: contentHash(images, d.shape) };
}

function contentHash(images: Float32Array, shape: [number, number, number]): string {
  return createHash('sha256').update(new Uint8Array(images.buffer, images.byteOffset, images.byteLength)).update(shape.join('x')).digest('hex').slice(0, 16);
}

