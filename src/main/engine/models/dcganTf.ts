/**
 * The DCGAN of carpedm20/DCGAN-tensorflow (the anime-face pipeline's trainer) and of MATLAB's "Train Generative
 * Adversarial Network" example: sizes that are 16 × a base (48 from 3, 64 from 4), 5×5 kernels throughout.
 * G projects z to base × base × 8·ngf, BN + ReLU, then four stride-2 transposed convolutions (8·ngf → 4 → 2 → 1 → c,
 * BN + ReLU between, tanh last); D mirrors it with four stride-2 convolutions (BN on all but the first, LeakyReLU
 * 0.2) and a linear layer to one logit. Convolutions carry biases, as the TensorFlow code's do.
 */
import type { ModelConfig } from '../../../shared/config/schema';
import type { Rng } from '../training/rng';
import { ParamStore, batchNorm, conv2d, conv2dTranspose, dense, flatten, leakyRelu, minibatchStd, relu, reshape, tanh, type Layer } from './layers';
import { network, type Gan } from './network';

const EPS = 1e-5;
const K = 5;

export function buildDcganTf(m: ModelConfig, rng: Rng): Gan {
  const base = m.imageSize / 16;
  const c = m.channels;
  const ngf = Math.round(m.width);
  const widths = [8 * ngf, 4 * ngf, 2 * ngf, ngf]; // at base, 2·base, 4·base, 8·base

  const g = new ParamStore(rng);
  const gHead: Layer[] = [dense(g, 'project', m.latentDim + m.classes, base * base * widths[0]), reshape([base, base, widths[0]]), batchNorm(g, 'project.bn', widths[0], m.bnMomentum, EPS), relu];
  const gTail: Layer[] = [];
  for (let i = 1; i < widths.length; i++) gTail.push(conv2dTranspose(g, `up${i}`, K, widths[i - 1], widths[i], 2), batchNorm(g, `up${i}.bn`, widths[i], m.bnMomentum, EPS), relu);
  gTail.push(conv2dTranspose(g, 'out', K, widths[3], c, 2), tanh);

  const d = new ParamStore(rng, m.spectralNorm);
  const dHead: Layer[] = [conv2d(d, 'in', K, c + m.classes, widths[3], 2, 'same'), leakyRelu(0.2)];
  for (let i = 2; i >= 0; i--) dHead.push(conv2d(d, `down${3 - i}`, K, widths[i + 1], widths[i], 2, 'same'), batchNorm(d, `down${3 - i}.bn`, widths[i], m.bnMomentum, EPS), leakyRelu(0.2));
  dHead.push(flatten);
  const std = m.minibatchStd ? 1 : 0;
  const dTail: Layer[] = [...(std ? [minibatchStd] : []), dense(d, 'out', base * base * widths[0] + std, 1)];

  return { generator: network(g, gHead, gTail), discriminator: network(d, dHead, dTail), imageShape: [m.imageSize, m.imageSize, c], latentDim: m.latentDim, classes: m.classes };
}
