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
 */
import type { ModelConfig } from '../../../shared/config/schema';
import type { Rng } from '../training/rng';
import * as tf from '../runtime/tf';
import { dcganDiscriminator } from './dcgan';
import { ParamStore, upsample2x, type Layer } from './layers';
import { network, type Gan } from './network';

const MAPPING_LAYERS = 4;
const W_AVG_BETA = 0.995;

/** A dense layer with He initialisation (the mapping network keeps its signal's scale through its depth). */
function heDense(p: ParamStore, name: string, inDim: number, outDim: number): Layer {
  const w = p.normal(`${name}.weight`, [inDim, outDim], 0, Math.sqrt(2 / inDim));
  const b = p.zeros(`${name}.bias`, [outDim]);
  return (x) => tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b);
}

/**
 * A convolution whose input channels are scaled per sample by an affine map of w; with `demodulate`, each output
 * channel is divided by the norm its scaled weights have (StyleGAN2's demodulation, done on the activations: the
 * same as scaling the weights, one shared convolution for the batch).
 */
export function modulatedConv(p: ParamStore, name: string, k: number, cin: number, cout: number, wDim: number, demodulate: boolean): (x: tf.Tensor, w: tf.Tensor) => tf.Tensor {
  const weight = p.normal(`${name}.weight`, [k, k, cin, cout]);
  const affine = p.normal(`${name}.style.weight`, [wDim, cin], 0, 1 / Math.sqrt(wDim));
  const styleBias = p.normal(`${name}.style.bias`, [cin], 1, 0); // styles start at 1
  const bias = p.zeros(`${name}.bias`, [cout]);
  return (x, w) => {
    const n = x.shape[0];
    const s = tf.add(tf.matMul(w as tf.Tensor2D, affine as tf.Tensor2D), styleBias); // n × cin
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

  const layers = Array.from({ length: MAPPING_LAYERS }, (_, i) => heDense(g, `mapping${i + 1}`, i === 0 ? wDim + m.classes : wDim, wDim));
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
