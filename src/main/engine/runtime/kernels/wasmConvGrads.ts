/**
 * Convolution gradients for the wasm backend, built on its XNNPACK forward convolution.
 *
 * tfjs-backend-wasm 4.22 ships no Conv2DBackpropFilter (so no conv layer can learn) and a scalar-loop
 * Conv2DBackpropInput (which also drives conv2dTranspose). Both gradients are convolutions in disguise:
 *
 * - filter gradient: dW[kh,kw,ci,co] = Σ x[b, oh·s+kh−p, ow·s+kw−p, ci] · dy[b,oh,ow,co] is one matrix product
 *   (kh·kw·ci × rows) · (rows × co) over the rows r = (oh, ow, b): we lay out the im2col block of x with its rows
 *   contiguous and let XNNPACK run it as a 1×1 convolution, block by block;
 * - input gradient: each of the s×s output phases (rows h ≡ r mod s) is a stride-1 conv of dy with the
 *   flipped sub-filter of the taps that reach that phase, so no work is spent on inserted zeros.
 */
import { backend_util, getKernel, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type WasmConv2d = (...args: number[]) => void;

/** Pads may be negative: a negative pad crops the input instead. */
interface Pads { top: number; bottom: number; left: number; right: number }

const convByBackend = new WeakMap<BackendWasm, WasmConv2d>();

function wasmConv2d(backend: BackendWasm): WasmConv2d {
  let fn = convByBackend.get(backend);
  if (fn === undefined) {
    // Emscripten's cwrap is on the module at run time, though the shipped typings leave it out.
    const module = backend.wasm as unknown as { cwrap(name: string, ret: null, args: string[]): WasmConv2d };
    fn = module.cwrap('Conv2D', null, new Array<string>(19).fill('number'));
    convByBackend.set(backend, fn);
  }
  return fn;
}

function heap(backend: BackendWasm, t: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(t) as Float32Array;
}

function dispose(backend: BackendWasm, ...ts: TensorInfo[]): void {
  for (const t of ts) backend.disposeData(t.dataId);
}

function transpose(backend: BackendWasm, x: TensorInfo, perm: number[]): TensorInfo {
  const kernel = getKernel('Transpose', 'wasm');
  if (kernel === undefined) throw new Error('wasm backend has no Transpose kernel');
  return kernel.kernelFunc({ inputs: { x }, attrs: { perm }, backend }) as TensorInfo;
}

/** Copies rows [h0, h0+h) and columns [w0, w0+w) of an NHWC tensor. */
function crop(backend: BackendWasm, x: TensorInfo, h0: number, h: number, w0: number, w: number): TensorInfo {
  const [n, H, W, c] = x.shape;
  const out = backend.makeOutput([n, h, w, c], 'float32');
  const src = heap(backend, x);
  const dst = heap(backend, out);
  const rowLen = w * c;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < h; i++) {
      const from = ((b * H + h0 + i) * W + w0) * c;
      dst.set(src.subarray(from, from + rowLen), (b * h + i) * rowLen);
    }
  }
  return out;
}

/** Stride-1 NHWC convolution with explicit (possibly negative) pads, on XNNPACK. Returns a tensor the caller owns. */
function conv(backend: BackendWasm, x: TensorInfo, filter: TensorInfo, pads: Pads): TensorInfo {
  const [fh, fw, cin, cout] = filter.shape;
  let input = x;
  const p = { ...pads };
  if (p.top < 0 || p.bottom < 0 || p.left < 0 || p.right < 0) {
    const h0 = Math.max(0, -p.top);
    const w0 = Math.max(0, -p.left);
    const h = x.shape[1] - h0 - Math.max(0, -p.bottom);
    const w = x.shape[2] - w0 - Math.max(0, -p.right);
    input = crop(backend, x, h0, h, w0, w);
    p.top = Math.max(0, p.top); p.bottom = Math.max(0, p.bottom);
    p.left = Math.max(0, p.left); p.right = Math.max(0, p.right);
  }
  const [n, inH, inW] = input.shape;
  const outH = inH + p.top + p.bottom - fh + 1;
  const outW = inW + p.left + p.right - fw + 1;
  const out = backend.makeOutput([n, outH, outW, cout], 'float32');
  if (outH > 0 && outW > 0 && n > 0) {
    const id = (t: TensorInfo) => backend.dataIdMap.get(t.dataId)!.id;
    wasmConv2d(backend)(
      id(input), n, inH, inW, id(filter), fh, fw,
      p.top, p.right, p.bottom, p.left, /* isSamePad */ 0,
      /* dilations */ 1, 1, /* strides */ 1, 1, cin, cout, id(out));
  }
  if (input !== x) dispose(backend, input);
  return out;
}

