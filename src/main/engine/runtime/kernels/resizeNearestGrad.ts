/**
 * ResizeNearestNeighborGrad (UpSampling2D's gradient) for the cpu and wasm backends. tfjs-backend-cpu 4.22's kernel
 * offsets into dy by the *input's* batch stride, so for a batch of more than one picture every picture but the first
 * gets another picture's gradient (found comparing with TensorFlow's own kernel: a 2 × 7 × 7 batch upsampled to
 * 14 × 14 was off by 25). The wasm backend's is right but slow: 82 ms of a 1.35 s mnist-dcgan step (b64), the
 * costliest kernel after the convolutions; this loop over its heap takes a few. Each dy pixel adds into the input
 * pixel it was copied from, with TensorFlow's rule for which one that is.
 */
import { getKernel, registerKernel, unregisterKernel, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

interface Attrs { alignCorners: boolean; halfPixelCenters: boolean }
interface Args<B> { inputs: { images: TensorInfo; dy: TensorInfo }; backend: B; attrs: Attrs }

/** The input row (or column) output position `o` copies from. */
function source(o: number, inSize: number, outSize: number, alignCorners: boolean, halfPixelCenters: boolean): number {
  const scale = alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize;
  const at = alignCorners ? Math.round(o * scale) : Math.floor(halfPixelCenters ? (o + 0.5) * scale : o * scale);
  return Math.max(0, Math.min(inSize - 1, at));
}

/** Adds each of dy's pixels into dx (zeros, the input's shape) where it came from. */
function accumulate(images: TensorInfo, dy: TensorInfo, dyValues: Float32Array, dx: Float32Array, { alignCorners, halfPixelCenters }: Attrs): void {
  const [batch, inH, inW, depth] = images.shape;
  const [, outH, outW] = dy.shape;
  const rows = Array.from({ length: outH }, (_, y) => source(y, inH, outH, alignCorners, halfPixelCenters));
  const cols = Array.from({ length: outW }, (_, x) => source(x, inW, outW, alignCorners, halfPixelCenters));
  let from = 0;
  for (let b = 0; b < batch; b++) {
    for (let y = 0; y < outH; y++) {
      for (let x = 0; x < outW; x++) {
        const to = ((b * inH + rows[y]) * inW + cols[x]) * depth;
        for (let d = 0; d < depth; d++) dx[to + d] += dyValues[from++];
      }
    }
  }
}

function onCpu({ inputs: { images, dy }, backend, attrs }: Args<MathBackendCPU>): TensorInfo {
  const dx = new Float32Array(util.sizeFromShape(images.shape));
  accumulate(images, dy, backend.data.get(dy.dataId).values as Float32Array, dx, attrs);
  return backend.makeTensorInfo(images.shape, images.dtype, dx);
}

function onWasm({ inputs: { images, dy }, backend, attrs }: Args<BackendWasm>): TensorInfo {
  const out = backend.makeOutput(images.shape, 'float32');
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  dx.fill(0);
  accumulate(images, dy, backend.typedArrayFromHeap(dy) as Float32Array, dx, attrs);
  return out;
}

const configs: Record<'cpu' | 'wasm', KernelConfig> = {
  cpu: { kernelName: 'ResizeNearestNeighborGrad', backendName: 'cpu', kernelFunc: onCpu as unknown as KernelFunc },
  wasm: { kernelName: 'ResizeNearestNeighborGrad', backendName: 'wasm', kernelFunc: onWasm as unknown as KernelFunc },
};

/** Replaces the backend's kernel with this one. Idempotent. */
export function registerResizeNearestGrad(backend: 'cpu' | 'wasm'): void {
  const config = configs[backend];
  const current = getKernel(config.kernelName, backend);
  if (current === config) return;
  if (current !== undefined) unregisterKernel(config.kernelName, backend);
  registerKernel(config);
}
