/** Running TensorFlow ops by name on the native backend (tfjs-node's NodeJSKernelBackend), for our own kernels. */
import * as tf from '../tf';

export interface OpAttr { name: string; type: number; value: number | string | boolean }

/** The slice of tfjs-node's NodeJSKernelBackend our kernels use. */
export interface NativeBackend {
  binding: Record<string, number>;
  executeSingleOutput(name: string, attrs: OpAttr[], inputs: tf.TensorInfo[]): tf.Tensor;
  executeMultipleOutputs(name: string, attrs: OpAttr[], inputs: tf.TensorInfo[], numOutputs: number): tf.Tensor[];
}

export function isNativeBackend(backend: unknown): backend is NativeBackend {
  const b = backend as Partial<NativeBackend>;
  return typeof b.executeSingleOutput === 'function' && typeof b.executeMultipleOutputs === 'function' && typeof b.binding === 'object';
}

/** The running backend, if it is the native one. */
export function nativeBackend(): NativeBackend | undefined {
  if (tf.getBackend() !== 'tensorflow') return undefined;
  const backend = tf.backend();
  return isNativeBackend(backend) ? backend : undefined;
}

/** A type attribute (`T`, `U`) for float32 or int32; undefined for another dtype. */
export function typeAttr(b: NativeBackend, name: string, dtype: tf.DataType): OpAttr | undefined {
  const value = dtype === 'float32' ? b.binding.TF_FLOAT : dtype === 'int32' ? b.binding.TF_INT32 : undefined;
  return value === undefined ? undefined : { name, type: b.binding.TF_ATTR_TYPE, value };
}
