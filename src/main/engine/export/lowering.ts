/** What every export format needs besides the traced graph, and the lowering steps the formats share. */
import type { Source, TracedConstant, TracedNode } from './trace';

export interface ExportInfo {
  imageShape: [number, number, number];
  latentDim: number;
  classes: number;
  /** One line for the file's own description field. */
  description: string;
  /** Key–value facts stored in the file (run, step, config…). */
  metadata: Record<string, string>;
}

/**
 * TensorFlow's 'same' padding of a convolution from `big` to `small` pixels (kernel k, stride s): [before, after],
 * the odd pixel after.
 */
export function samePadding(big: number, small: number, k: number, s: number): [number, number] {
  const total = Math.max((small - 1) * s + k - big, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/**
 * BatchNorm in inference mode, (x − mean)·γ/√(var + ε) + β, as one per-channel scale and shift (its four
 * vectors must be constants: they are G's weights and running statistics).
 */
export function foldedBatchNorm(node: TracedNode, constantOf: (s: Source) => TracedConstant | undefined): { scale: Float32Array; shift: Float32Array } {
  const vector = (key: string): Float32Array | undefined => {
    const input = node.inputs.find(([k]) => k === key);
    if (!input) return undefined;
    const c = constantOf(input[1]);
    if (!c) throw new Error(`BatchNorm's ${key} is computed in the pass: only constant statistics can be exported`);
    return Float32Array.from(c.values);
  };
  const [mean, variance, gamma, beta] = [vector('mean')!, vector('variance')!, vector('scale'), vector('offset')];
  const eps = node.attrs.varianceEpsilon as number;
  const scale = new Float32Array(mean.length);
  const shift = new Float32Array(mean.length);
  for (let c = 0; c < mean.length; c++) {
    scale[c] = (gamma?.[c] ?? 1) / Math.sqrt(variance[c] + eps);
    shift[c] = (beta?.[c] ?? 0) - mean[c] * scale[c];
  }
  return { scale, shift };
}
