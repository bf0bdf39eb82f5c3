/**
 * Dropout's keep mask drawn by TensorFlow (StatelessRandomUniform) on the native backend. tfjs draws it in
 * JavaScript and uploads it: 36 ms of a 250 ms mnist-dcgan step, and an upload the compiled step would have to
 * feed. Stateless: the mask is a function of the seed alone, so a step draws the same mask eagerly and compiled,
 * and a resumed run (its Rng restored) the same as an uninterrupted one. One 32-bit seed, as tfjs's dropout takes,
 * so every backend draws as many numbers from the run's Rng; it travels as its two 16-bit halves in float32s (cast
 * to int32 by TensorFlow): a small int32 tensor would count as a constant of a compiled step.
 */
import * as tf from '../tf';
import { nativeBackend, typeAttr } from './nativeOps';

/** 1 where a unit is kept, else 0, in x's shape; undefined off the native backend. */
export function nativeKeepMask(shape: number[], rate: number, seed: number): tf.Tensor | undefined {
  const b = nativeBackend();
  if (!b) return undefined;
  return tf.tidy(() => {
    const seedF = tf.tensor1d([Math.floor(seed / 2 ** 16) % 2 ** 16, seed % 2 ** 16], 'float32');
    const seedI = b.executeSingleOutput('Cast', [typeAttr(b, 'SrcT', 'float32')!, typeAttr(b, 'DstT', 'int32')!, { name: 'Truncate', type: b.binding.TF_ATTR_BOOL, value: false }], [seedF]);
    const dims = tf.tensor1d(shape, 'int32');
    const u = b.executeSingleOutput('StatelessRandomUniform', [typeAttr(b, 'dtype', 'float32')!, typeAttr(b, 'T', 'int32')!, typeAttr(b, 'Tseed', 'int32')!], [dims, seedI]);
    return tf.step(tf.sub(u, rate)); // u ≥ rate: kept (probability 1 − rate)
  });
}
