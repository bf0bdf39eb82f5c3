/**
 * The fully connected GAN of Goodfellow et al. 2014 on MNIST: G with two ReLU layers of 1200 units,
 * D with two layers of 240 (LeakyReLU and dropout standing in for the paper's maxout).
 */
import type { ModelConfig } from '../../../shared/config/schema';
import type { Rng } from '../training/rng';
import { ParamStore, dense, dropout, flatten, leakyRelu, minibatchStd, relu, reshape, tanh } from './layers';
import { network, type Gan } from './network';

export function buildMlp(m: ModelConfig, rng: Rng): Gan {
  const pixels = m.imageSize * m.imageSize * m.channels;
  const gHidden = Math.max(1, Math.round(1200 * m.width));
  const dHidden = Math.max(1, Math.round(240 * m.width));

  const g = new ParamStore(rng);
  const gHead = [dense(g, 'fc1', m.latentDim + m.classes, gHidden), relu]; // 1200
  const gTail = [
    dense(g, 'fc2', gHidden, gHidden), relu, // 1200
    dense(g, 'out', gHidden, pixels), tanh, // 784
    reshape([m.imageSize, m.imageSize, m.channels]), // 1 × 28 × 28
  ];

  const d = new ParamStore(rng, m.spectralNorm);
  const dHead = [
    flatten, // 784
    dense(d, 'fc1', pixels + m.imageSize * m.imageSize * m.classes, dHidden), leakyRelu(0.2), dropout(m.dropout), // 240
    dense(d, 'fc2', dHidden, dHidden), leakyRelu(0.2), dropout(m.dropout), // 240
  ];
  const std = m.minibatchStd ? 1 : 0;
  const dTail = [...(std ? [minibatchStd] : []), dense(d, 'out', dHidden + std, 1)]; // one logit

  return {
    generator: network(g, gHead, gTail),
    discriminator: network(d, dHead, dTail),
    imageShape: [m.imageSize, m.imageSize, m.channels],
    latentDim: m.latentDim,
    classes: m.classes,
  };
}
