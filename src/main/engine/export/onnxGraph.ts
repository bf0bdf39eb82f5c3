/**
 * An ONNX graph run with tfjs ops, so that a generator made elsewhere (a PyTorch DCGAN exported to ONNX, or one of
 * ours) draws on any of our backends and stays differentiable (inversion needs its gradient). It covers the ops such
 * generators are made of; any other is refused by name when the model is opened. Layouts are ONNX's: NCHW for
 * convolutions, batch norm and pooling, numpy broadcasting elsewhere.
 */
import { onnx } from 'onnx-proto';
import * as tf from '../runtime/tf';

type Node = onnx.INodeProto;
type Attrs = Record<string, onnx.IAttributeProto>;

const DataType = onnx.TensorProto.DataType;

/** A decoded initializer or Constant: float32 or int32 (ONNX's int64 shapes and indices fit). */
function tensorOf(t: onnx.ITensorProto): tf.Tensor {
  const dims = (t.dims ?? []).map(Number);
  const raw = t.rawData && t.rawData.length > 0 ? Buffer.from(t.rawData) : undefined;
  switch (t.dataType) {
    case DataType.FLOAT: {
      const values = raw ? new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)) : Float32Array.from(t.floatData ?? []);
      return tf.tensor(values, dims, 'float32');
    }
    case DataType.INT64: {
      const values = raw ? Array.from(new BigInt64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)), Number) : (t.int64Data ?? []).map(Number);
      return tf.tensor(Int32Array.from(values, (v) => Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, v))), dims, 'int32');
    }
    case DataType.INT32: {
      const values = raw ? new Int32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)) : Int32Array.from(t.int32Data ?? []);
      return tf.tensor(values, dims, 'int32');
    }
    default:
      throw new Error(`tensor '${t.name ?? ''}' is of ONNX type ${t.dataType}: only float32, int32 and int64 are read`);
  }
}

const ints = (t: tf.Tensor): number[] => Array.from(t.dataSync(), Number);
const attrInts = (a: Attrs, name: string, fallback: number[]): number[] => (a[name]?.ints?.length ? a[name].ints!.map(Number) : fallback);
const attrInt = (a: Attrs, name: string, fallback: number): number => (a[name]?.i !== undefined && a[name]?.i !== null ? Number(a[name].i) : fallback);
const attrFloat = (a: Attrs, name: string, fallback: number): number => a[name]?.f ?? fallback;
const attrString = (a: Attrs, name: string, fallback: string): string => (a[name]?.s?.length ? Buffer.from(a[name].s!).toString() : fallback);
const axisOf = (axis: number, rank: number): number => (axis < 0 ? axis + rank : axis);

/** NCHW ↔ NHWC around tfjs's channels-last convolutions. */
const toNhwc = (x: tf.Tensor): tf.Tensor4D => tf.transpose(x, [0, 2, 3, 1]) as tf.Tensor4D;
const toNchw = (x: tf.Tensor): tf.Tensor => tf.transpose(x, [0, 3, 1, 2]);
/** ONNX's [out, in, kh, kw] (ConvTranspose: [in, out, kh, kw]) as tfjs's [kh, kw, in, out] ([kh, kw, out, in]). */
const filterOf = (w: tf.Tensor): tf.Tensor4D => tf.transpose(w, [2, 3, 1, 0]) as tf.Tensor4D;

function conv(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor | undefined, a: Attrs): tf.Tensor {
  if (attrInt(a, 'group', 1) !== 1) throw new Error('Conv with groups is not supported');
  const [kh, kw] = w.shape.slice(2);
  const strides = attrInts(a, 'strides', [1, 1]) as [number, number];
  const dilations = attrInts(a, 'dilations', [1, 1]) as [number, number];
  const [top, left, bottom, right] = explicitPads(a, x.shape.slice(2) as number[], [kh, kw], strides, false);
  const padded = tf.pad(toNhwc(x), [[0, 0], [top, bottom], [left, right], [0, 0]]);
  const y = tf.conv2d(padded as tf.Tensor4D, filterOf(w), strides, 'valid', 'NHWC', dilations);
  return toNchw(b ? tf.add(y, b) : y);
}

