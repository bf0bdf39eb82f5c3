/**
 * The one tfjs entry point of the engine: the core API plus every op's gradient.
 * (`@tensorflow/tfjs` would also pull in the WebGL backend, layers and converter, which the engine never uses.)
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { setOpHandler } from '@tensorflow/tfjs-core/dist/tensor';
import { buffer, cast, clone, div, getGradient, mul, onesLike, print, registerGradient, reshape, util, zerosLike, type Tensor } from '@tensorflow/tfjs-core';

// Under Node, '@tensorflow/tfjs-core' is its CommonJS bundle while the gradients come from its ES modules: a second
// copy of the core modules. Tensors made there need the op handler the bundle gives its own (tfjs's
// base_side_effects does this for the bundle only), or their clone() fails in second-order gradients.
setOpHandler({ buffer, cast, clone, print });

// Comparisons are piecewise constant, so their gradient is zero. tfjs registers none, which breaks the second
// derivative WGAN-GP needs: LeakyReLU's and ReLU's own gradients compare their input with 0.
for (const kernelName of ['Greater', 'GreaterEqual', 'Less', 'LessEqual', 'Equal', 'NotEqual']) {
  if (getGradient(kernelName) === undefined) {
    registerGradient({
      kernelName,
      inputsToSave: ['a', 'b'],
      gradFunc: (_dy, saved) => {
        const [a, b] = saved as Tensor[];
        return { a: () => zerosLike(a), b: () => zerosLike(b) };
      },
    });
  }
}

// Mean's and Sum's gradients spread dy back over the reduced axes. tfjs multiplies it by ones(x.shape): a tensor the
// size of the reduced input, filled in JavaScript and copied into the backend at every use (27 MB a dcgan-64 WGAN-GP
// step, bench/ops.ts). onesLike makes the same ones on the backend itself. (Not broadcastTo: its gradient, needed
// by a gradient penalty's second derivative, is a slice per tile — 20,000 more ops a step.)
function spreadOverReducedAxes(dy: Tensor, x: Tensor, axis: number | number[]): Tensor {
  const expanded = x.shape.slice();
  for (const a of util.parseAxisParam(axis, x.shape)) expanded[a] = 1;
  return mul(reshape(dy, expanded), onesLike(x));
}
registerGradient({
  kernelName: 'Sum',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as Tensor[];
    return { x: () => spreadOverReducedAxes(dy as Tensor, x, (attrs as { axis: number | number[] }).axis) };
  },
});
registerGradient({
  kernelName: 'Mean',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as Tensor[];
    const axis = (attrs as { axis: number | number[] }).axis;
    const reduced = util.parseAxisParam(axis, x.shape).reduce((n, a) => n * x.shape[a], 1);
    return { x: () => div(spreadOverReducedAxes(dy as Tensor, x, axis), reduced) };
  },
});

export * from '@tensorflow/tfjs-core';
