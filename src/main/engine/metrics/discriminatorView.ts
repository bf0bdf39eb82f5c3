/**
 * Looking inside D: its first layer's filters as small pictures, and what each of its convolutional stages makes of
 * one picture (the first channels of each stage's output). A stage is a run of layers that keep one shape (a
 * convolution, its normalisation and activation); its last output is the one shown. D's 1 × 1 verdict is left out.
 */
import * as tf from '../runtime/tf';
import type { Network } from '../models';
import { inferenceContext } from '../models/layers';
import { Rng } from '../training/rng';

/** Maps N × h × w × c enlarged by a whole factor (nearest neighbour) so their shorter side is at least `minSide`. */
function enlarged(maps: tf.Tensor4D, minSide: number): tf.Tensor4D {
  const [, h, w] = maps.shape;
  const scale = Math.max(1, Math.ceil(minSide / Math.min(h, w)));
  return scale === 1 ? maps : tf.image.resizeNearestNeighbor(maps, [h * scale, w * scale]);
}

const shapeOf = (t: tf.Tensor): [number, number, number] => t.shape.slice(1) as [number, number, number];

/**
 * D's first convolution's filters, each scaled to [-1, 1] on its own, as `count` pictures (grey, or RGB where D
 * reads colour) enlarged to at least `minSide` pixels.
 */
export function firstFilters(D: Network, count = 64, minSide = 24): { images: Float32Array; shape: [number, number, number]; total: number } {
  const weight = [...D.params.trainable.values()].find((v) => v.shape.length === 4);
  if (!weight) throw new Error('D has no convolution: its first layer is dense, so there are no filters to show');
  const [k, , cin, cout] = weight.shape as [number, number, number, number];
  const channels = cin >= 3 ? 3 : 1;
  const n = Math.min(count, cout);
  const filters = tf.tidy(() => {
    // k × k × channels × n → n × k × k × channels, each filter stretched to [-1, 1]
    const w = tf.transpose(tf.slice(weight, [0, 0, 0, 0], [k, k, channels, n]), [3, 0, 1, 2]);
    return enlarged(stretched(w as tf.Tensor4D), minSide);
  });
  const images = filters.dataSync() as Float32Array;
  const shape = shapeOf(filters);
  filters.dispose();
  return { images, shape, total: cout };
}

export interface StageActivations {
  /** The stage's output shape (H × W × channels) and the channels shown, each scaled to [-1, 1]. */
  shape: [number, number, number];
  shown: number;
  /** One shown map's shape as `images` holds it (enlarged, one channel). */
  tile: [number, number, number];
  images: Float32Array;
}

/** Each of N maps stretched to [-1, 1] on its own. */
function stretched(maps: tf.Tensor4D): tf.Tensor4D {
  const lo = tf.min(maps, [1, 2, 3], true);
  const hi = tf.max(maps, [1, 2, 3], true);
  return tf.sub(tf.mul(tf.div(tf.sub(maps, lo), tf.add(tf.sub(hi, lo), 1e-12)), 2), 1);
}

/**
 * What D's convolutional stages make of `picture` (H × W × C in [-1, 1]): the first `channels` maps of each, each
 * map enlarged to at least `minSide` pixels.
 */
export function stageActivations(D: Network, picture: Float32Array, shape: [number, number, number], channels = 16, minSide = 32): StageActivations[] {
  if (!D.layers) throw new Error("this D is not a plain stack of layers (FastGAN's, for one): its stages cannot be shown one by one");
  const ctx = inferenceContext(Rng.fromSeed(0));
  return tf.tidy(() => {
    let x: tf.Tensor = tf.tensor4d(picture, [1, ...shape]);
    const outputs: tf.Tensor[] = [];
    for (const layer of D.layers!) {
      const next = layer(x, ctx);
      const previous = outputs.at(-1);
      const sameStage = previous && next.rank === 4 && previous.shape.join() === next.shape.join();
      if (next.rank === 4) {
        if (sameStage) outputs[outputs.length - 1] = next;
        else outputs.push(next);
      }
      x = next;
    }
    // a 1 × 1 output is D's verdict (a convolution to one logit), not a map
    return outputs.filter((out) => out.shape[1]! > 1 || out.shape[2]! > 1).map((out) => {
      const [, h, w, c] = out.shape as [number, number, number, number];
      const shown = Math.min(channels, c);
      const maps = tf.transpose(tf.slice(out, [0, 0, 0, 0], [1, h, w, shown]), [3, 1, 2, 0]) as tf.Tensor4D; // shown × h × w × 1
      const scaled = enlarged(stretched(maps), minSide);
      return { shape: [h, w, c] as [number, number, number], shown, tile: shapeOf(scaled), images: scaled.dataSync() as Float32Array };
    });
  });
}
