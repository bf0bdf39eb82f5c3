/**
 * A light style-based generator (Karras et al. 2019, 2020: StyleGAN, StyleGAN2) for powers of two from 32 to 128 px,
 * paired with DCGAN's D.
 * Mapping: z, normalised to unit mean square (with a conditional G's class weights after it), through 4 dense
 * layers with LeakyReLU(0.2) to w, as long as z. Its running mean (β 0.995 over training batches) is kept with the
 * weights: the centre the truncation trick pulls w towards.
 * Synthesis: a learned 4×4 constant, then at each size (×2 nearest upsampling from 8 px) two 3×3 modulated
 * convolutions — each input channel scaled by an affine map of w (starting at 1), the output demodulated to unit
 * variance as StyleGAN2 does — each with a bias and LeakyReLU(0.2); a 1×1 modulated convolution (not demodulated) to
 * the picture, tanh. Per-pixel noise inputs and style mixing are left out (small gains in the papers, a cost here).
 * Channels at r px: width × min(8, size / 2r), at least 4.
 * Every weight is stored N(0, 1) and scaled by He's constant in the forward pass (StyleGAN's equalised learning rate):
 * Adam's steps have the same size relative to every layer's weights. The mapping network learns 100× slower
 * (StyleGAN's lr multiplier 0.01); train it with StyleGAN2's Adam (β 0 / 0.99, lr ≈ 0.002).
 */
import type { ModelConfig } from '../../../shared/config/schema';
import type { Rng } from '../training/rng';
import * as tf from '../runtime/tf';
import { dcganDiscriminator } from './dcgan';
import { ParamStore, upsample2x, type Layer } from './layers';
import { network, type Gan } from './network';

const MAPPING_LAYERS = 4;
const MAPPING_LR_MULTIPLIER = 0.01;
const W_AVG_BETA = 0.995;

/**
 * A weight of equalised learning rate: stored N(0, 1 / lrMultiplier), used as that × gain · lrMultiplier / √fan-in
 * (fan-in: every axis but the last), so it starts at N(0, gain² / fan-in) and Adam moves it lrMultiplier times as far.
 */
export function equalisedWeight(p: ParamStore, name: string, shape: number[], gain = 1, lrMultiplier = 1): () => tf.Tensor {
  const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const stored = p.normal(name, shape, 0, 1 / lrMultiplier);
  const scale = (gain * lrMultiplier) / Math.sqrt(fanIn);
  return () => tf.mul(stored, scale);
}

/** A mapping layer: He's gain for LeakyReLU, equalised, at the mapping network's slower rate (bias included). */
function mappingDense(p: ParamStore, name: string, inDim: number, outDim: number): Layer {
  const w = equalisedWeight(p, `${name}.weight`, [inDim, outDim], Math.SQRT2, MAPPING_LR_MULTIPLIER);
  const b = p.zeros(`${name}.bias`, [outDim]);
  return (x) => tf.add(tf.matMul(x as tf.Tensor2D, w() as tf.Tensor2D), tf.mul(b, MAPPING_LR_MULTIPLIER));
}

/**
 * A convolution whose input channels are scaled per sample by an affine map of w; with `demodulate`, each output
 * channel is divided by the norm its scaled weights have (StyleGAN2's demodulation, done on the activations: the
 * same as scaling the weights, one shared convolution for the batch).
 */
export function modulatedConv(p: ParamStore, name: string, k: number, cin: number, cout: number, wDim: number, demodulate: boolean): (x: tf.Tensor, w: tf.Tensor) => tf.Tensor {
  const kernel = equalisedWeight(p, `${name}.weight`, [k, k, cin, cout]);
  const affine = equalisedWeight(p, `${name}.style.weight`, [wDim, cin]);
  const styleBias = p.normal(`${name}.style.bias`, [cin], 1, 0); // styles start at 1
  const bias = p.zeros(`${name}.bias`, [cout]);
  return (x, w) => {
    const n = x.shape[0];
    const weight = kernel();
    const s = tf.add(tf.matMul(w as tf.Tensor2D, affine() as tf.Tensor2D), styleBias); // n × cin
    let y = tf.conv2d(tf.mul(x, tf.reshape(s, [n, 1, 1, cin])) as tf.Tensor4D, weight as tf.Tensor4D, 1, 'same');
    if (demodulate) {
      const squares = tf.sum(tf.square(weight), [0, 1]); // cin × cout
      const d = tf.rsqrt(tf.add(tf.matMul(tf.square(s), squares as tf.Tensor2D), 1e-8)); // n × cout
      y = tf.mul(y, tf.reshape(d, [n, 1, 1, cout]));
    }
    return tf.add(y, bias);
  };
}

const lrelu = (x: tf.Tensor): tf.Tensor => tf.leakyRelu(x, 0.2);

export function buildStyleGan(m: ModelConfig, rng: Rng): Gan {
  const size = m.imageSize;
  const wDim = m.latentDim;
  const ch = (r: number): number => Math.max(4, Math.round(m.width * Math.min(8, size / (2 * r))));
  const g = new ParamStore(rng);

  const layers = Array.from({ length: MAPPING_LAYERS }, (_, i) => mappingDense(g, `mapping${i + 1}`, i === 0 ? wDim + m.classes : wDim, wDim));
  const meanW = g.stat('mapping.wAvg', [wDim], 0);
  const mapping: Layer = (x, ctx) => {
    // Only z is normalised: the class weights join after.
    const z = tf.slice(x, [0, 0], [-1, wDim]);
    let h = tf.mul(z, tf.rsqrt(tf.add(tf.mean(tf.square(z), 1, true), 1e-8)));
    if (m.classes > 0) h = tf.concat([h, tf.slice(x, [0, wDim], [-1, m.classes])], 1);
    for (const layer of layers) h = lrelu(layer(h, ctx));
    if (ctx.training && ctx.statUpdates) ctx.statUpdates.push([meanW, tf.keep(tf.add(tf.mul(meanW, W_AVG_BETA), tf.mul(tf.mean(h, 0), 1 - W_AVG_BETA)))]);
    return h;
  };

  const constant = g.normal('const', [1, 4, 4, ch(4)], 0, 1);
  const convs: { r: number; conv: ReturnType<typeof modulatedConv> }[] = [];
  for (let r = 4; r <= size; r *= 2) {
    convs.push({ r, conv: modulatedConv(g, `conv${r}a`, 3, r === 4 ? ch(4) : ch(r / 2), ch(r), wDim, true) });
    convs.push({ r, conv: modulatedConv(g, `conv${r}b`, 3, ch(r), ch(r), wDim, true) });
  }
  const toPicture = modulatedConv(g, 'toPicture', 1, ch(size), m.channels, wDim, false);
  const synthesis: Layer = (w, ctx) => {
    let x: tf.Tensor = tf.tile(constant, [w.shape[0], 1, 1, 1]);
    for (const { r, conv } of convs) {
      if (x.shape[1]! < r) x = upsample2x(x, ctx);
      x = lrelu(conv(x, w));
    }
    return tf.tanh(toPicture(x, w));
  };

  return {
    generator: network(g, [mapping], [synthesis]),
    discriminator: dcganDiscriminator(m, rng),
    imageShape: [size, size, m.channels],
    latentDim: wDim,
    classes: m.classes,
    style: { mapping, synthesis, meanW },
  };
}