/** A transposed convolution as the full ('valid') one, then cut by its pads and grown by output_padding. */
function convTranspose(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor | undefined, a: Attrs): tf.Tensor {
  if (attrInt(a, 'group', 1) !== 1 || attrInts(a, 'dilations', [1, 1]).some((d) => d !== 1)) throw new Error('ConvTranspose with groups or dilations is not supported');
  const [n, , h, wd] = x.shape as number[];
  const [, cout, kh, kw] = w.shape as number[];
  const [sh, sw] = attrInts(a, 'strides', [1, 1]);
  const [fullH, fullW] = [(h - 1) * sh + kh, (wd - 1) * sw + kw];
  const [top, left, bottom, right] = explicitPads(a, [h, wd], [kh, kw], [sh, sw], true);
  const [extraH, extraW] = attrInts(a, 'output_padding', [0, 0]);
  const full = tf.conv2dTranspose(toNhwc(x), filterOf(w), [n, fullH, fullW, cout], [sh, sw], 'valid');
  // output_padding adds rows and columns past the end, where no input reaches (zeros before the bias).
  const grown = tf.pad(full, [[0, 0], [0, Math.max(0, extraH - bottom)], [0, Math.max(0, extraW - right)], [0, 0]]);
  const [outH, outW] = [fullH - top - bottom + extraH, fullW - left - right + extraW];
  const y = tf.slice(grown, [0, top, left, 0], [n, outH, outW, cout]);
  return toNchw(b ? tf.add(y, b) : y);
}

/** [top, left, bottom, right] from pads or auto_pad (SAME_UPPER / SAME_LOWER / VALID). */
function explicitPads(a: Attrs, size: number[], kernel: number[], strides: number[], transposed: boolean): number[] {
  const auto = attrString(a, 'auto_pad', 'NOTSET');
  if (auto === 'NOTSET') {
    const p = attrInts(a, 'pads', [0, 0, 0, 0]);
    return [p[0], p[1], p[2], p[3]];
  }
  if (auto === 'VALID') return [0, 0, 0, 0];
  const total = size.map((s, d) => (transposed ? Math.max(0, kernel[d] - strides[d]) : Math.max(0, (Math.ceil(s / strides[d]) - 1) * strides[d] + kernel[d] - s)));
  const small = total.map((t) => (auto === 'SAME_UPPER' ? Math.floor(t / 2) : Math.ceil(t / 2)));
  return [small[0], small[1], total[0] - small[0], total[1] - small[1]];
}

function resize(x: tf.Tensor, inputs: (tf.Tensor | undefined)[], a: Attrs): tf.Tensor {
  const mode = attrString(a, 'mode', 'nearest');
  const transform = attrString(a, 'coordinate_transformation_mode', 'half_pixel');
  const shape = x.shape as number[];
  const sizes = inputs[3] && inputs[3].size > 0 ? ints(inputs[3]) : ints(tf.tidy(() => tf.cast(tf.round(tf.mul(tf.tensor1d(shape), inputs[2]!)), 'int32')));
  const scaled = sizes.map((s, d) => s !== shape[d]);
  if (shape.length !== 4 || scaled[0]) throw new Error(`Resize of a ${shape.length}-D tensor over its batch axis is not supported`);
  // NCHW (axes 2, 3 scaled) or NHWC (axes 1, 2)
  const nchw = !scaled[1];
  const nhwc = nchw ? toNhwc(x) : (x as tf.Tensor4D);
  const size: [number, number] = nchw ? [sizes[2], sizes[3]] : [sizes[1], sizes[2]];
  const alignCorners = transform === 'align_corners';
  const halfPixel = transform === 'half_pixel' || transform === 'pytorch_half_pixel';
  const y = mode === 'nearest' ? tf.image.resizeNearestNeighbor(nhwc, size, alignCorners, halfPixel) : tf.image.resizeBilinear(nhwc, size, alignCorners, halfPixel);
  return nchw ? toNchw(y) : y;
}

type Op = (inputs: (tf.Tensor | undefined)[], a: Attrs, node: Node) => tf.Tensor | tf.Tensor[];

