/**
 * A dataset in memory: N images of one shape, scaled to [-1, 1], channels last, with optional class labels,
 * and the files that could not be read (each skipped and reported, never fatal).
 */
import * as tf from '../runtime/tf';

export interface SkippedFile { file: string; reason: string }

export interface Dataset {
  name: string;
  /** N × H × W × C values in [-1, 1]. */
  images: Float32Array;
  count: number;
  shape: [number, number, number];
  labels?: Int32Array;
  classNames?: string[];
  skipped: SkippedFile[];
}

export class DatasetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatasetError';
  }
}

/** Bytes 0..255 → [-1, 1]. */
export function bytesToUnit(bytes: Uint8Array | ArrayLike<number>): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i] / 127.5 - 1;
  return out;
}

/**
 * Brings images of shape `from` to `to`: grey ↔ RGB by replicating or averaging channels, and other sizes
 * by bilinear resizing (in chunks, so 60,000 images never sit in one tensor twice).
 */
export function conformImages(images: Float32Array, count: number, from: [number, number, number], to: [number, number, number]): Float32Array {
  if (from[0] === to[0] && from[1] === to[1] && from[2] === to[2]) return images;
  const out = new Float32Array(count * to[0] * to[1] * to[2]);
  const chunk = 1024;
  const inSize = from[0] * from[1] * from[2];
  for (let start = 0; start < count; start += chunk) {
    const n = Math.min(chunk, count - start);
    const part = tf.tidy(() => {
      let x: tf.Tensor4D = tf.tensor4d(images.subarray(start * inSize, (start + n) * inSize), [n, ...from]);
      if (from[0] !== to[0] || from[1] !== to[1]) x = tf.image.resizeBilinear(x, [to[0], to[1]], true);
      if (from[2] === 1 && to[2] === 3) x = tf.tile(x, [1, 1, 1, 3]);
      if (from[2] === 3 && to[2] === 1) x = tf.mean(x, 3, true);
      return x.dataSync() as Float32Array;
    });
    out.set(part, start * to[0] * to[1] * to[2]);
  }
  return out;
}

/** Keeps the first `limit` images (0: all). */
export function limitDataset(d: Dataset, limit: number): Dataset {
  if (limit <= 0 || limit >= d.count) return d;
  const size = d.shape[0] * d.shape[1] * d.shape[2];
  return {
    ...d,
    count: limit,
    images: d.images.slice(0, limit * size),
    labels: d.labels?.slice(0, limit),
  };
}
