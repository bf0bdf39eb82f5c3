/**
 * A traced generator as a TF.js graph model: a TensorFlow GraphDef in model.json's JSON form plus its weights, as
 * tensorflowjs_converter writes them, so `tf.loadGraphModel` runs it in a page or in Node. Each tfjs kernel becomes
 * the TensorFlow op tfjs-converter maps back onto the same tfjs op; BatchNorm in inference mode becomes one
 * per-channel scale and shift.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../training/atomicFile';
import type { Source, TracedConstant, TracedGraph, TracedNode } from './trace';
import { foldedBatchNorm, type ExportInfo } from './lowering';

/** tf.io.ModelArtifacts' parts: what model.json holds and the weights' bytes (model.json's one shard). */
export interface TfjsArtifacts {
  modelTopology: { node: GraphNode[]; library: object; versions: object };
  weightSpecs: { name: string; shape: number[]; dtype: 'float32' | 'int32' }[];
  weightData: ArrayBuffer;
  userDefinedMetadata: Record<string, string>;
}

interface GraphNode {
  name: string;
  op: string;
  input: string[];
  attr: Record<string, unknown>;
}

const FLOAT = { type: 'DT_FLOAT' };
const INT = { type: 'DT_INT32' };
const UNARY = new Set(['Relu', 'Sigmoid', 'Tanh', 'Sqrt', 'Rsqrt', 'Square', 'Exp', 'Neg', 'Abs', 'Identity']);
const BINARY: Record<string, string> = { Add: 'AddV2', Sub: 'Sub', Multiply: 'Mul', RealDiv: 'RealDiv', Maximum: 'Maximum', Minimum: 'Minimum' };

const text = (s: string): { s: string } => ({ s: Buffer.from(s).toString('base64') });
const intList = (values: number[]): { list: { i: string[] } } => ({ list: { i: values.map(String) } });

class GraphBuilder {
  readonly nodes: GraphNode[] = [];
  readonly weights: { spec: TfjsArtifacts['weightSpecs'][number]; data: Float32Array | Int32Array }[] = [];
  private names = 0;

  op(op: string, input: string[], attr: Record<string, unknown> = {}, name = `${op}_${this.names++}`): string {
    this.nodes.push({ name, op, input, attr: { T: FLOAT, ...attr } });
    return name;
  }

  constant(values: Float32Array | Int32Array, shape: number[], name = `const_${this.names++}`): string {
    const dtype = values instanceof Int32Array ? 'int32' : 'float32';
    const type = dtype === 'int32' ? INT : FLOAT;
    this.nodes.push({ name, op: 'Const', input: [], attr: { dtype: type, value: { tensor: { dtype: type.type, tensorShape: { dim: shape.map((d) => ({ size: String(d) })) } } } } });
    this.weights.push({ spec: { name, shape, dtype }, data: values });
    return name;
  }

  ints(values: number[]): string {
    return this.constant(Int32Array.from(values), [values.length]);
  }
}

