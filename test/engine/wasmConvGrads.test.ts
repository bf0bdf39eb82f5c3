import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/main/engine/runtime/tf';
import '@tensorflow/tfjs-backend-cpu';
import { startBackend } from '../../src/main/engine/runtime/backend';
import { Rng } from '../../src/main/engine/training/rng';

/** max |a − b| / max |a|: the error relative to the reference's scale. */
function relError(ref: Float32Array, got: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) {
    diff = Math.max(diff, Math.abs(ref[i] - got[i]));
    scale = Math.max(scale, Math.abs(ref[i]));
  }
  return diff / scale;
}

interface Case { k: number; s: number; pad: 'same' | 'valid'; h: number; w: number; ci: number; co: number; b: number }

function cases(): Case[] {
  const out: Case[] = [];
  for (const k of [3, 4, 5]) {
    for (const s of [1, 2]) {
      for (const pad of ['same', 'valid'] as const) {
        for (const [h, w] of [[7, 7], [8, 9], [13, 10], [16, 16]]) {
          out.push({ k, s, pad, h, w, ci: 3, co: 5, b: 2 });
        }
      }
    }
  }
  out.push({ k: 4, s: 2, pad: 'same', h: 32, w: 32, ci: 16, co: 8, b: 3 }); // a DCGAN layer
  out.push({ k: 3, s: 2, pad: 'same', h: 28, w: 28, ci: 1, co: 32, b: 4 }); // Keras MNIST D's first layer
  out.push({ k: 5, s: 2, pad: 'valid', h: 5, w: 5, ci: 2, co: 3, b: 1 }); // output 1×1
  return out;
}

/** Input, filter and output gradients of a conv, and the conv2dTranspose that shares the input-gradient kernel. */
async function gradients(backend: string, c: Case, x: Float32Array, f: Float32Array, dyValues: (n: number) => Float32Array) {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const xt = tf.tensor4d(x, [c.b, c.h, c.w, c.ci]);
    const ft = tf.tensor4d(f, [c.k, c.k, c.ci, c.co]);
    const y = tf.conv2d(xt, ft, c.s, c.pad);
    const dy = tf.tensor4d(dyValues(y.size), y.shape);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad), dy)))([xt, ft]);
    const transposed = tf.conv2dTranspose(dy, ft, [c.b, c.h, c.w, c.ci], c.s, c.pad);
    return { dx: dx.dataSync() as Float32Array, dw: dw.dataSync() as Float32Array, t: transposed.dataSync() as Float32Array };
  });
}

describe('wasm conv gradients (XNNPACK-based) against the cpu backend', () => {
  beforeAll(async () => {
    await startBackend('wasm');
  });

  it.each(cases())('k$k s$s $pad $h×$w ci$ci co$co batch$b', async (c) => {
    const rng = Rng.fromSeed(c.k * 100 + c.s * 10 + c.h);
    const x = rng.normals(c.b * c.h * c.w * c.ci);
    const f = rng.normals(c.k * c.k * c.ci * c.co);
    const dyValues = (n: number): Float32Array => Rng.fromSeed(99).normals(n);
    const ref = await gradients('cpu', c, x, f, dyValues);
    const got = await gradients('wasm', c, x, f, dyValues);
    expect(relError(ref.dx, got.dx)).toBeLessThanOrEqual(1e-4);
    expect(relError(ref.dw, got.dw)).toBeLessThanOrEqual(1e-4);
    expect(relError(ref.t, got.t)).toBeLessThanOrEqual(1e-4);
  });

  it('is what the wasm backend actually runs (the shipped kernel had no filter gradient)', async () => {
    await tf.setBackend('wasm');
    expect(tf.getBackend()).toBe('wasm');
    const kernel = tf.getKernel('Conv2DBackpropFilter', 'wasm');
    expect(kernel).toBeDefined();
  });
});
