/**
 * BEGAN (Berthelot et al. 2017): D is an auto-encoder, and its output for a picture is how badly it rebuilds it —
 * the mean absolute error L(x) = |x − D(x)| per picture (N × 1), which the 'began' objective reads. G and D's
 * decoder share one shape: a dense layer to 8 × 8 × n, then blocks of two 3×3 convolutions with ELU, each but the
 * last followed by a nearest-neighbour 2× upsampling, then a 3×3 convolution to the picture. D's encoder mirrors
 * it with 3×3 convolutions (l·n filters at level l) and stride-2 convolutions to go down, then a dense layer to the
 * embedding h (model.latentDim long, as N_h = N_z in the paper). No BatchNorm, as in the paper. D's features are h.
 * The pictures G draws pass a tanh so they stay in [-1, 1] like every other model's (the paper leaves its last
 * layer linear).
 */
import * as tf from '../runtime/tf';
import type { ModelConfig } from '../../../shared/config/schema';
import type { Rng } from '../training/rng';
import { ParamStore, conv2d, dense, flatten, reshape, sequential, tanh, upsample2x, type Layer } from './layers';
import { network, type Gan, type Network } from './network';

/**
 * ELU as relu(x) + exp(min(x, 0)) − 1: the same function and gradient, from ops every backend differentiates
 * (the wasm backend has Elu but no EluGrad).
 */
export const elu: Layer = (x) => tf.add(tf.relu(x), tf.sub(tf.exp(tf.minimum(x, 0)), 1));

/** Levels between 8 × 8 and the picture's size (8 → 1 level, 64 → 4). */
function levels(size: number): number {
  const l = Math.log2(size / 8) + 1;
  if (!Number.isInteger(l) || l < 1) throw new Error(`model.imageSize ${size}: BEGAN needs 8 × a power of two (32, 64, 128)`);
  return l;
}

/** h (or z with its class weights) → a picture: dense to 8×8×n, [conv, ELU, conv, ELU, up]… conv. */
function decoder(p: ParamStore, inDim: number, n: number, channels: number, size: number): Layer[] {
  const layers: Layer[] = [dense(p, 'h', inDim, 8 * 8 * n), reshape([8, 8, n])];
  for (let l = 1; l <= levels(size); l++) {
    layers.push(conv2d(p, `dec${l}a`, 3, n, n, 1, 'same'), elu, conv2d(p, `dec${l}b`, 3, n, n, 1, 'same'), elu);
    if (l < levels(size)) layers.push(upsample2x);
  }
  layers.push(conv2d(p, 'toImage', 3, n, channels, 1, 'same'));
  return layers;
}

/** A picture → h: conv, then per level [conv, ELU, conv, ELU, stride-2 conv to the next width]… dense. */
function encoder(p: ParamStore, inChannels: number, n: number, hDim: number, size: number): Layer[] {
  const L = levels(size);
  const layers: Layer[] = [conv2d(p, 'fromImage', 3, inChannels, n, 1, 'same'), elu];
  for (let l = 1; l <= L; l++) {
    layers.push(conv2d(p, `enc${l}a`, 3, l * n, l * n, 1, 'same'), elu, conv2d(p, `enc${l}b`, 3, l * n, l * n, 1, 'same'), elu);
    if (l < L) layers.push(conv2d(p, `down${l}`, 3, l * n, (l + 1) * n, 2, 'same'), elu);
  }
  layers.push(flatten, dense(p, 'embed', 8 * 8 * L * n, hDim));
  return layers;
}

export function buildBegan(m: ModelConfig, rng: Rng): Gan {
  const size = m.imageSize;
  const c = m.channels;
  const n = Math.max(1, Math.round(m.width));
  const g = new ParamStore(rng);
  const gLayers = [...decoder(g, m.latentDim + m.classes, n, c, size), tanh];
  return {
    generator: network(g, gLayers.slice(0, 2), gLayers.slice(2)),
    discriminator: autoEncoder(m, rng, n),
    imageShape: [size, size, c],
    latentDim: m.latentDim,
    classes: m.classes,
  };
}

/** D: encoder → h → decoder; apply gives each picture's reconstruction error (its class planes are not rebuilt). */
function autoEncoder(m: ModelConfig, rng: Rng, n: number): Network {
  const c = m.channels;
  const d = new ParamStore(rng, m.spectralNorm);
  const encoderLayers = encoder(d, c + m.classes, n, m.latentDim, m.imageSize);
  const encode = sequential(...encoderLayers);
  const decode = sequential(...decoder(d, m.latentDim, n, c, m.imageSize));
  return {
    params: d,
    apply: (x, ctx) => {
      const picture = m.classes > 0 ? tf.slice(x, [0, 0, 0, 0], [-1, -1, -1, c]) : x;
      const rebuilt = decode(encode(x, ctx), ctx);
      return tf.reshape(tf.mean(tf.abs(tf.sub(picture, rebuilt)), [1, 2, 3]), [-1, 1]);
    },
    features: encode,
    layers: encoderLayers,
  };
}

