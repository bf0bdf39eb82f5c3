/**
 * The few layers our GANs are made of, as plain functions over named variables. We keep the variables
 * ourselves (not tf.layers) so that the trainer updates exactly the lists it names and a checkpoint holds
 * every tensor by a stable name.
 */
import * as tf from '../runtime/tf';
import type { Rng } from '../training/rng';
import { outsideTape } from '../training/tapePause';
import { batchNormTraining } from './batchNormTraining';
import { nativeKeepMask } from '../runtime/kernels/nativeDropout';

/** Per-call state of a forward pass: training or inference, where dropout draws its seeds, BN updates. */
export interface ForwardContext {
  training: boolean;
  rng: Rng;
  /**
   * Where BatchNorm in training mode puts its running-statistics updates, for the caller to assign after the
   * step; absent when this forward should not move the statistics.
   */
  statUpdates?: [tf.Variable, tf.Tensor][];
}

export function inferenceContext(rng: Rng): ForwardContext {
  return { training: false, rng };
}

/** Applies (and frees) the BatchNorm running-statistics updates a training forward collected. */
export function applyStatUpdates(ctx: ForwardContext): void {
  for (const [variable, value] of ctx.statUpdates ?? []) {
    variable.assign(value);
    value.dispose();
  }
  ctx.statUpdates = [];
}

export type Layer = (x: tf.Tensor, ctx: ForwardContext) => tf.Tensor;

/**
 * Owns a network's variables: trainable weights and BatchNorm running statistics (and spectral norm's power-iteration
 * vectors), each by a stable name. With `spectralNorm` every convolution and dense layer it builds divides its weight
 * by the weight's largest singular value, and its BatchNorm layers are left out (as SNGAN's D has none).
 */
export class ParamStore {
  readonly trainable = new Map<string, tf.Variable>();
  readonly stats = new Map<string, tf.Variable>();

  constructor(private readonly rng: Rng, readonly spectralNorm = false) {}

  /** N(mean, std) initialisation from the run's own random source (DCGAN: N(0, 0.02)). */
  normal(name: string, shape: number[], mean = 0, std = 0.02): tf.Variable {
    const n = shape.reduce((a, b) => a * b, 1);
    const values = this.rng.normals(n).map((v) => mean + std * v);
    return this.add(this.trainable, name, tf.tensor(values, shape));
  }

  zeros(name: string, shape: number[]): tf.Variable {
    return this.add(this.trainable, name, tf.zeros(shape));
  }

  stat(name: string, shape: number[], value: number): tf.Variable {
    return this.add(this.stats, name, tf.fill(shape, value), false);
  }

  /** A non-trainable unit vector of N(0, 1) direction (spectral norm's u). */
  unitStat(name: string, length: number): tf.Variable {
    const v = this.rng.normals(length);
    const norm = Math.hypot(...v) || 1;
    return this.add(this.stats, name, tf.tensor1d(v.map((x) => x / norm)), false);
  }

  private add(into: Map<string, tf.Variable>, name: string, init: tf.Tensor, trainable = true): tf.Variable {
    if (this.trainable.has(name) || this.stats.has(name)) throw new Error(`duplicate parameter name '${name}'`);
    const v = tf.variable(init, trainable);
    init.dispose();
    into.set(name, v);
    return v;
  }

  dispose(): void {
    for (const v of [...this.trainable.values(), ...this.stats.values()]) v.dispose();
  }
}

export function dense(p: ParamStore, name: string, inDim: number, outDim: number, bias = true): Layer {
  const w = weightOf(p, name, [inDim, outDim]);
  const b = bias ? p.zeros(`${name}.bias`, [outDim]) : undefined;
  return (x, ctx) => {
    const y = tf.matMul(x as tf.Tensor2D, w(ctx) as tf.Tensor2D);
    return b ? tf.add(y, b) : y;
  };
}

/** A layer's weight (its last axis the outputs) as the forward uses it: itself, or spectrally normalised. */
function weightOf(p: ParamStore, name: string, shape: number[]): (ctx: ForwardContext) => tf.Tensor {
  const w = p.normal(`${name}.weight`, shape);
  return p.spectralNorm ? spectrallyNormalised(w, p.unitStat(`${name}.sn.u`, shape[shape.length - 1])) : () => w;
}

/**
 * W / σ(W), σ the largest singular value of W as a (fan-in × outputs) matrix, estimated by one power iteration per
 * forward from the kept vector u (Miyato et al. 2018). u and v are constants to the gradient; a forward that moves
 * running statistics also moves u.
 */
export function spectrallyNormalised(w: tf.Variable, u: tf.Variable): (ctx: ForwardContext) => tf.Tensor {
  const outputs = u.shape[0];
  return (ctx) => {
    const matrix = tf.reshape(w, [-1, outputs]) as tf.Tensor2D;
    const [v, uNext] = outsideTape(() => {
      const v = l2Normalise(tf.matMul(matrix, tf.reshape(u, [outputs, 1])));
      return [v, l2Normalise(tf.matMul(matrix, v, true, false))];
    });
    const sigma = tf.sum(tf.mul(tf.matMul(matrix, uNext), v));
    if (ctx.training && ctx.statUpdates) ctx.statUpdates.push([u, tf.keep(tf.reshape(uNext, [outputs]))]);
    return tf.div(w, sigma);
  };
}

const l2Normalise = (x: tf.Tensor2D): tf.Tensor2D => tf.div(x, tf.add(tf.norm(x), 1e-12));

type Pad = 'same' | 'valid';

