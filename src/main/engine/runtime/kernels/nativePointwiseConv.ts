/**
 * 1×1 convolutions on the native backend as matrix products. TensorFlow 2.21's oneDNN 1×1 convolution kills the
 * process with SIGFPE on AMD EPYC (Zen 4) for 1,024 or 2,048 output channels from 256 or more inputs — the face
 * feature space's last layer, among others (measured: 2 × 7 × 7 × 512 → 1024 crashes, → 512, 768 or 1000 do not;
 * its gradients crash too; MatMul of the same sizes does not). A 1×1 convolution with stride 1 is exactly
 * x (N·H·W × C) · W (C × C′), its input gradient dy · Wᵀ and its filter gradient xᵀ · dy, so every such Conv2D and
 * its two gradients go to MatMul, on every CPU (one rule, nothing to detect); other convolutions keep tfjs-node's.
 */
import { getKernel, registerKernel, unregisterKernel, type KernelConfig, type KernelFunc, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import * as tf from '../tf';
import { isNativeBackend, typeAttr, type NativeBackend } from './nativeOps';

interface Conv2DAttrs { strides: number | [number, number]; pad: unknown; dataFormat: 'NHWC' | 'NCHW'; dilations: number | [number, number] }

const ones = (v: number | [number, number]): boolean => (Array.isArray(v) ? v.every((d) => d === 1) : v === 1);

/** Whether a Conv2D call is a pointwise one this kernel computes as a product: 1×1 filter, stride 1, no dilation, NHWC, 'same' or 'valid'. */
export function isPointwise(filterShape: number[], a: Conv2DAttrs): boolean {
  return filterShape[0] === 1 && filterShape[1] === 1 && ones(a.strides) && ones(a.dilations ?? 1) && a.dataFormat !== 'NCHW' && (a.pad === 'same' || a.pad === 'valid');
}

function reshape(b: NativeBackend, x: TensorInfo, shape: number[]): tf.Tensor {
  const dims = tf.tensor1d(shape, 'int32');
  const out = b.executeSingleOutput('Reshape', [typeAttr(b, 'T', x.dtype)!, typeAttr(b, 'Tshape', 'int32')!], [x, dims]);
  dims.dispose();
  return out;
}

/** a (rows × k) · b (k × cols), either side transposed first. */
function matMul(b: NativeBackend, a: tf.Tensor, c: tf.Tensor, transposeA: boolean, transposeB: boolean): tf.Tensor {
  const flag = (name: string, value: boolean) => ({ name, type: b.binding.TF_ATTR_BOOL, value });
  return b.executeSingleOutput('MatMul', [typeAttr(b, 'T', 'float32')!, flag('transpose_a', transposeA), flag('transpose_b', transposeB)], [a, c]);
}

/** Reshapes `a` and `c` to matrices, multiplies them and reshapes the product to `shape`. */
function product(b: NativeBackend, a: TensorInfo, aShape: number[], c: TensorInfo, cShape: number[], transposeA: boolean, transposeB: boolean, shape: number[]): tf.Tensor {
  const left = reshape(b, a, aShape);
  const right = reshape(b, c, cShape);
  const flat = matMul(b, left, right, transposeA, transposeB);
  const out = reshape(b, flat, shape);
  tf.dispose([left, right, flat]);
  return out;
}

/** tfjs-node's own kernels, which every call that is not pointwise still goes to. */
const originals = new Map<string, KernelConfig>();

type Args = { inputs: Record<string, TensorInfo>; backend: unknown; attrs: NamedAttrMap };

/** Wraps tfjs-node's kernel `name`: pointwise calls (1×1 filter of `filterShape(args)`) go to `viaMatMul`. */
function routed(name: string, filterShape: (a: Args) => number[], viaMatMul: (b: NativeBackend, a: Args) => tf.Tensor): KernelConfig {
  return {
    kernelName: name,
    backendName: 'tensorflow',
    kernelFunc: ((args: Args) => {
      const floats = Object.values(args.inputs).every((t) => t.dtype === 'float32');
      if (floats && isNativeBackend(args.backend) && isPointwise(filterShape(args), args.attrs as unknown as Conv2DAttrs)) return viaMatMul(args.backend, args);
      return originals.get(name)!.kernelFunc(args as unknown as Parameters<KernelFunc>[0]);
    }) as unknown as KernelFunc,
  };
}

const configs: KernelConfig[] = [
  routed('Conv2D', (a) => a.inputs.filter.shape, (b, { inputs: { x, filter } }) => {
    const [n, h, w, cin] = x.shape;
    return product(b, x, [n * h * w, cin], filter, [cin, filter.shape[3]], false, false, [n, h, w, filter.shape[3]]);
  }),
  routed('Conv2DBackpropInput', (a) => a.inputs.filter.shape, (b, { inputs: { dy, filter } }) => {
    const [n, h, w, cout] = dy.shape;
    const cin = filter.shape[2];
    return product(b, dy, [n * h * w, cout], filter, [cin, cout], false, true, [n, h, w, cin]);
  }),
  routed('Conv2DBackpropFilter', (a) => a.attrs.filterShape as number[], (b, { inputs: { x, dy } }) => {
    const [n, h, w, cin] = x.shape;
    const cout = dy.shape[3];
    return product(b, x, [n * h * w, cin], dy, [n * h * w, cout], true, false, [1, 1, cin, cout]);
  }),
];

/** Routes the native backend's pointwise Conv2D and its gradients to MatMul, keeping tfjs-node's kernels for the rest. Idempotent. */
export function registerNativePointwiseConv(): void {
  for (const config of configs) {
    const current = getKernel(config.kernelName, 'tensorflow');
    if (!current || current === config) continue;
    originals.set(config.kernelName, current);
    unregisterKernel(config.kernelName, 'tensorflow');
    registerKernel(config);
  }
}
