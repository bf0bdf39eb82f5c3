/**
 * The FastGAN shape (Liu et al. 2021, "Towards Faster and Stabilized GAN Training for High-fidelity Few-shot Image
 * Synthesis"; lucidrains' lightweight-gan), made for 100–1,000 pictures on modest hardware, here at 32–128 px.
 * G: z → 4×4 (a dense projection, BN, GLU), then up-blocks (×2 nearest, 3×3 conv to twice the channels, BN, GLU; a
 * second conv like that in every other block), and skip-layer excitation: from 32 px up each map is gated
 * channel-wise by a small early map (pooled to 4×4, 4×4 conv, Swish, 1×1 conv, sigmoid), so coarse layers steer fine
 * ones with one multiplication. Then a 3×3 conv to the picture, tanh.
 * D: a 4×4 stride-2 conv, then down-blocks of two averaged paths (4×4 stride-2 conv, BN, LeakyReLU, 3×3 conv, BN,
 * LeakyReLU | 2×2 average pooling, 1×1 conv, BN, LeakyReLU) to 4×4, a 1×1 conv, BN, LeakyReLU and a 4×4 conv to one
 * logit. On real pictures D is also self-supervised: two small decoders rebuild, from its 8×8 features, the whole
 * picture at half size and one random quarter of it (from that quarter's features), and their mean squared error
 * joins D's loss (lightweight-gan's choice; the paper's LPIPS needs weights we cannot ship).
 * Noise injection and D's own excitation layers are left out (measured small gains in the paper, a cost on a CPU).
 * `width` is FastGAN's ngf = ndf: channels at r px are width × {4: 16, 8: 8, 16: 4, 32: 2, 64: 2, 128: 1}.
 */
import type { ModelConfig } from '../../../shared/config/schema';
import type { Rng } from '../training/rng';
import * as tf from '../runtime/tf';
import { ParamStore, averagePool2x, batchNorm, conv2d, dense, flatten, leakyRelu, minibatchStd, reshape, sequential, tanh, upsample2x, type ForwardContext, type Layer } from './layers';
import type { Gan, Network } from './network';

const EPS = 1e-5;
const MULTIPLIER: Record<number, number> = { 4: 16, 8: 8, 16: 4, 32: 2, 64: 2, 128: 1 };

/** Gated linear unit over channels: the first half times the sigmoid of the second. */
const glu: Layer = (x) => {
  const [a, b] = tf.split(x, 2, 3);
  return tf.mul(a, tf.sigmoid(b));
};
const swish: Layer = (x) => tf.mul(x, tf.sigmoid(x));

/** conv (to twice `cout`), BN, GLU: `cout` channels out. */
function convGlu(p: ParamStore, name: string, cin: number, cout: number, momentum: number): Layer {
  return sequential(conv2d(p, name, 3, cin, 2 * cout, 1, 'same', false), batchNorm(p, `${name}.bn`, 2 * cout, momentum, EPS), glu);
}

function upBlock(p: ParamStore, name: string, cin: number, cout: number, momentum: number, twoConvs: boolean): Layer {
  return sequential(upsample2x, convGlu(p, `${name}.conv1`, cin, cout, momentum), ...(twoConvs ? [convGlu(p, `${name}.conv2`, cout, cout, momentum)] : []));
}

/** Skip-layer excitation: `big` gated channel-wise by what `small` (any size ≥ 4, a power of two) says. */
function excitation(p: ParamStore, name: string, cSmall: number, cBig: number): (small: tf.Tensor, big: tf.Tensor, ctx: ForwardContext) => tf.Tensor {
  const gate = sequential(conv2d(p, `${name}.conv1`, 4, cSmall, cBig, 1, 'valid', false), swish, conv2d(p, `${name}.conv2`, 1, cBig, cBig, 1, 'valid', false), (x) => tf.sigmoid(x));
  return (small, big, ctx) => {
    let pooled = small;
    while (pooled.shape[1]! > 4) pooled = averagePool2x(pooled, ctx);
    return tf.mul(big, gate(pooled, ctx));
  };
}

function downBlock(p: ParamStore, name: string, cin: number, cout: number, momentum: number): Layer {
  const main = sequential(
    conv2d(p, `${name}.conv1`, 4, cin, cout, 2, 'same', false), batchNorm(p, `${name}.bn1`, cout, momentum, EPS), leakyRelu(0.2),
    conv2d(p, `${name}.conv2`, 3, cout, cout, 1, 'same', false), batchNorm(p, `${name}.bn2`, cout, momentum, EPS), leakyRelu(0.2),
  );
  const direct = sequential(averagePool2x, conv2d(p, `${name}.skip`, 1, cin, cout, 1, 'same', false), batchNorm(p, `${name}.skip.bn`, cout, momentum, EPS), leakyRelu(0.2));
  return (x, ctx) => tf.mul(tf.add(main(x, ctx), direct(x, ctx)), 0.5);
}