export function conv2d(p: ParamStore, name: string, k: number, cin: number, cout: number, stride: number, pad: Pad, bias = true): Layer {
  const w = weightOf(p, name, [k, k, cin, cout]);
  const b = bias ? p.zeros(`${name}.bias`, [cout]) : undefined;
  return (x, ctx) => {
    const y = tf.conv2d(x as tf.Tensor4D, w(ctx) as tf.Tensor4D, stride, pad);
    return b ? tf.add(y, b) : y;
  };
}

/** Transposed convolution with TensorFlow's 'same' geometry: out = in × stride (k4 s2 'same' = PyTorch's k4 s2 p1). */
export function conv2dTranspose(p: ParamStore, name: string, k: number, cin: number, cout: number, stride: number, bias = true): Layer {
  const w = p.normal(`${name}.weight`, [k, k, cout, cin]);
  const b = bias ? p.zeros(`${name}.bias`, [cout]) : undefined;
  return (x) => {
    const [n, h, wd] = x.shape;
    const y = tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [n, h * stride, wd * stride, cout], stride, 'same');
    return b ? tf.add(y, b) : y;
  };
}

/**
 * Batch normalisation over every axis but the last. `momentum` is Keras's: the share of the old running value
 * kept at each update (PyTorch's momentum 0.1 is Keras's 0.9).
 */
export function batchNorm(p: ParamStore, name: string, channels: number, momentum: number, epsilon: number): Layer {
  if (p.spectralNorm) return (x) => x; // spectral norm replaces it
  const gamma = p.normal(`${name}.gamma`, [channels], 1, 0.02);
  const beta = p.zeros(`${name}.beta`, [channels]);
  const runMean = p.stat(`${name}.runningMean`, [channels], 0);
  const runVar = p.stat(`${name}.runningVar`, [channels], 1);
  /** Queues the running statistics' update (when this forward moves them) from the batch's mean and unbiased variance. */
  const track = (ctx: ForwardContext, mean: tf.Tensor, unbiased: tf.Tensor): void => {
    ctx.statUpdates?.push(
      [runMean, tf.keep(tf.add(tf.mul(runMean, momentum), tf.mul(mean, 1 - momentum)))],
      [runVar, tf.keep(tf.add(tf.mul(runVar, momentum), tf.mul(unbiased, 1 - momentum)))],
    );
  };
  return (x, ctx) => {
    if (!ctx.training) return tf.batchNorm(x, runMean, runVar, beta, gamma, epsilon);
    const { y, mean, variance } = batchNormTraining(x, gamma, beta, epsilon);
    track(ctx, mean, variance);
    tf.dispose([mean, variance]);
    return y;
  };
}

export const relu: Layer = (x) => tf.relu(x);
export const tanh: Layer = (x) => tf.tanh(x);
export const leakyRelu = (alpha: number): Layer => (x) => tf.leakyRelu(x, alpha);

/** Inverted dropout; on the native backend TensorFlow draws the mask (nativeKeepMask), elsewhere tfjs does. */
export const dropout = (rate: number): Layer => (x, ctx) => {
  if (!ctx.training || rate <= 0) return x;
  const seed = ctx.rng.nextUint32();
  return tf.tidy(() => {
    const keep = nativeKeepMask(x.shape, rate, seed);
    return keep ? tf.mul(x, tf.div(keep, 1 - rate)) : tf.dropout(x, rate, undefined, seed);
  });
};

export const reshape = (shape: number[]): Layer => (x) => tf.reshape(x, [x.shape[0], ...shape]);
export const flatten: Layer = (x) => tf.reshape(x, [x.shape[0], -1]);

/** Nearest-neighbour ×2 upsampling (Keras UpSampling2D). */
export const upsample2x: Layer = (x) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [x.shape[1]! * 2, x.shape[2]! * 2]);

/** 2×2 average pooling as a reshape and a mean: differentiable with core ops on every backend. */
export const averagePool2x: Layer = (x) => {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  return tf.mean(tf.reshape(x, [n, h / 2, 2, w / 2, 2, c]), [2, 4]);
};

/** Zero rows/columns after the image (Keras ZeroPadding2D(((0, 1), (0, 1))). */
export const padBottomRight: Layer = (x) => tf.pad(x, [[0, 0], [0, 1], [0, 1], [0, 0]]);

/**
 * Minibatch standard deviation (Karras et al. 2018): one more feature (a channel for pictures) holding how much the
 * samples of a group differ — their std over the group, averaged over every feature — so D can see a batch without
 * variety. Groups of 4 where the batch divides (else 2, else 1), as StyleGAN does.
 */
export const minibatchStd: Layer = (x) => {
  const n = x.shape[0];
  const group = [4, 2, 1].find((g) => n % g === 0)!;
  const rest = x.shape.slice(1);
  const grouped = tf.reshape(x, [group, n / group, ...rest]);
  const centred = tf.sub(grouped, tf.mean(grouped, 0, true));
  const std = tf.sqrt(tf.add(tf.mean(tf.square(centred), 0), 1e-8)); // (n / group) × rest
  const perSample = tf.tile(tf.mean(tf.reshape(std, [n / group, -1]), 1, true), [group, 1]); // n × 1: sample i gets group member i mod n/group
  const extra = rest.length === 3 ? tf.tile(tf.reshape(perSample, [n, 1, 1, 1]), [1, rest[0], rest[1], 1]) : perSample;
  return tf.concat([x, extra], rest.length === 3 ? 3 : 1);
};

export function sequential(...layers: Layer[]): Layer {
  return (x, ctx) => layers.reduce((h, layer) => layer(h, ctx), x);
}
