/**
 * The small MNIST GAN of the alternating-training notes: G of two fully connected layers (1024, then 7×7×128), two
 * stride-2 transposed convolutions (64, 32) and one convolution to the picture; D of two 5×5 convolutions each
 * followed by 2×2 average pooling, then one logit. BatchNorm after G's hidden layers; LeakyReLU 0.2 in D. For sizes
 * that are 4 × a base (28 from 7). The notes pre-train D for 30 steps (the preset's train.dPretrainSteps).
 */
import type { ModelConfig } from '../../../shared/config/schema';
import type { Rng } from '../training/rng';
import { ParamStore, averagePool2x, batchNorm, conv2d, conv2dTranspose, dense, flatten, leakyRelu, minibatchStd, relu, reshape, tanh, type Layer } from './layers';
import { network, type Gan } from './network';

const EPS = 1e-5;

export function buildTwoFcGan(m: ModelConfig, rng: Rng): Gan {
  const base = m.imageSize / 4;
  const c = m.channels;
  const ch = (n: number): number => Math.max(1, Math.round(n * m.width));

  const g = new ParamStore(rng);
  const gHead: Layer[] = [dense(g, 'fc1', m.latentDim + m.classes, ch(1024)), batchNorm(g, 'fc1.bn', ch(1024), m.bnMomentum, EPS), relu];
  const gTail: Layer[] = [
    dense(g, 'fc2', ch(1024), base * base * ch(128)), batchNorm(g, 'fc2.bn', base * base * ch(128), m.bnMomentum, EPS), relu,
    reshape([base, base, ch(128)]),
    conv2dTranspose(g, 'up1', 4, ch(128), ch(64), 2), batchNorm(g, 'up1.bn', ch(64), m.bnMomentum, EPS), relu, // 2·base
    conv2dTranspose(g, 'up2', 4, ch(64), ch(32), 2), batchNorm(g, 'up2.bn', ch(32), m.bnMomentum, EPS), relu, // 4·base
    conv2d(g, 'out', 3, ch(32), c, 1, 'same'), tanh,
  ];

  const d = new ParamStore(rng, m.spectralNorm);
  const dHead: Layer[] = [
    conv2d(d, 'conv1', 5, c + m.classes, ch(32), 1, 'same'), leakyRelu(0.2), averagePool2x, // 2·base
    conv2d(d, 'conv2', 5, ch(32), ch(64), 1, 'same'), leakyRelu(0.2), averagePool2x, // base
    flatten,
  ];
  const std = m.minibatchStd ? 1 : 0;
  const dTail: Layer[] = [...(std ? [minibatchStd] : []), dense(d, 'out', base * base * ch(64) + std, 1)];

  return { generator: network(g, gHead, gTail), discriminator: network(d, dHead, dTail), imageShape: [m.imageSize, m.imageSize, c], latentDim: m.latentDim, classes: m.classes };
}
