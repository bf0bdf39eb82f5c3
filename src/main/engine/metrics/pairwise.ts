/** Products and distances between every row of one feature set and every row of another (tf's matMul, in chunks). */
import * as tf from '../runtime/tf';

/** na × nb inner products a_i · b_j. */
export function innerProducts(a: Float32Array, na: number, b: Float32Array, nb: number, dim: number): Float32Array {
  return tf.tidy(() => tf.matMul(tf.tensor2d(a, [na, dim]), tf.tensor2d(b, [nb, dim]), false, true).dataSync() as Float32Array);
}

/** na × nb Euclidean distances ‖a_i − b_j‖, via ‖a‖² + ‖b‖² − 2 a·b (clipped at 0 against round-off). */
export function distances(a: Float32Array, na: number, b: Float32Array, nb: number, dim: number): Float32Array {
  return tf.tidy(() => {
    const [ta, tb] = [tf.tensor2d(a, [na, dim]), tf.tensor2d(b, [nb, dim])];
    const norms = tf.add(tf.sum(tf.square(ta), 1, true), tf.reshape(tf.sum(tf.square(tb), 1), [1, nb]));
    const squared = tf.sub(norms, tf.mul(tf.matMul(ta, tb, false, true), 2));
    return tf.sqrt(tf.relu(squared)).dataSync() as Float32Array;
  });
}

/** The k-th smallest value of each row of a rows × columns matrix, skipping the diagonal when `skipSelf` (k from 1). */
export function kthSmallestPerRow(m: Float32Array, rows: number, columns: number, k: number, skipSelf: boolean): Float32Array {
  const out = new Float32Array(rows);
  const row: number[] = [];
  for (let i = 0; i < rows; i++) {
    row.length = 0;
    for (let j = 0; j < columns; j++) if (!(skipSelf && i === j)) row.push(m[i * columns + j]);
    row.sort((x, y) => x - y);
    out[i] = row[Math.min(k, row.length) - 1];
  }
  return out;
}