interface ConvGradAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function convInfo(xShape: number[], filterShape: number[], attrs: ConvGradAttrs): backend_util.Conv2DInfo {
  if (attrs.dataFormat === 'NCHW') throw new Error('wasm conv gradients support only NHWC (channelsLast) data');
  return backend_util.computeConv2DInfo(
    xShape as [number, number, number, number], filterShape as [number, number, number, number],
    attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
}

/** Largest im2col block the filter gradient builds at once, in floats (16 MB). */
const COLUMN_BLOCK = 4 * 1024 * 1024;

function conv2DBackpropFilter(args: { inputs: { x: TensorInfo; dy: TensorInfo }; backend: BackendWasm; attrs: ConvGradAttrs & { filterShape: number[] } }): TensorInfo {
  const { inputs: { x, dy }, backend, attrs } = args;
  const info = convInfo(x.shape, attrs.filterShape, attrs);
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, padInfo } = info;
  const [n, inH, inW, ci] = x.shape;
  const [, outH, outW, co] = dy.shape;
  const taps = kh * kw * ci; // rows of dW seen as a (kh·kw·ci) × co matrix
  const xT = transpose(backend, x, [3, 1, 2, 0]); // ci × H × W × n: each (row, column) holds the batch contiguously
  const dyT = transpose(backend, dy, [1, 2, 0, 3]); // OH × OW × n × co: rows r = (oh, ow, b)
  const dW = backend.makeOutput([kh, kw, ci, co], 'float32');
  heap(backend, dW).fill(0);
  const rowsPerBlock = Math.max(1, Math.min(outH, Math.floor(COLUMN_BLOCK / (taps * outW * n))));
  for (let oh0 = 0; oh0 < outH; oh0 += rowsPerBlock) {
    const ohCount = Math.min(rowsPerBlock, outH - oh0);
    const r = ohCount * outW * n;
    // cols[(ky, kx, c), (oh, ow, b)] = x[b, oh·s + ky − pad, ow·s + kx − pad, c], 0 outside the image.
    const cols = backend.makeOutput([1, taps, 1, r], 'float32');
    const dyBlock = backend.makeOutput([1, 1, r, co], 'float32');
    const src = heap(backend, xT);
    const dst = heap(backend, cols);
    heap(backend, dyBlock).set(heap(backend, dyT).subarray(oh0 * outW * n * co, (oh0 + ohCount) * outW * n * co));
    dst.fill(0);
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        // output columns whose input column ow·s + kx − pad falls inside the image
        const owFirst = Math.max(0, Math.ceil((padInfo.left - kx) / sw));
        const owEnd = Math.min(outW, Math.floor((inW - 1 + padInfo.left - kx) / sw) + 1);
        for (let c = 0; c < ci; c++) {
          const row = ((ky * kw + kx) * ci + c) * r;
          for (let i = 0; i < ohCount; i++) {
            const ih = (oh0 + i) * sh + ky - padInfo.top;
            if (ih < 0 || ih >= inH || owEnd <= owFirst) continue;
            const srcRow = (c * inH + ih) * inW * n;
            const dstRow = row + i * outW * n;
            if (sw === 1) {
              const iw = owFirst + kx - padInfo.left;
              dst.set(src.subarray(srcRow + iw * n, srcRow + (iw + owEnd - owFirst) * n), dstRow + owFirst * n);
            } else {
              for (let ow = owFirst; ow < owEnd; ow++) {
                const iw = ow * sw + kx - padInfo.left;
                dst.set(src.subarray(srcRow + iw * n, srcRow + (iw + 1) * n), dstRow + ow * n);
              }
            }
          }
        }
      }
    }
    // A 1×1 convolution is XNNPACK's GEMM: (taps × r) · (r × co), r summed inside the micro-kernel.
    const part = conv(backend, cols, dyBlock, { top: 0, bottom: 0, left: 0, right: 0 });
    const acc = heap(backend, dW);
    const add = heap(backend, part);
    for (let i = 0; i < acc.length; i++) acc[i] += add[i];
    dispose(backend, cols, dyBlock, part);
  }
  dispose(backend, xT, dyT);
  return dW;
}

