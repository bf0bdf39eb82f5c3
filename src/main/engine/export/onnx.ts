/**
 * A traced generator as an ONNX model (opset 17), encoded with onnx-proto's protobuf definitions. The graph stays in
 * the studio's NHWC layout: convolutions are wrapped in transposes to ONNX's NCHW (runtimes fold the pairs), BatchNorm
 * in inference mode becomes one per-channel scale and shift. The batch is symbolic ('batch').
 */
import { onnx } from 'onnx-proto';
import type { Source, TracedConstant, TracedGraph, TracedNode } from './trace';
import { foldedBatchNorm, samePadding, type ExportInfo } from './lowering';

const OPSET = 17;
const { TensorProto, AttributeProto } = onnx;

/** An int, ints, a string, or a float (always `{ f }`: a float that happens to be whole must stay a float). */
type Attr = number | number[] | string | { f: number };

class OnnxBuilder {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];
  private names = 0;

  fresh(prefix: string): string {
    return `${prefix}_${this.names++}`;
  }

  node(op: string, inputs: string[], attrs: Record<string, Attr> = {}, outputs = [this.fresh(op.toLowerCase())]): string[] {
    this.nodes.push({ opType: op, name: this.fresh(`${op}_node`), input: inputs, output: outputs, attribute: Object.entries(attrs).map(([name, v]) => attribute(name, v)) });
    return outputs;
  }

  one(op: string, inputs: string[], attrs: Record<string, Attr> = {}): string {
    return this.node(op, inputs, attrs)[0];
  }

  floats(values: Float32Array | number[], dims: number[], name = this.fresh('const')): string {
    const data = Float32Array.from(values);
    this.initializers.push({ name, dims, dataType: TensorProto.DataType.FLOAT, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
    return name;
  }

  int64s(values: number[], dims = [values.length]): string {
    const name = this.fresh('ints');
    this.initializers.push({ name, dims, dataType: TensorProto.DataType.INT64, int64Data: values });
    return name;
  }
}

function attribute(name: string, v: Attr): onnx.IAttributeProto {
  if (typeof v === 'string') return { name, type: AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(v) };
  if (typeof v === 'number') return { name, type: AttributeProto.AttributeType.INT, i: v };
  if (Array.isArray(v)) return { name, type: AttributeProto.AttributeType.INTS, ints: v };
  return { name, type: AttributeProto.AttributeType.FLOAT, f: v.f };
}

const UNARY: Record<string, string> = { Relu: 'Relu', Sigmoid: 'Sigmoid', Tanh: 'Tanh', Sqrt: 'Sqrt', Exp: 'Exp', Neg: 'Neg', Abs: 'Abs', Identity: 'Identity' };
const BINARY: Record<string, string> = { Add: 'Add', Sub: 'Sub', Multiply: 'Mul', RealDiv: 'Div', Maximum: 'Max', Minimum: 'Min' };
const NCHW = [0, 3, 1, 2];
const NHWC = [0, 2, 3, 1];

/** The traced graph as a serialised ONNX ModelProto. */
export function onnxModel(graph: TracedGraph, info: ExportInfo): Uint8Array {
  const b = new OnnxBuilder();
  // Constants become initializers when a node reads them as they are (BatchNorm's and filters' are rewritten).
  const constantNames = new Map<number, string>();
  const constantName = (i: number): string => {
    const c = graph.constants[i];
    if (!constantNames.has(i)) constantNames.set(i, c.values instanceof Float32Array ? b.floats(c.values, c.shape, `constant_${i}`) : b.int64s(Array.from(c.values), c.shape));
    return constantNames.get(i)!;
  };
  const outputNames: string[][] = [];
  const name = (s: Source): string => ('input' in s ? graph.inputs[s.input].name : 'node' in s ? outputNames[s.node][s.output] : constantName(s.constant));
  const constantOf = (s: Source): TracedConstant | undefined => ('constant' in s ? graph.constants[s.constant] : undefined);
  const shapeOf = (s: Source): number[] => ('input' in s ? graph.inputs[s.input].shape : 'node' in s ? graph.nodes[s.node].outputs[s.output].shape : graph.constants[s.constant].shape);

  // The batch size as a 1-element int64 tensor, for shapes whose first element is the batch.
  let batch: string | undefined;
  const batchOf = (): string => (batch ??= b.one('Slice', [b.one('Shape', [graph.inputs[0].name]), b.int64s([0]), b.int64s([1])]));
  const ints = (node: TracedNode, key: string): string => {
    const values = node.attrs[key] as number[];
    if (!(key in node.batchAttrs)) return b.int64s(values);
    const d = node.batchAttrs[key];
    const parts = [...(d > 0 ? [b.int64s(values.slice(0, d))] : []), batchOf(), ...(d < values.length - 1 ? [b.int64s(values.slice(d + 1))] : [])];
    return b.one('Concat', parts, { axis: 0 });
  };

  graph.nodes.forEach((node, i) => {
    const ins = (): string[] => node.inputs.map(([, s]) => name(s));
    const src = (key: string): Source => node.inputs.find(([k]) => k === key)![1];
    const a = node.attrs;
    const out = (names: string[]): void => void outputNames.push(names);
    const k = node.kernel;
    if (UNARY[k]) return out(b.node(UNARY[k], ins()));
    if (BINARY[k]) return out(b.node(BINARY[k], ins()));
    switch (k) {
      case 'Square':
        return out(b.node('Mul', [ins()[0], ins()[0]]));
      case 'Rsqrt':
        return out(b.node('Reciprocal', [b.one('Sqrt', ins())]));
      case 'LeakyRelu':
        return out(b.node('LeakyRelu', ins(), { alpha: { f: a.alpha as number } }));
      case 'BatchMatMul': {
        const t = (x: string, yes: unknown): string => (yes ? b.one('Transpose', [x], { perm: [...shapeOf(node.inputs[0][1]).keys()].map((d, _, all) => (d < all.length - 2 ? d : all.length * 2 - 3 - d)) }) : x);
        const [x, y] = ins();
        return out(b.node('MatMul', [t(x, a.transposeA), t(y, a.transposeB)]));
      }
      case 'Reshape':
        return out(b.node('Reshape', [name(node.inputs[0][1]), ints(node, 'shape')]));
      case 'Tile':
        return out(b.node('Tile', [name(node.inputs[0][1]), ints(node, 'reps')]));
      case 'Concat':
        return out(b.node('Concat', ins(), { axis: a.axis as number }));
      case 'Pad': {
        const pads = a.paddings as [number, number][];
        return out(b.node('Pad', [name(node.inputs[0][1]), b.int64s([...pads.map((p) => p[0]), ...pads.map((p) => p[1])]), b.floats([a.constantValue as number], [])]));
      }
      case 'Slice': {
        const begin = a.begin as number[];
        const size = a.size as number[];
        const ends = size.map((s, d) => (s < 0 ? 2 ** 53 - 1 : begin[d] + s));
        return out(b.node('Slice', [name(node.inputs[0][1]), b.int64s(begin), b.int64s(ends), b.int64s([...begin.keys()])]));
      }
      case 'SplitV': {
        const inShape = shapeOf(src('x'));
        const axis = ((a.axis as number) + inShape.length) % inShape.length;
        const parts = node.outputs.map((o) => o.shape[axis]);
        return out(b.node('Split', [name(node.inputs[0][1]), b.int64s(parts)], { axis }, parts.map(() => b.fresh('split'))));
      }
      case 'Mean':
      case 'Sum': {
        const axes = ([] as number[]).concat(a.axis as number | number[]);
        const keepdims = a.keepDims ? 1 : 0;
        return out(k === 'Mean' ? b.node('ReduceMean', ins(), { axes, keepdims }) : b.node('ReduceSum', [name(node.inputs[0][1]), b.int64s(axes)], { keepdims }));
      }
      case 'FusedBatchNorm': {
        const { scale, shift } = foldedBatchNorm(node, constantOf);
        const c = scale.length;
        return out(b.node('Add', [b.one('Mul', [name(node.inputs[0][1]), b.floats(scale, [c])]), b.floats(shift, [c])]));
      }
      case 'ResizeNearestNeighbor': {
        if (a.alignCorners || a.halfPixelCenters) throw new Error('ResizeNearestNeighbor with aligned corners or half-pixel centres cannot be exported');
        const [, h, w] = shapeOf(src('images'));
        const [oh, ow] = a.size as number[];
        const scales = b.floats([1, oh / h, ow / w, 1], [4]);
        return out(b.node('Resize', [name(node.inputs[0][1]), '', scales], { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }));
      }
      case 'Conv2D':
      case 'Conv2DBackpropInput':
        return out([convolution(b, node, name, shapeOf, constantOf)]);
      default:
        throw new Error(`operation ${i} (${k}) of G has no ONNX export`);
    }
  });

  const [h, w, c] = info.imageShape;
  b.node('Identity', [name(graph.output)], {}, ['images']);
  const model: onnx.IModelProto = {
    irVersion: 8,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'gan-studio',
    docString: info.description,
    metadataProps: Object.entries(info.metadata).map(([key, value]) => ({ key, value })),
    graph: {
      name: 'generator',
      node: b.nodes,
      initializer: b.initializers,
      input: graph.inputs.map((x) => valueInfo(x.name, ['batch', x.shape[1]])),
      output: [valueInfo('images', ['batch', h, w, c])],
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

function valueInfo(name: string, dims: (number | string)[]): onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: TensorProto.DataType.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
  };
}

/** Conv2D and its transpose (Conv2DBackpropInput) in NHWC, as ONNX's NCHW Conv / ConvTranspose between transposes. */
function convolution(b: OnnxBuilder, node: TracedNode, name: (s: Source) => string, shapeOf: (s: Source) => number[], constantOf: (s: Source) => TracedConstant | undefined): string {
  const a = node.attrs;
  if (a.dataFormat !== 'NHWC' || (a.pad !== 'same' && a.pad !== 'valid')) throw new Error(`${node.kernel} with ${String(a.dataFormat)} / pad ${String(a.pad)} cannot be exported`);
  const strides = ([] as number[]).concat(a.strides as number | number[]);
  const [sh, sw] = strides.length === 1 ? [strides[0], strides[0]] : strides;
  const transposed = node.kernel === 'Conv2DBackpropInput';
  const [x, filterSource] = transposed ? [node.inputs.find(([k]) => k === 'dy')!, node.inputs.find(([k]) => k === 'filter')!] : [node.inputs.find(([k]) => k === 'x')!, node.inputs.find(([k]) => k === 'filter')!];
  const filter = constantOf(filterSource[1]);
  const [kh, kw, fin, fout] = shapeOf(filterSource[1]);
  const inShape = shapeOf(x[1]);
  const outShape = node.outputs[0].shape;
  // TensorFlow's padding of the forward convolution (from the bigger to the smaller picture, for a transpose).
  const [big, small] = transposed ? [outShape, inShape] : [inShape, outShape];
  const [top, bottom] = a.pad === 'same' ? samePadding(big[1], small[1], kh, sh) : [0, 0];
  const [left, right] = a.pad === 'same' ? samePadding(big[2], small[2], kw, sw) : [0, 0];
  const pads = [top, left, bottom, right];
  // TF filters are [kh, kw, in, out] (a transpose's: [kh, kw, its output, its input]); ONNX's [out, in, kh, kw]
  // (ConvTranspose's: [its input, its output, kh, kw]): the same permutation for both.
  const perm = [3, 2, 0, 1];
  const weights = filter ? b.floats(permuted(filter, perm), [fout, fin, kh, kw]) : b.one('Transpose', [name(filterSource[1])], { perm });
  const nchw = b.one('Transpose', [name(x[1])], { perm: NCHW });
  const attrs: Record<string, Attr> = { kernel_shape: [kh, kw], strides: [sh, sw], pads };
  if (transposed) {
    // The transpose's own output size: (in − 1)·s + k − pads, made up to the traced size by output_padding.
    const natural = (d: number, k: number, s: number, p: number): number => (inShape[d] - 1) * s + k - p;
    attrs.output_padding = [outShape[1] - natural(1, kh, sh, top + bottom), outShape[2] - natural(2, kw, sw, left + right)];
  }
  const y = b.one(transposed ? 'ConvTranspose' : 'Conv', [nchw, weights], attrs);
  return b.one('Transpose', [y], { perm: NHWC });
}

/** A 4-D constant's values with its axes permuted (out axis i = in axis perm[i]). */
function permuted(c: TracedConstant, perm: number[]): Float32Array {
  const shape = c.shape;
  const outShape = perm.map((p) => shape[p]);
  const inStrides = shape.map((_, d) => shape.slice(d + 1).reduce((x, y) => x * y, 1));
  const out = new Float32Array(c.values.length);
  const index = [0, 0, 0, 0];
  for (let o = 0; o < out.length; o++) {
    let rest = o;
    for (let d = 3; d >= 0; d--) {
      index[d] = rest % outShape[d];
      rest = Math.floor(rest / outShape[d]);
    }
    let from = 0;
    for (let d = 0; d < 4; d++) from += index[d] * inStrides[perm[d]];
    out[o] = c.values[from];
  }
  return out;
}
