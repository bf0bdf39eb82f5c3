import * as tf from '../tf';
import { Rng } from '../rng';
import { inferenceContext, type ForwardContext, type Layer, type ParamStore } from './layers';

/** One network: its variables and its forward function. */
export interface Network {
  params: ParamStore;
  apply(x: tf.Tensor, ctx: ForwardContext): tf.Tensor;
}

export interface Gan {
  generator: Network;
  discriminator: Network;
  /** [height, width, channels] of the images G draws and D judges. */
  imageShape: [number, number, number];
  latentDim: number;
}

export function network(params: ParamStore, body: Layer): Network {
  return { params, apply: body };
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