/** One output phase of the input gradient: which filter taps reach it and how dy lines up with it. */
interface Phase { first: number; taps: number; size: number; pad: number }

function phase(r: number, stride: number, pad: number, kernel: number, inSize: number): Phase {
  const first = (r + pad) % stride;
  const taps = first < kernel ? Math.ceil((kernel - first) / stride) : 0;
  const size = r < inSize ? Math.ceil((inSize - r) / stride) : 0;
  const offset = (r + pad - first) / stride;
  return { first, taps, size, pad: taps - 1 - offset };
}

function conv2DBackpropInput(args: { inputs: { dy: TensorInfo; filter: TensorInfo }; backend: BackendWasm; attrs: ConvGradAttrs & { inputShape: number[] } }): TensorInfo {
  const { inputs: { dy, filter }, backend, attrs } = args;
  const info = convInfo(attrs.inputShape, filter.shape, attrs);
  const { strideHeight: sh, strideWidth: sw, padInfo } = info;
  const [kh, kw, ci, co] = filter.shape;
  const [n, inH, inW] = attrs.inputShape;
  const [, outH, outW] = dy.shape;
  const dx = backend.makeOutput([n, inH, inW, ci], 'float32');
  heap(backend, dx).fill(0);
  for (let rh = 0; rh < sh; rh++) {
    const ph = phase(rh, sh, padInfo.top, kh, inH);
    for (let rw = 0; rw < sw; rw++) {
      const pw = phase(rw, sw, padInfo.left, kw, inW);
      if (ph.taps === 0 || pw.taps === 0 || ph.size === 0 || pw.size === 0) continue;
      // Flipped sub-filter, channels swapped: sub[u, v, co, ci] = W[first + s·(taps−1−u), …, ci, co].
      const sub = backend.makeOutput([ph.taps, pw.taps, co, ci], 'float32');
      const w = heap(backend, filter);
      const s = heap(backend, sub);
      for (let u = 0; u < ph.taps; u++) {
        const fy = ph.first + sh * (ph.taps - 1 - u);
        for (let v = 0; v < pw.taps; v++) {
          const fx = pw.first + sw * (pw.taps - 1 - v);
          const wBase = (fy * kw + fx) * ci * co;
          const sBase = (u * pw.taps + v) * co * ci;
          for (let c = 0; c < ci; c++) {
            for (let o = 0; o < co; o++) s[sBase + o * ci + c] = w[wBase + c * co + o];
          }
        }
      }
      const pads: Pads = {
        top: ph.pad, bottom: ph.size + ph.taps - 1 - outH - ph.pad,
        left: pw.pad, right: pw.size + pw.taps - 1 - outW - pw.pad,
      };
      const part = conv(backend, dy, sub, pads); // n × ph.size × pw.size × ci
      const src = heap(backend, part);
      const dst = heap(backend, dx);
      for (let b = 0; b < n; b++) {
        for (let i = 0; i < ph.size; i++) {
          const rowOut = (b * inH + rh + sh * i) * inW;
          const rowIn = (b * ph.size + i) * pw.size;
          for (let j = 0; j < pw.size; j++) {
            const from = (rowIn + j) * ci;
            dst.set(src.subarray(from, from + ci), (rowOut + rw + sw * j) * ci);
          }
        }
      }
      dispose(backend, sub, part);
    }
  }
  return dx;
}

const configs: KernelConfig[] = [
  { kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2DBackpropFilter as unknown as KernelFunc },
  { kernelName: 'Conv2DBackpropInput', backendName: 'wasm', kernelFunc: conv2DBackpropInput as unknown as KernelFunc },
];

/** Registers the wasm backend's convolution gradients, replacing the shipped scalar-loop one. Idempotent. */
export function registerWasmConvGrads(): void {
  for (const config of configs) {
    const current = getKernel(config.kernelName, 'wasm');
    if (current === config) continue;
    if (current !== undefined) unregisterKernel(config.kernelName, 'wasm');
    registerKernel(config);
  }
}
