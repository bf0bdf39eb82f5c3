/**
 * BatchNorm's training-mode forward (the batch's own statistics), in the leanest form the backend and the caller
 * allow: TensorFlow's fused kernels on the native backend; elsewhere the normalisation with its gradient derived by
 * hand (7 full-size ops backward where differentiating the written-out form takes about twice as many); and the
 * written-out ops inside a gradient that is itself being differentiated (a gradient penalty's D forward): the
 * other two compute their gradient outside the tape, so a second derivative would silently miss it.
 */
import * as tf from '../runtime/tf';
import { fusedBatchNormTraining, type BatchNormOutputs } from '../runtime/kernels/nativeBatchNorm';

export type BatchNormForm = 'leanest' | 'written-out';

/**
 * Normalises `x` over every axis but the last; `mean` and the unbiased `variance` are the caller's to dispose.
 * `form` 'written-out' forces the plain ops (for comparisons).
 */
export function batchNormTraining(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number, form: BatchNormForm = 'leanest'): BatchNormOutputs {
  if (form === 'written-out' || insideNestedGradient()) return writtenOut(x, gamma, beta, epsilon);
  return fusedBatchNormTraining(x, gamma, beta, epsilon) ?? withDerivedGradient(x, gamma, beta, epsilon);
}

/** tfjs records a gradient's forward at depth 1; at depth 2 that gradient will itself be differentiated. */
function insideNestedGradient(): boolean {
  return (tf.engine().state as unknown as { gradientDepth: number }).gradientDepth > 1;
}

const momentAxes = (x: tf.Tensor): number[] => x.shape.slice(0, -1).map((_, i) => i);
const unbiased = (variance: tf.Tensor, x: tf.Tensor): tf.Tensor1D => {
  const count = x.size / x.shape[x.rank - 1]!;
  return tf.mul(variance, count / Math.max(count - 1, 1)) as tf.Tensor1D;
};

function writtenOut(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): BatchNormOutputs {
  // Batch moments by hand: tf.moments' variance has a broken gradient (its Cast receives no dy) in tfjs 4.22.
  const axes = momentAxes(x);
  const mean = tf.mean(x, axes) as tf.Tensor1D;
  const variance = tf.mean(tf.square(tf.sub(x, mean)), axes);
  // Written out (not tf.batchNorm) so the gradient also flows through the batch mean and variance.
  const scale = tf.mul(tf.rsqrt(tf.add(variance, epsilon)), gamma);
  return { y: tf.add(tf.mul(tf.sub(x, mean), scale), beta), mean, variance: unbiased(variance, x) };
}

/**
 * With x̂ = (x − μ)·r, r = 1/√(σ² + ε), y = γx̂ + β over N values a channel:
 * ∂β = Σdy, ∂γ = Σdy·x̂, ∂x = γr·(dy − ∂β/N − x̂·∂γ/N).
 */
function withDerivedGradient(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): BatchNormOutputs {
  const axes = momentAxes(x);
  const n = x.size / x.shape[x.rank - 1]!;
  let stats: [tf.Tensor1D, tf.Tensor1D] | undefined;
  const normalise = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, g, b, save] = args as [tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    const mean = tf.mean(input, axes) as tf.Tensor1D;
    const centred = tf.sub(input, mean);
    const variance = tf.mean(tf.square(centred), axes);
    const r = tf.rsqrt(tf.add(variance, epsilon));
    const xHat = tf.mul(centred, r);
    save([xHat, r, g]);
    stats = [tf.keep(mean), tf.keep(unbiased(variance, input))];
    return {
      value: tf.add(tf.mul(xHat, g), b),
      gradFunc: (dy: tf.Tensor, [xh, rs, gs]: tf.Tensor[]) => {
        const dBeta = tf.sum(dy, axes);
        const dGamma = tf.sum(tf.mul(dy, xh), axes);
        const centredDy = tf.sub(tf.sub(dy, tf.div(dBeta, n)), tf.mul(xh, tf.div(dGamma, n)));
        return [tf.mul(centredDy, tf.mul(gs, rs)), dGamma, dBeta];
      },
    };
  });
  const y = normalise(x, gamma, beta);
  return { y, mean: stats![0], variance: stats![1] };
}
