/**
 * G's forward pass as a graph of tfjs kernels, recorded while it runs (on any backend): the shared starting point of
 * every export format. Each recorded kernel names where its inputs come from — a graph input, an earlier kernel's
 * output, or a constant (a weight, a running statistic, a scalar the layer made) — with its attributes as tfjs gave
 * them. Kernels a backend runs inside another kernel are that kernel's business and are not recorded.
 */
import * as tf from '../runtime/tf';

export type Source = { input: number } | { node: number; output: number } | { constant: number };

export interface TracedNode {
  kernel: string;
  /** tfjs's names for the kernel's inputs ('x', 'filter', …) in call order, with where each comes from. */
  inputs: [string, Source][];
  attrs: Record<string, unknown>;
  /** Attributes (number arrays) holding the batch size, and where: an exported graph computes them from its input. */
  batchAttrs: Record<string, number>;
  outputs: { shape: number[]; dtype: tf.DataType }[];
}

export interface TracedConstant {
  shape: number[];
  dtype: tf.DataType;
  values: Float32Array | Int32Array;
}

export interface TracedGraph {
  inputs: { name: string; shape: number[] }[];
  nodes: TracedNode[];
  constants: TracedConstant[];
  /** The graph's output: one node's output. */
  output: { node: number; output: number };
}

interface Engine {
  runKernel(kernel: string, inputs: Record<string, tf.Tensor | tf.Tensor[]>, attrs: Record<string, unknown>): tf.Tensor | tf.Tensor[];
}

/**
 * Records the kernels `forward` runs on `inputs` (named graph inputs). Tensors `forward` reads that are neither an
 * input nor made by a recorded kernel become constants, their values read at the end.
 */
export function traceForward(inputs: { name: string; tensor: tf.Tensor }[], forward: (...xs: tf.Tensor[]) => tf.Tensor): TracedGraph {
  const engine = tf.engine() as unknown as Engine;
  const origin = new Map<number, Source>(inputs.map(({ tensor }, i) => [tensor.id, { input: i }]));
  const constantTensors: tf.Tensor[] = [];
  const nodes: TracedNode[] = [];
  const sourceOf = (t: tf.Tensor): Source => {
    let s = origin.get(t.id);
    if (!s) {
      s = { constant: constantTensors.length };
      constantTensors.push(tf.keep(t.clone()));
      origin.set(t.id, s);
    }
    return s;
  };
  const runKernel = engine.runKernel;
  const patchedOwn = Object.prototype.hasOwnProperty.call(engine, 'runKernel');
  let depth = 0;
  engine.runKernel = function (kernel, kernelInputs, attrs) {
    if (depth > 0) return runKernel.call(this, kernel, kernelInputs, attrs);
    depth++;
    try {
      const named = Object.entries(kernelInputs).filter(([, t]) => t != null).flatMap(([name, t]) => (Array.isArray(t) ? t.map((x, i) => [`${name}${i}`, x] as const) : [[name, t] as const]));
      const sources = named.map(([name, t]) => [name, sourceOf(t)] as [string, Source]);
      const result = runKernel.call(this, kernel, kernelInputs, attrs);
      const outputs = Array.isArray(result) ? result : [result];
      const node = nodes.length;
      outputs.forEach((t, output) => origin.set(t.id, { node, output }));
      nodes.push({ kernel, inputs: sources, attrs: { ...attrs }, batchAttrs: {}, outputs: outputs.map((t) => ({ shape: [...t.shape], dtype: t.dtype })) });
      return result;
    } finally {
      depth--;
    }
  };
  let out: tf.Tensor;
  try {
    out = tf.tidy(() => forward(...inputs.map((i) => i.tensor)));
  } finally {
    if (patchedOwn) engine.runKernel = runKernel;
    else delete (engine as Partial<Engine>).runKernel; // the prototype's method again
  }
  const final = origin.get(out.id);
  out.dispose();
  if (!final || !('node' in final)) throw new Error('the traced forward pass returned a tensor it did not compute');
  const constants = constantTensors.map((t) => {
    const c = { shape: [...t.shape], dtype: t.dtype, values: t.dataSync() as Float32Array | Int32Array };
    t.dispose();
    return c;
  });
  return { inputs: inputs.map(({ name, tensor }) => ({ name, shape: [...tensor.shape] })), nodes, constants, output: final };
}

/**
 * `forward` traced at batch sizes 1 and 2 and the two compared, so that the graph takes any batch: an attribute that
 * differs in one element only, 1 against 2 (a reshape's or tile's batch dimension), is marked as the batch's. Any other
 * difference means the pass depends on the batch in a way an exported graph cannot express, and is an error.
 */
export function traceBatchFree(inputs: { name: string; width: number }[], forward: (...xs: tf.Tensor[]) => tf.Tensor): TracedGraph {
  const at = (batch: number): TracedGraph => {
    const tensors = inputs.map(({ name, width }) => ({ name, tensor: tf.zeros([batch, width]) }));
    try {
      return traceForward(tensors, forward);
    } finally {
      tf.dispose(tensors.map((t) => t.tensor));
    }
  };
  const [one, two] = [at(1), at(2)];
  const differ = (what: string): Error => new Error(`G's forward pass changes with the batch size at ${what}: it cannot be exported as one graph`);
  if (one.nodes.length !== two.nodes.length || one.constants.length !== two.constants.length) throw differ('its number of operations');
  // A constant the pass made from the batch size (its shape or its values) would be wrong at any other batch.
  one.constants.forEach((c, i) => {
    const twin = two.constants[i];
    if (String(c.shape) !== String(twin.shape) || c.values.some((v, k) => v !== twin.values[k])) throw differ(`constant ${i}`);
  });
  one.nodes.forEach((node, i) => {
    const other = two.nodes[i];
    if (node.kernel !== other.kernel || JSON.stringify(node.inputs) !== JSON.stringify(other.inputs)) throw differ(`operation ${i} (${node.kernel})`);
    for (const [key, value] of Object.entries(node.attrs)) {
      const twin = other.attrs[key];
      if (JSON.stringify(value) === JSON.stringify(twin)) continue;
      const changed = Array.isArray(value) && Array.isArray(twin) && value.length === twin.length ? [...value.keys()].filter((d) => value[d] !== twin[d]) : [];
      const batchOnly = changed.length === 1 && (value as number[])[changed[0]] === 1 && (twin as number[])[changed[0]] === 2;
      if (!batchOnly) throw differ(`operation ${i} (${node.kernel}.${key}: ${JSON.stringify(value)} vs ${JSON.stringify(twin)})`);
      node.batchAttrs[key] = changed[0];
    }
  });
  return one;
}