const OPS: Record<string, Op> = {
  Identity: ([x]) => tf.clone(x!),
  Relu: ([x]) => tf.relu(x!),
  Sigmoid: ([x]) => tf.sigmoid(x!),
  Tanh: ([x]) => tf.tanh(x!),
  LeakyRelu: ([x], a) => tf.leakyRelu(x!, attrFloat(a, 'alpha', 0.01)),
  Sqrt: ([x]) => tf.sqrt(x!),
  Reciprocal: ([x]) => tf.reciprocal(x!),
  Neg: ([x]) => tf.neg(x!),
  Exp: ([x]) => tf.exp(x!),
  Abs: ([x]) => tf.abs(x!),
  Add: ([x, y]) => tf.add(x!, y!),
  Sub: ([x, y]) => tf.sub(x!, y!),
  Mul: ([x, y]) => tf.mul(x!, y!),
  Div: ([x, y]) => (x!.dtype === 'int32' ? tf.floorDiv(x!, y!) : tf.div(x!, y!)),
  Max: ([x, y]) => tf.maximum(x!, y!),
  Min: ([x, y]) => tf.minimum(x!, y!),
  MatMul: ([x, y]) => tf.matMul(x!, y!),
  Gemm: ([x, y, c], a) => {
    const product = tf.mul(tf.matMul(x!, y!, attrInt(a, 'transA', 0) === 1, attrInt(a, 'transB', 0) === 1), attrFloat(a, 'alpha', 1));
    return c ? tf.add(product, tf.mul(c, attrFloat(a, 'beta', 1))) : product;
  },
  Reshape: ([x, shape]) => {
    const target = ints(shape!).map((d, i) => (d === 0 ? x!.shape[i] : d));
    return tf.reshape(x!, target);
  },
  Flatten: ([x], a) => {
    const axis = axisOf(attrInt(a, 'axis', 1), x!.rank);
    const outer = x!.shape.slice(0, axis).reduce((p, d) => p * d, 1);
    return tf.reshape(x!, [outer, -1]);
  },
  Unsqueeze: ([x, axesInput], a) => {
    const axes = axesInput ? ints(axesInput) : attrInts(a, 'axes', []);
    const rank = x!.rank + axes.length;
    const shape = [...x!.shape];
    for (const axis of axes.map((d) => axisOf(d, rank)).sort((p, q) => p - q)) shape.splice(axis, 0, 1);
    return tf.reshape(x!, shape);
  },
  Squeeze: ([x, axesInput], a) => {
    const axes = axesInput ? ints(axesInput) : attrInts(a, 'axes', []);
    return tf.squeeze(x!, axes.length ? axes.map((d) => axisOf(d, x!.rank)) : undefined);
  },
  Transpose: ([x], a) => tf.transpose(x!, attrInts(a, 'perm', [...x!.shape.keys()].reverse())),
  Concat: (xs, a) => tf.concat(xs as tf.Tensor[], attrInt(a, 'axis', 0)),
  Shape: ([x]) => tf.tensor1d(x!.shape as number[], 'int32'),
  Gather: ([x, indices], a) => tf.gather(x!, tf.cast(indices!, 'int32'), axisOf(attrInt(a, 'axis', 0), x!.rank)),
  Cast: ([x], a) => (attrInt(a, 'to', DataType.FLOAT) === DataType.FLOAT ? tf.cast(x!, 'float32') : tf.cast(x!, 'int32')),
  Tile: ([x, repeats]) => tf.tile(x!, ints(repeats!)),
  Pad: ([x, pads, value], a) => {
    if (attrString(a, 'mode', 'constant') !== 'constant') throw new Error('Pad modes other than constant are not supported');
    const p = ints(pads!);
    const rank = x!.rank;
    return tf.pad(x!, Array.from({ length: rank }, (_, d) => [p[d], p[d + rank]] as [number, number]), value ? ints(tf.cast(value, 'float32'))[0] : 0);
  },
  Slice: ([x, starts, ends, axesInput, stepsInput]) => {
    const rank = x!.rank;
    const axes = axesInput ? ints(axesInput).map((d) => axisOf(d, rank)) : [...ints(starts!).keys()];
    const steps = stepsInput ? ints(stepsInput) : axes.map(() => 1);
    if (steps.some((s) => s !== 1)) throw new Error('Slice with steps other than 1 is not supported');
    const begin = new Array<number>(rank).fill(0);
    const size = [...x!.shape] as number[];
    ints(starts!).forEach((s, i) => {
      const d = axes[i];
      const dim = x!.shape[d] as number;
      const from = Math.min(dim, Math.max(0, s < 0 ? s + dim : s));
      const e = ints(ends!)[i];
      const to = Math.min(dim, Math.max(0, e < 0 ? e + dim : e));
      begin[d] = from;
      size[d] = Math.max(0, to - from);
    });
    return tf.slice(x!, begin, size);
  },
  Split: ([x, splitInput], a, node) => {
    const axis = axisOf(attrInt(a, 'axis', 0), x!.rank);
    const parts = splitInput ? ints(splitInput) : attrInts(a, 'split', []);
    return tf.split(x!, parts.length ? parts : (node.output ?? []).length, axis);
  },
  ReduceMean: ([x, axesInput], a) => tf.mean(x!, axesInput ? ints(axesInput) : attrInts(a, 'axes', []).length ? attrInts(a, 'axes', []) : undefined, attrInt(a, 'keepdims', 1) === 1),
  ReduceSum: ([x, axesInput], a) => tf.sum(x!, axesInput ? ints(axesInput) : attrInts(a, 'axes', []).length ? attrInts(a, 'axes', []) : undefined, attrInt(a, 'keepdims', 1) === 1),
  Resize: (inputs, a) => resize(inputs[0]!, inputs, a),
  Upsample: ([x, scales], a) => resize(x!, [x, undefined, scales, undefined], { ...a, coordinate_transformation_mode: { s: Buffer.from('asymmetric') } }),
  BatchNormalization: ([x, scale, bias, mean, variance], a) => {
    // over axis 1: the per-channel vectors broadcast as [C, 1, 1]
    const along = (v: tf.Tensor): tf.Tensor => tf.reshape(v, [v.size, ...new Array<number>(x!.rank - 2).fill(1)]);
    const inv = tf.div(along(scale!), tf.sqrt(tf.add(along(variance!), attrFloat(a, 'epsilon', 1e-5))));
    return tf.add(tf.mul(tf.sub(x!, along(mean!)), inv), along(bias!));
  },
  Conv: ([x, w, b], a) => conv(x!, w!, b, a),
  ConvTranspose: ([x, w, b], a) => convTranspose(x!, w!, b, a),
};

