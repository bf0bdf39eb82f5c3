/**
 * The Keras-GAN MNIST DCGAN (eriklindernoren/Keras-GAN, dcgan.py), with a width multiplier:
 * G: Dense → 7×7×128 → (upsample, conv 3×3, BN 0.8, ReLU) ×2 → conv to the image, tanh;
 * D: strided convs 32-64-128-256 with LeakyReLU 0.2, dropout 0.25 and BN 0.8, then one logit.
 * A conv followed by BatchNorm has no bias: BN subtracts the batch mean, so that bias would get a zero gradient.
 */
import type { ModelConfig } from '../../../shared/config/schema';
import type { Rng } from '../training/rng';
import {
  ParamStore, batchNorm, conv2d, dense, dropout, flatten, leakyRelu, minibatchStd, padBottomRight, relu, reshape, tanh, upsample2x,
} from './layers';
import { network, type Gan } from './network';

const EPS = 1e-3; // Keras's BatchNormalization epsilon

export function buildKerasDcgan(m: ModelConfig, rng: Rng): Gan {
  const size = m.imageSize;
  const base = size / 4;
  const ch = (n: number): number => Math.max(1, Math.round(n * m.width));

  const g = new ParamStore(rng);
  const gHead = [
    dense(g, 'fc', m.latentDim + m.classes, ch(128) * base * base),
    relu,
    reshape([base, base, ch(128)]), // 128 × 7 × 7
  ];
  const gTail = [
    upsample2x, // 128 × 14 × 14
    conv2d(g, 'conv1', 3, ch(128), ch(128), 1, 'same', false),
    batchNorm(g, 'bn1', ch(128), m.bnMomentum, EPS),
    relu,
    upsample2x, // 128 × 28 × 28
    conv2d(g, 'conv2', 3, ch(128), ch(64), 1, 'same', false), // 64 × 28 × 28
    batchNorm(g, 'bn2', ch(64), m.bnMomentum, EPS),
    relu,
    conv2d(g, 'conv3', 3, ch(64), m.channels, 1, 'same'), // c × 28 × 28
    tanh,
  ];

  const d = new ParamStore(rng, m.spectralNorm);
  const half = Math.ceil(size / 2);
  const quarter = Math.ceil(half / 2);
  const padded = quarter % 2 === 1; // Keras pads 7×7 to 8×8 so the next stride-2 conv sees an even size
  const last = Math.ceil((quarter + (padded ? 1 : 0)) / 2);
  const dHead = [
    conv2d(d, 'conv1', 3, m.channels + m.classes, ch(32), 2, 'same'), // 32 × 14 × 14
    leakyRelu(0.2),
    dropout(m.dropout),
    conv2d(d, 'conv2', 3, ch(32), ch(64), 2, 'same', false), // 64 × 7 × 7
    ...(padded ? [padBottomRight] : []), // 64 × 8 × 8
    batchNorm(d, 'bn2', ch(64), m.bnMomentum, EPS),
    leakyRelu(0.2),
    dropout(m.dropout),
    conv2d(d, 'conv3', 3, ch(64), ch(128), 2, 'same', false), // 128 × 4 × 4
    batchNorm(d, 'bn3', ch(128), m.bnMomentum, EPS),
    leakyRelu(0.2),
    dropout(m.dropout),
    conv2d(d, 'conv4', 3, ch(128), ch(256), 1, 'same', false), // 256 × 4 × 4
    batchNorm(d, 'bn4', ch(256), m.bnMomentum, EPS),
    leakyRelu(0.2),
    dropout(m.dropout),
    flatten,
  ];
  const std = m.minibatchStd ? 1 : 0;
  const dTail = [...(std ? [minibatchStd] : []), dense(d, 'fc', ch(256) * last * last + std, 1)]; // one logit

  return {
    generator: network(g, gHead, gTail),
    discriminator: network(d, dHead, dTail),
    imageShape: [size, size, m.channels],
    latentDim: m.latentDim,
    classes: m.classes,
  };
}
