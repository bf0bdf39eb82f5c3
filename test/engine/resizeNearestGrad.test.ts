import { describe, expect, it } from 'vitest';
import * as tf from '../../src/main/engine/runtime/tf';
import { startBackend } from '../../src/main/engine/runtime/backend';

/**
 * d/dx_i Σ w ⊙ resize(x) = Σ w ⊙ resize(e_i): the gradient, computed from the forward pass alone, one input
 * pixel at a time (slow, but it cannot share a bug with the gradient kernel).
 */
function reference(shape: [number, number, number, number], size: [number, number], w: tf.Tensor, alignCorners: boolean, halfPixelCenters: boolean): number[] {
  const n = shape.reduce((a, b) => a * b, 1);
  return Array.from({ length: n }, (_, i) => tf.tidy(() => {
    const e = tf.reshape(tf.oneHot(tf.tensor1d([i], 'int32'), n), shape) as tf.Tensor4D;
    return tf.sum(tf.mul(w, tf.image.resizeNearestNeighbor(e, size, alignCorners, halfPixelCenters))).dataSync()[0];
  }));
}

describe.each(['cpu', 'wasm'] as const)('%s ResizeNearestNeighborGrad (ours: the cpu kernel mixes up pictures of a batch, the wasm one is slow)', (backend) => {
  it.each([
    ['2× up, batch 3', [3, 4, 4, 2], [8, 8], false, false],
    ['3 → 5, align corners', [2, 3, 3, 1], [5, 5], true, false],
    ['3 → 7, half-pixel centres', [2, 3, 3, 2], [7, 7], false, true],
    ['6 → 4 (down)', [2, 6, 6, 1], [4, 4], false, false],
  ] as const)('matches the gradient taken from the forward pass: %s', async (_, shape, size, alignCorners, halfPixelCenters) => {
    await startBackend(backend);
    expect(tf.getKernel('ResizeNearestNeighborGrad', backend)?.kernelFunc.name).toBe(backend === 'cpu' ? 'onCpu' : 'onWasm'); // ours, not the shipped one
    const x = tf.randomNormal([...shape], 0, 1, 'float32', 4);
    const w = tf.randomNormal([shape[0], size[0], size[1], shape[3]], 0, 1, 'float32', 5);
    const grad = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(w, tf.image.resizeNearestNeighbor(v as tf.Tensor4D, [...size], alignCorners, halfPixelCenters))))(x);
    const expected = reference([...shape], [...size], w, alignCorners, halfPixelCenters);
    Array.from(grad.dataSync()).forEach((g, i) => expect(g).toBeCloseTo(expected[i], 4));
    tf.dispose([x, w, grad]);
  });
});