export interface OnnxGraph {
  inputs: { name: string; shape: (number | string)[] }[];
  outputs: { name: string; shape: (number | string)[] }[];
  /** Runs the graph on named inputs (inside the caller's tidy); the first output. */
  run(feeds: Record<string, tf.Tensor>): tf.Tensor;
  dispose(): void;
}

const dimsOf = (v: onnx.IValueInfoProto): (number | string)[] => (v.type?.tensorType?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : d.dimValue !== undefined && d.dimValue !== null ? Number(d.dimValue) : '?'));

/** Reads an ONNX model's bytes; refuses, by name, an op this interpreter does not run. */
export function openOnnxGraph(bytes: Uint8Array, file: string): OnnxGraph {
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new Error(`'${file}' is not an ONNX model: ${(err as Error).message}`);
  }
  const graph = model.graph;
  if (!graph) throw new Error(`'${file}' holds no ONNX graph`);
  const nodes = graph.node ?? [];
  const unknown = [...new Set(nodes.map((n) => n.opType ?? '').filter((op) => op !== 'Constant' && !OPS[op]))];
  if (unknown.length) throw new Error(`'${file}' uses ONNX ops GAN Studio cannot run: ${unknown.join(', ')}`);
  const constants = new Map<string, tf.Tensor>();
  for (const init of graph.initializer ?? []) constants.set(init.name!, tf.keep(tensorOf(init)));
  for (const node of nodes.filter((n) => n.opType === 'Constant')) {
    const value = (node.attribute ?? []).find((a) => a.name === 'value')?.t;
    if (!value) throw new Error(`'${file}': a Constant without a tensor value is not supported`);
    constants.set(node.output![0], tf.keep(tensorOf(value)));
  }
  const initialised = new Set(constants.keys());
  const inputs = (graph.input ?? []).filter((i) => !initialised.has(i.name!)).map((i) => ({ name: i.name!, shape: dimsOf(i) }));
  const outputs = (graph.output ?? []).map((o) => ({ name: o.name!, shape: dimsOf(o) }));
  return {
    inputs,
    outputs,
    run(feeds) {
      const values = new Map<string, tf.Tensor>([...constants, ...Object.entries(feeds)]);
      for (const node of nodes) {
        if (node.opType === 'Constant') continue;
        const attrs = Object.fromEntries((node.attribute ?? []).map((a) => [a.name!, a]));
        const ins = (node.input ?? []).map((name) => (name === '' ? undefined : values.get(name)));
        const missing = (node.input ?? []).find((name, i) => name !== '' && !ins[i]);
        if (missing) throw new Error(`'${file}': node ${node.name ?? node.opType} reads '${missing}', which nothing computes`);
        const out = OPS[node.opType!](ins, attrs, node);
        (Array.isArray(out) ? out : [out]).forEach((t, i) => values.set(node.output![i], t));
      }
      const result = values.get(outputs[0].name);
      if (!result) throw new Error(`'${file}': its output '${outputs[0].name}' is never computed`);
      return result;
    },
    dispose: () => tf.dispose([...constants.values()]),
  };
}