/** A decoder from `from`×`from` features to `to`×`to` pictures of `c` channels: up-blocks halving the channels. */
function decoder(p: ParamStore, name: string, cin: number, from: number, to: number, c: number, momentum: number): Layer {
  const layers: Layer[] = [];
  let ch = cin;
  for (let r = from * 2, i = 1; r <= to; r *= 2, i++) {
    const next = Math.max(8, ch >> 1);
    layers.push(upBlock(p, `${name}.up${i}`, ch, next, momentum, false));
    ch = next;
  }
  return sequential(...layers, conv2d(p, `${name}.out`, 3, ch, c, 1, 'same'), tanh);
}

const meanSquaredError = (a: tf.Tensor, b: tf.Tensor): tf.Scalar => tf.mean(tf.squaredDifference(a, b));

/** Quarter q (0 top left, 1 top right, 2 bottom left, 3 bottom right) of a square map. */
export function quarter(x: tf.Tensor, q: number): tf.Tensor {
  const half = x.shape[1]! / 2;
  return tf.slice(x, [0, q >> 1 ? half : 0, q & 1 ? half : 0, 0], [-1, half, half, -1]);
}

export function buildFastgan(m: ModelConfig, rng: Rng): Gan {
  const size = m.imageSize;
  const c = m.channels;
  const ch = (r: number): number => Math.max(1, Math.round(MULTIPLIER[r] * m.width));
  return { generator: generator(m, rng, ch), discriminator: discriminator(m, rng, ch), imageShape: [size, size, c], latentDim: m.latentDim, classes: m.classes };
}

function generator(m: ModelConfig, rng: Rng, ch: (r: number) => number): Network {
  const size = m.imageSize;
  const g = new ParamStore(rng);
  const head = sequential(dense(g, 'project', m.latentDim + m.classes, 4 * 4 * 2 * ch(4), false), reshape([4, 4, 2 * ch(4)]), batchNorm(g, 'project.bn', 2 * ch(4), m.bnMomentum, EPS), glu);
  const ups = new Map<number, Layer>();
  const gates = new Map<number, { from: number; gate: ReturnType<typeof excitation> }>();
  for (let r = 8; r <= size; r *= 2) {
    ups.set(r, upBlock(g, `up${r}`, ch(r / 2), ch(r), m.bnMomentum, Math.log2(r) % 2 === 1));
    const from = Math.max(4, r / 16);
    if (r >= 32) gates.set(r, { from, gate: excitation(g, `sle${from}to${r}`, ch(from), ch(r)) });
  }
  const toPicture = sequential(conv2d(g, 'out', 3, ch(size), m.channels, 1, 'same'), tanh);
  const tail: Layer = (x, ctx) => {
    const maps = new Map<number, tf.Tensor>([[4, x]]);
    for (let r = 8; r <= size; r *= 2) {
      let y = ups.get(r)!(maps.get(r / 2)!, ctx);
      const sle = gates.get(r);
      if (sle) y = sle.gate(maps.get(sle.from)!, y, ctx);
      maps.set(r, y);
    }
    return toPicture(maps.get(size)!, ctx);
  };
  return { params: g, apply: (z, ctx) => tail(head(z, ctx), ctx), features: head };
}

function discriminator(m: ModelConfig, rng: Rng, ch: (r: number) => number): Network {
  const size = m.imageSize;
  const c = m.channels;
  const d = new ParamStore(rng, m.spectralNorm);
  const toEight: Layer[] = [conv2d(d, 'in', 4, c + m.classes, ch(size / 2), 2, 'same', false), leakyRelu(0.2)];
  for (let r = size / 2; r > 8; r /= 2) toEight.push(downBlock(d, `down${r / 2}`, ch(r), ch(r / 2), m.bnMomentum));
  const eight = sequential(...toEight);
  const head = sequential(
    downBlock(d, 'down4', ch(8), ch(4), m.bnMomentum),
    conv2d(d, 'judge', 1, ch(4), ch(4), 1, 'same', false), batchNorm(d, 'judge.bn', ch(4), m.bnMomentum, EPS), leakyRelu(0.2),
  );
  const std = m.minibatchStd ? 1 : 0;
  const tail = sequential(...(std ? [minibatchStd] : []), conv2d(d, 'out', 4, ch(4) + std, 1, 1, 'valid', false), flatten);
  // The decoders rebuild pictures of half the size: the whole from 8×8 features, a quarter from its 4×4.
  const whole = decoder(d, 'decodeWhole', ch(8), 8, size / 2, c, m.bnMomentum);
  const part = decoder(d, 'decodePart', ch(8), 4, size / 2, c, m.bnMomentum);

  const features: Layer = (x, ctx) => head(eight(x, ctx), ctx);
  return {
    params: d,
    apply: (x, ctx) => tail(features(x, ctx), ctx),
    features,
    selfSupervised(x: tf.Tensor, ctx: ForwardContext) {
      const f8 = eight(x, ctx);
      const out = tail(head(f8, ctx), ctx);
      const picture = x.shape[3] === c ? x : tf.slice(x, [0, 0, 0, 0], [-1, -1, -1, c]); // without a conditional D's label planes
      const q = ctx.rng.below(4);
      const loss: tf.Scalar = tf.add(meanSquaredError(averagePool2x(picture, ctx), whole(f8, ctx)), meanSquaredError(quarter(picture, q), part(quarter(f8, q), ctx)));
      return { out, loss };
    },
  };
}
