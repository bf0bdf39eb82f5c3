/**
 * ResizeNearestNeighborGrad for the cpu backend. tfjs-backend-cpu 4.22's kernel offsets into dy by the *input's*
 * batch stride, so for a batch of more than one picture every picture but the first gets another picture's
 * gradient (found comparing with TensorFlow's own kernel: a 2 × 7 × 7 batch upsampled to 14 × 14 was off by 25).
 * Each dy pixel adds into the input pixel it was copied from, with TensorFlow's rule for which one that is.
 */
import { getKernel, registerKernel, unregisterKernel, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

interface Args { inputs: { images: TensorInfo; dy: TensorInfo }; backend: MathBackendCPU; attrs: { alignCorners: boolean; halfPixelCenters: boolean } }

/** The input row (or column) output position `o` copies from. */
function source(o: number, inSize: number, outSize: number, alignCorners: boolean, halfPixelCenters: boolean): number {
  const scale = alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize;
  const at = alignCorners ? Math.round(o * scale) : Math.floor(halfPixelCenters ? (o + 0.5) * scale : o * scale);
  return Math.max(0, Math.min(inSize - 1, at));
}

function resizeNearestNeighborGrad({ inputs: { images, dy }, backend, attrs: { alignCorners, halfPixelCenters } }: Args): TensorInfo {
  const [batch, inH, inW, depth] = images.shape;
  const [, outH, outW] = dy.shape;
  const dyValues = backend.data.get(dy.dataId).values as Float32Array;
  const dx = new Float32Array(util.sizeFromShape(images.shape));
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
  return backend.makeTensorInfo(images.shape, images.dtype, dx);
}

const config: KernelConfig = { kernelName: 'ResizeNearestNeighborGrad', backendName: 'cpu', kernelFunc: resizeNearestNeighborGrad as unknown as KernelFunc };

/** Replaces the cpu backend's kernel with this one. Idempotent. */
export function registerCpuResizeNearestGrad(): void {
  const current = getKernel(config.kernelName, 'cpu');
  if (current === config) return;
  if (current !== undefined) unregisterKernel(config.kernelName, 'cpu');
  registerKernel(config);
}
