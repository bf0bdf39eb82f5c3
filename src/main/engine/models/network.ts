import type * as tf from '../tf';
import type { ForwardContext, Layer, ParamStore } from './layers';

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