/** The traced graph as TF.js graph-model artifacts (inputs named as traced, output 'images'). */
export function tfjsGraphModel(graph: TracedGraph, info: ExportInfo): TfjsArtifacts {
  const b = new GraphBuilder();
  for (const x of graph.inputs) b.nodes.push({ name: x.name, op: 'Placeholder', input: [], attr: { dtype: FLOAT, shape: { shape: { dim: [{ size: '-1' }, { size: String(x.shape[1]) }] } } } });
  const constantNames = new Map<number, string>();
  const constantName = (i: number): string => {
    const c = graph.constants[i];
    if (!constantNames.has(i)) constantNames.set(i, b.constant(c.values, c.shape, `constant_${i}`));
    return constantNames.get(i)!;
  };
  const outputNames: string[][] = [];
  const name = (s: Source): string => ('input' in s ? graph.inputs[s.input].name : 'node' in s ? outputNames[s.node][s.output] : constantName(s.constant));
  const constantOf = (s: Source): TracedConstant | undefined => ('constant' in s ? graph.constants[s.constant] : undefined);

  let batch: string | undefined;
  const batchOf = (): string => (batch ??= b.op('Slice', [b.op('Shape', [graph.inputs[0].name], { out_type: INT }), b.ints([0]), b.ints([1])], { T: INT, Index: INT }));
  const ints = (node: TracedNode, key: string): string => {
    const values = node.attrs[key] as number[];
    if (!(key in node.batchAttrs)) return b.ints(values);
    const d = node.batchAttrs[key];
    const parts = [...(d > 0 ? [b.ints(values.slice(0, d))] : []), batchOf(), ...(d < values.length - 1 ? [b.ints(values.slice(d + 1))] : [])];
    return b.op('ConcatV2', [...parts, b.constant(Int32Array.of(0), [])], { T: INT, N: { i: String(parts.length) } });
  };

  graph.nodes.forEach((node, i) => {
    const a = node.attrs;
    const input = (key: string): string => name(node.inputs.find(([k]) => k === key)![1]);
    const all = (): string[] => node.inputs.map(([, s]) => name(s));
    const one = (n: string): void => void outputNames.push([n]);
    const k = node.kernel;
    if (UNARY.has(k)) return one(b.op(k, all()));
    if (BINARY[k]) return one(b.op(BINARY[k], all()));
    const four = (v: unknown): number[] => {
      const s = ([] as number[]).concat(v as number | number[]);
      return [1, s[0], s[1] ?? s[0], 1];
    };
    switch (k) {
      case 'LeakyRelu':
        return one(b.op('LeakyRelu', all(), { alpha: { f: a.alpha } }));
      case 'BatchMatMul':
        return one(b.op(node.outputs[0].shape.length === 2 ? 'MatMul' : 'BatchMatMulV2', all(), node.outputs[0].shape.length === 2 ? { transpose_a: { b: a.transposeA }, transpose_b: { b: a.transposeB } } : { adj_x: { b: a.transposeA }, adj_y: { b: a.transposeB } }));
      case 'Reshape':
        return one(b.op('Reshape', [input('x'), ints(node, 'shape')]));
      case 'Tile':
        return one(b.op('Tile', [input('x'), ints(node, 'reps')]));
      case 'Concat':
        return one(b.op('ConcatV2', [...all(), b.constant(Int32Array.of(a.axis as number), [])], { N: { i: String(node.inputs.length) } }));
      case 'Pad':
        return one(b.op('PadV2', [input('x'), b.constant(Int32Array.from((a.paddings as number[][]).flat()), [(a.paddings as number[][]).length, 2]), b.constant(Float32Array.of(a.constantValue as number), [])]));
      case 'Slice':
        return one(b.op('Slice', [input('x'), b.ints(a.begin as number[]), b.ints(a.size as number[])], { Index: INT }));
      case 'SplitV': {
        const shape = node.outputs.map((o) => o.shape);
        const rank = shape[0].length;
        const axis = ((a.axis as number) + rank) % rank;
        const split = b.op('SplitV', [input('x'), b.ints(shape.map((s) => s[axis])), b.constant(Int32Array.of(axis), [])], { num_split: { i: String(shape.length) } });
        return void outputNames.push(shape.map((_, o) => (o === 0 ? split : `${split}:${o}`)));
      }
      case 'Mean':
      case 'Sum':
        return one(b.op(k, [input('x'), b.ints(([] as number[]).concat(a.axis as number | number[]))], { keep_dims: { b: !!a.keepDims } }));
      case 'FusedBatchNorm': {
        const { scale, shift } = foldedBatchNorm(node, constantOf);
        return one(b.op('AddV2', [b.op('Mul', [input('x'), b.constant(scale, [scale.length])]), b.constant(shift, [shift.length])]));
      }
      case 'ResizeNearestNeighbor':
        return one(b.op('ResizeNearestNeighbor', [input('images'), b.ints(a.size as number[])], { align_corners: { b: !!a.alignCorners }, half_pixel_centers: { b: !!a.halfPixelCenters } }));
      case 'Conv2D':
        return one(b.op('Conv2D', [input('x'), input('filter')], { strides: intList(four(a.strides)), padding: text((a.pad as string).toUpperCase()), data_format: text('NHWC'), dilations: intList(four(a.dilations ?? 1)) }));
      case 'Conv2DBackpropInput':
        return one(b.op('Conv2DBackpropInput', [ints(node, 'inputShape'), input('filter'), input('dy')], { strides: intList(four(a.strides)), padding: text((a.pad as string).toUpperCase()), data_format: text('NHWC') }));
      default:
        throw new Error(`operation ${i} (${k}) of G has no TF.js export`);
    }
  });
  b.op('Identity', [name(graph.output)], {}, 'images');

  const bytes = b.weights.reduce((n, w) => n + w.data.byteLength, 0);
  const weightData = new ArrayBuffer(bytes);
  let at = 0;
  for (const w of b.weights) {
    new Uint8Array(weightData, at, w.data.byteLength).set(new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength));
    at += w.data.byteLength;
  }
  return {
    modelTopology: { node: b.nodes, library: {}, versions: { producer: 1 } },
    weightSpecs: b.weights.map((w) => w.spec),
    weightData,
    userDefinedMetadata: { description: info.description, ...info.metadata },
  };
}

/** Writes a TF.js graph model's folder: model.json and its one weights shard. */
export function writeTfjsModel(folder: string, artifacts: TfjsArtifacts): number {
  mkdirSync(folder, { recursive: true });
  const shard = 'group1-shard1of1.bin';
  const json = {
    format: 'graph-model', generatedBy: 'gan-studio', convertedBy: 'gan-studio',
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [shard], weights: artifacts.weightSpecs }],
    userDefinedMetadata: artifacts.userDefinedMetadata,
  };
  writeFileAtomic(join(folder, shard), Buffer.from(artifacts.weightData));
  writeFileAtomic(join(folder, 'model.json'), JSON.stringify(json));
  return artifacts.weightData.byteLength;
}
