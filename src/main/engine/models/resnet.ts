/**
 * The SNGAN / BigGAN-lite ResNet shape (Miyato et al. 2018; Brock et al. 2019) for powers of two from 32 to 128.
 * G: z → 4×4 × 8·w, then up-blocks (BN, ReLU, ×2 nearest upsampling, 3×3 conv, BN, ReLU, 3×3 conv, plus a shortcut of
 * upsampling and a 1×1 conv) halving the channels down to w, then BN, ReLU, 3×3 conv to the picture, tanh.
 * D: down-blocks (ReLU, 3×3 conv, ReLU, 3×3 conv, 2×2 average pooling, plus a shortcut of a 1×1 conv and pooling; the
 * first block without its leading ReLU) doubling the channels from w to 8·w at 4×4, then ReLU, a sum over positions
 * and one logit. Use with model.spectralNorm (D's weights) and the hinge objective, as the papers do; D has no
 * BatchNorm. `width` is w.
 */
import type { ModelConfig } from '../../../shared/config/schema';
import type { Rng } from '../training/rng';
import * as tf from '../runtime/tf';
import { ParamStore, averagePool2x, batchNorm, conv2d, dense, minibatchStd, relu, reshape, sequential, tanh, upsample2x, type Layer } from './layers';
import { network, type Gan } from './network';

const EPS = 1e-5;

/** x + shortcut(x), both paths over the same input. */
const residual = (main: Layer, shortcut: Layer): Layer => (x, ctx) => tf.add(main(x, ctx), shortcut(x, ctx));

function upBlock(p: ParamStore, name: string, cin: number, cout: number, momentum: number): Layer {
  const main = sequential(
    batchNorm(p, `${name}.bn1`, cin, momentum, EPS), relu, upsample2x, conv2d(p, `${name}.conv1`, 3, cin, cout, 1, 'same'),
    batchNorm(p, `${name}.bn2`, cout, momentum, EPS), relu, conv2d(p, `${name}.conv2`, 3, cout, cout, 1, 'same'),
  );
  return residual(main, sequential(upsample2x, conv2d(p, `${name}.skip`, 1, cin, cout, 1, 'same')));
}

function downBlock(p: ParamStore, name: string, cin: number, cout: number, first: boolean): Layer {
  const main = sequential(
    ...(first ? [] : [relu]), conv2d(p, `${name}.conv1`, 3, cin, cout, 1, 'same'),
    relu, conv2d(p, `${name}.conv2`, 3, cout, cout, 1, 'same'), averagePool2x,
  );
  // The first block pools before its 1×1 conv (cheaper on the full-size picture), the others after.
  const skip = conv2d(p, `${name}.skip`, 1, cin, cout, 1, 'same');
  return residual(main, first ? sequential(averagePool2x, skip) : sequential(skip, averagePool2x));
}

/** Sums each feature map over its positions (SNGAN's global sum pooling). */
const sumOverPositions: Layer = (x) => tf.sum(x, [1, 2]);

export function buildResnet(m: ModelConfig, rng: Rng): Gan {
  const size = m.imageSize;
  const c = m.channels;
  const w = Math.max(1, Math.round(m.width));
  const blocks = Math.log2(size) - 2; // 4 → size
  const widthAt = (i: number): number => w * 2 ** Math.min(3, blocks - i); // G's channels after block i (0: the 4×4 start)

  const g = new ParamStore(rng);
  const gHead: Layer[] = [dense(g, 'project', m.latentDim + m.classes, 4 * 4 * widthAt(0)), reshape([4, 4, widthAt(0)])];
  const gTail: Layer[] = [];
  for (let i = 1; i <= blocks; i++) gTail.push(upBlock(g, `up${i}`, widthAt(i - 1), widthAt(i), m.bnMomentum));
  gTail.push(batchNorm(g, 'out.bn', widthAt(blocks), m.bnMomentum, EPS), relu, conv2d(g, 'out', 3, widthAt(blocks), c, 1, 'same'), tanh);

  const d = new ParamStore(rng, m.spectralNorm);
  const dHead: Layer[] = [];
  for (let i = blocks; i >= 1; i--) dHead.push(downBlock(d, `down${blocks - i + 1}`, i === blocks ? c + m.classes : widthAt(i), widthAt(i - 1), i === blocks));
  dHead.push(relu, sumOverPositions);
  const std = m.minibatchStd ? 1 : 0;
  const dTail: Layer[] = [...(std ? [minibatchStd] : []), dense(d, 'out', widthAt(0) + std, 1)];

  return { generator: network(g, gHead, gTail), discriminator: network(d, dHead, dTail), imageShape: [size, size, c], latentDim: m.latentDim, classes: m.classes };
}
