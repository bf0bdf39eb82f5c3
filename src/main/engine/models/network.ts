import * as tf from '../tf';
import { Rng } from '../rng';
import { inferenceContext, sequential, type ForwardContext, type Layer, type ParamStore } from './layers';

/** One network: its variables and its forward function. */
export interface Network {
  params: ParamStore;
  apply(x: tf.Tensor, ctx: ForwardContext): tf.Tensor;
  /**
   * The network up to an inner layer: G's first block (its principal components are the latent lab's directions,
   * as in GANSpace) and D's last hidden layer (the features an inversion can match, as in feature matching).
   */
  features(x: tf.Tensor, ctx: ForwardContext): tf.Tensor;
}

export interface Gan {
  generator: Network;
  discriminator: Network;
  /** [height, width, channels] of the images G draws and D judges. */
  imageShape: [number, number, number];
  latentDim: number;
}

/** A network of `head` then `tail`; its features are what `head` gives. */
export function network(params: ParamStore, head: Layer[], tail: Layer[]): Network {
  return { params, apply: sequential(...head, ...tail), features: sequential(...head) };
}

/** G's images (N × H × W × C in [-1, 1]) for N latent vectors, BatchNorm in inference mode, in bounded chunks. */
export function generateImages(gan: Pick<Gan, 'generator' | 'latentDim' | 'imageShape'>, latents: Float32Array): Float32Array {
  const { latentDim, imageShape } = gan;
  const n = latents.length / latentDim;
  const perImage = imageShape[0] * imageShape[1] * imageShape[2];
  const out = new Float32Array(n * perImage);
  const ctx = inferenceContext(Rng.fromSeed(0)); // inference draws no random numbers
  for (let i = 0; i < n; i += 256) {
    const m = Math.min(256, n - i);
    const part = tf.tidy(() => {
      const z = tf.tensor2d(latents.subarray(i * latentDim, (i + m) * latentDim), [m, latentDim]);
      return gan.generator.apply(z, ctx).dataSync() as Float32Array;
    });
    out.set(part, i * perImage);
  }
  return out;
}
