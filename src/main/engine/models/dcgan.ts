/**
 * DCGAN after Radford et al. 2015 (the pytorch/examples dcgan networks) for any power-of-two size 32–128.
 * G projects z and reshapes it to 4×4, then doubles the size with strided transposed convolutions;
 * D mirrors it with strided convolutions. No biases (BatchNorm follows), BN on every layer but D's first and G's last.
 */
import type { ModelConfig } from '../../../shared/config/schema';
import type { Rng } from '../training/rng';
import { ParamStore, batchNorm, conv2d, conv2dTranspose, dense, flatten, leakyRelu, minibatchStd, relu, reshape, tanh, type Layer } from './layers';
import { network, type Gan, type Network } from './network';

const EPS = 1e-5; // PyTorch's BatchNorm epsilon

/** ngf·2^(blocks−i) channels at 4·2^i px, for the blocks between 4×4 and size/2. */
function widths(m: ModelConfig): { blocks: number; widthAt: (i: number) => number } {
  const blocks = Math.log2(m.imageSize) - 3;
  return { blocks, widthAt: (i) => Math.round(m.width) * 2 ** (blocks - i) };
}

export function buildDcgan(m: ModelConfig, rng: Rng): Gan {
  const size = m.imageSize;
  const c = m.channels;
  const { blocks, widthAt } = widths(m);

  const g = new ParamStore(rng);
  const gLayers: Layer[] = [
    dense(g, 'project', m.latentDim + m.classes, 4 * 4 * widthAt(0), false),
    reshape([4, 4, widthAt(0)]), // ngf·2^blocks × 4 × 4
    batchNorm(g, 'project.bn', widthAt(0), m.bnMomentum, EPS),
    relu,
  ];
  for (let i = 1; i <= blocks; i++) {
    gLayers.push(
      conv2dTranspose(g, `up${i}`, 4, widthAt(i - 1), widthAt(i), 2, false), // widthAt(i) × 4·2^i × 4·2^i
      batchNorm(g, `up${i}.bn`, widthAt(i), m.bnMomentum, EPS),
      relu,
    );
  }
  gLayers.push(conv2dTranspose(g, 'out', 4, widthAt(blocks), c, 2, false), tanh); // c × size × size

  return {
    generator: network(g, gLayers.slice(0, 4), gLayers.slice(4)),
    discriminator: dcganDiscriminator(m, rng),
    imageShape: [size, size, c],
    latentDim: m.latentDim,
    classes: m.classes,
  };
}

/** DCGAN's D (also the style-based generator's partner): strided convolutions, BN but on the first, one logit. */
export function dcganDiscriminator(m: ModelConfig, rng: Rng): Network {
  const c = m.channels;
  const { blocks, widthAt } = widths(m);
  const d = new ParamStore(rng, m.spectralNorm);
  const dLayers: Layer[] = [conv2d(d, 'in', 4, c + m.classes, widthAt(blocks), 2, 'same', false), leakyRelu(0.2)]; // ndf × size/2
  for (let i = blocks; i >= 1; i--) {
    dLayers.push(
      conv2d(d, `down${i}`, 4, widthAt(i), widthAt(i - 1), 2, 'same', false), // widthAt(i−1) × 4·2^(i−1)
      batchNorm(d, `down${i}.bn`, widthAt(i - 1), m.bnMomentum, EPS),
      leakyRelu(0.2),
    );
  }
  const std = m.minibatchStd ? 1 : 0;
  const dTail = [...(std ? [minibatchStd] : []), conv2d(d, 'out', 4, widthAt(0) + std, 1, 1, 'valid', false), flatten]; // 1 × 1 × 1 → one logit
  return network(d, dLayers, dTail);
}
