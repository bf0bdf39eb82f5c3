/**
 * Training-mode batch normalisation as TensorFlow's own FusedBatchNormV3 and FusedBatchNormGradV3, on the native
 * backend only: two kernels in place of the ~30 small ops that the written-out form (batch moments, normalising,
 * and the gradients of each) costs a layer per forward and backward pass. Differentiable once (no gradient of
 * the gradient): a gradient penalty's forward keeps the written-out form.
 */
import * as tf from '../tf';
import { nativeBackend, type NativeBackend, type OpAttr } from './nativeOps';

export interface BatchNormOutputs {
  y: tf.Tensor;
  /** The batch's mean and unbiased variance per channel (for the running statistics); the caller disposes them. */
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

function attrs(b: NativeBackend['binding'], epsilon: number): OpAttr[] {
  return [
    { name: 'T', type: b.TF_ATTR_TYPE, value: b.TF_FLOAT },
    { name: 'U', type: b.TF_ATTR_TYPE, value: b.TF_FLOAT },
    { name: 'epsilon', type: b.TF_ATTR_FLOAT, value: epsilon },
    { name: 'data_format', type: b.TF_ATTR_STRING, value: 'NHWC' },
    { name: 'is_training', type: b.TF_ATTR_BOOL, value: true },
  ];
}

/**
 * Normalises `x` (N × C or N × H × W × C) over every axis but the last with the batch's own statistics, scaled
 * and shifted per channel; undefined where the running backend is not the native one.
 */
export function fusedBatchNormTraining(x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor, epsilon: number): BatchNormOutputs | undefined {
  const backend = nativeBackend();
  if (!backend || (x.rank !== 2 && x.rank !== 4)) return undefined;
  const opAttrs = attrs(backend.binding, epsilon);
  let stats: [tf.Tensor1D, tf.Tensor1D] | undefined;
  const normalise = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, s, o, save] = args as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    const empty = tf.tensor1d([]); // no running statistics in: they are ours to keep (exponential_avg_factor 1)
    const [y, mean, variance, ...reserve] = backend.executeMultipleOutputs('FusedBatchNormV3', opAttrs, [input, s, o, empty, empty], 6);
    empty.dispose();
    save([input, s, ...reserve]);
    stats = [tf.keep(mean as tf.Tensor1D), tf.keep(variance as tf.Tensor1D)];
    return {
      value: y as tf.Tensor4D,
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [dx, dScale, dOffset, ...spare] = backend.executeMultipleOutputs('FusedBatchNormGradV3', opAttrs, [dy, ...saved], 5);
        spare.forEach((t) => t.dispose());
        return [dx, dScale, dOffset];
      },
    };
  });
  const channels = x.shape[x.rank - 1]!;
  const y = x.rank === 4 ? normalise(x, scale, offset) : tf.reshape(normalise(tf.reshape(x, [-1, 1, 1, channels]), scale, offset), x.shape);
  return { y, mean: stats![0], variance: stats![1] };
}
