/**
 * The few layers our GANs are made of, as plain functions over named variables. We keep the variables
 * ourselves (not tf.layers) so that the trainer updates exactly the lists it names and a checkpoint holds
 * every tensor by a stable name.
 */
import * as tf from '../runtime/tf';
import type { Rng } from '../training/rng';
import { batchNormTraining } from './batchNormTraining';

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

/** Owns a network's variables: trainable weights and BatchNorm running statistics, each by a stable name. */
export class ParamStore {
  readonly trainable = new Map<string, tf.Variable>();
  readonly stats = new Map<string, tf.Variable>();

  constructor(private readonly rng: Rng) {}

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
  const w = p.normal(`${name}.weight`, [inDim, outDim]);
  const b = bias ? p.zeros(`${name}.bias`, [outDim]) : undefined;
  return (x) => (b ? tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b) : tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D));
}

type Pad = 'same' | 'valid';

export function conv2d(p: ParamStore, name: string, k: number, cin: number, cout: number, stride: number, pad: Pad, bias = true): Layer {
  const w = p.normal(`${name}.weight`, [k, k, cin, cout]);
  const b = bias ? p.zeros(`${name}.bias`, [cout]) : undefined;
  return (x) => {
    const y = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pad);
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

export const dropout = (rate: number): Layer => (x, ctx) =>
  ctx.training && rate > 0 ? tf.dropout(x, rate, undefined, ctx.rng.nextUint32()) : x;

export const reshape = (shape: number[]): Layer => (x) => tf.reshape(x, [x.shape[0], ...shape]);
export const flatten: Layer = (x) => tf.reshape(x, [x.shape[0], -1]);

/** Nearest-neighbour ×2 upsampling (Keras UpSampling2D). */
export const upsample2x: Layer = (x) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [x.shape[1]! * 2, x.shape[2]! * 2]);

/** Zero rows/columns after the image (Keras ZeroPadding2D(((0, 1), (0, 1))). */
export const padBottomRight: Layer = (x) => tf.pad(x, [[0, 0], [0, 1], [0, 1], [0, 0]]);

export function sequential(...layers: Layer[]): Layer {
  return (x, ctx) => layers.reduce((h, layer) => layer(h, ctx), x);
}
