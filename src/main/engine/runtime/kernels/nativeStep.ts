/**
 * Step for the native backend, which every ReLU's gradient runs (dy · step(x)). tfjs-node's kernel builds it from
 * six ops (isNaN, greater, two fills, two selects); for alpha 0, Relu(Sign(x)) gives the same values — NaN and
 * ±Infinity included — in two. Another alpha keeps the shipped kernel.
 */
import * as tf from '../tf';
import { isNativeBackend, typeAttr } from './nativeOps';

let ours: tf.KernelFunc | undefined;

export function registerNativeStep(): void {
  const shipped = tf.getKernel('Step', 'tensorflow');
  if (!shipped || shipped.kernelFunc === ours) return;
  ours = (args) => {
    const { inputs: { x }, backend, attrs } = args as unknown as { inputs: { x: tf.TensorInfo }; backend: unknown; attrs: { alpha: number } };
    const type = isNativeBackend(backend) ? typeAttr(backend, 'T', x.dtype) : undefined;
    if (attrs.alpha !== 0 || !isNativeBackend(backend) || !type) return shipped.kernelFunc(args);
    const sign = backend.executeSingleOutput('Sign', [type], [x]);
    const step = backend.executeSingleOutput('Relu', [type], [sign]);
    sign.dispose();
    return step;
  };
  tf.unregisterKernel('Step', 'tensorflow');
  tf.registerKernel({ kernelName: 'Step', backendName: 'tensorflow', kernelFunc: ours });
}
