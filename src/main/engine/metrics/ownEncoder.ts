/**
 * The fallback feature space: a small convolutional autoencoder trained on the run's own training pictures (its
 * reference set, at 32 × 32), whose 128-value bottleneck is the feature. Trained once per dataset — the weights are
 * cached by the pictures' content hash — so its scores compare runs on that dataset only, never across datasets.
 */
import { existsSync } from 'node:fs';
import * as tf from '../runtime/tf';
import { conv2d, conv2dTranspose, dense, flatten, leakyRelu, ParamStore, reshape, sequential, tanh, type ForwardContext, type Layer } from '../models/layers';
import { loadWeights, saveWeights } from '../models/weightsFile';
import { Adam } from '../training/optim';
import { Rng } from '../training/rng';

const MAGIC = 'GANENC01';
const SIZE = 32;
export const OWN_FEATURES = 128;
/** Batches of 64 the encoder trains for (its cost is measured by `npm run bench -- quality --own`). */
const TRAINING_STEPS = 400;

export class OwnEncoder {
  readonly params: ParamStore;
  private readonly encoder: Layer;
  private readonly decoder: Layer;

  constructor(readonly channels: number, seed = 1) {
    const p = new ParamStore(Rng.fromSeed(seed));
    this.params = p;
    const lrelu = leakyRelu(0.2);
    this.encoder = sequential(
      conv2d(p, 'enc1', 4, channels, 16, 2, 'same'), lrelu, // 16 × 16
      conv2d(p, 'enc2', 4, 16, 32, 2, 'same'), lrelu, // 8 × 8
      conv2d(p, 'enc3', 4, 32, 64, 2, 'same'), lrelu, // 4 × 4
      flatten,
      dense(p, 'code', 4 * 4 * 64, OWN_FEATURES),
    );
    this.decoder = sequential(
      dense(p, 'expand', OWN_FEATURES, 4 * 4 * 64), lrelu, reshape([4, 4, 64]),
      conv2dTranspose(p, 'dec1', 4, 64, 32, 2), lrelu,
      conv2dTranspose(p, 'dec2', 4, 32, 16, 2), lrelu,
      conv2dTranspose(p, 'dec3', 4, 16, channels, 2), tanh,
    );
  }

  private static input(images: Float32Array, n: number, [h, w, c]: [number, number, number]): tf.Tensor4D {
    const x = tf.tensor4d(images, [n, h, w, c]);
    return h === SIZE && w === SIZE ? x : tf.image.resizeBilinear(x, [SIZE, SIZE]);
  }

  /** Trains on `count` pictures for `steps` batches of 64 (mean squared reconstruction error); the final error. */
  train(images: Float32Array, count: number, shape: [number, number, number], steps: number, seed = 1): number {
    const ctx: ForwardContext = { training: true, rng: Rng.fromSeed(seed) };
    const adam = new Adam({ lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }, this.params.trainable);
    const rng = Rng.fromSeed(seed);
    const size = shape[0] * shape[1] * shape[2];
    let loss = Number.NaN;
    try {
      for (let step = 0; step < steps; step++) {
        const batch = new Float32Array(64 * size);
        for (let i = 0; i < 64; i++) {
          const k = rng.below(count);
          batch.set(images.subarray(k * size, (k + 1) * size), i * size);
        }
        loss = tf.tidy(() => {
          const x = OwnEncoder.input(batch, 64, shape);
          const { value, grads } = tf.variableGrads(() => tf.mean(tf.squaredDifference(this.decoder(this.encoder(x, ctx), ctx), x)) as tf.Scalar, [...this.params.trainable.values()]);
          adam.apply(new Map([...this.params.trainable.keys()].map((name) => [name, grads[this.params.trainable.get(name)!.name]])));
          return value.dataSync()[0];
        });
      }
    } finally {
      adam.dispose();
    }
    return loss;
  }

  embed(images: Float32Array, count: number, shape: [number, number, number]): Float32Array {
    const out = new Float32Array(count * OWN_FEATURES);
    const ctx: ForwardContext = { training: false, rng: Rng.fromSeed(0) };
    const size = shape[0] * shape[1] * shape[2];
    for (let start = 0; start < count; start += 256) {
      const n = Math.min(256, count - start);
      tf.tidy(() => out.set(this.encoder(OwnEncoder.input(images.subarray(start * size, (start + n) * size), n, shape), ctx).dataSync(), start * OWN_FEATURES));
    }
    return out;
  }

  /** One trained now on the pictures. */
  static trained(images: Float32Array, count: number, shape: [number, number, number], steps = TRAINING_STEPS): OwnEncoder {
    const e = new OwnEncoder(shape[2]);
    e.train(images, count, shape, steps);
    return e;
  }

  /** The encoder cached in `file`, or one trained now on the pictures and saved there. */
  static forPictures(file: string, images: Float32Array, count: number, shape: [number, number, number], steps = TRAINING_STEPS): OwnEncoder {
    if (!existsSync(file)) {
      const e = OwnEncoder.trained(images, count, shape, steps);
      saveWeights(file, MAGIC, e.params);
      return e;
    }
    const e = new OwnEncoder(shape[2]);
    loadWeights(file, MAGIC, e.params, 'the own encoder');
    return e;
  }

  dispose(): void {
    this.params.dispose();
  }
}
