/**
 * The one tfjs entry point of the engine: the core API plus every op's gradient.
 * (`@tensorflow/tfjs` would also pull in the WebGL backend, layers and converter, which the engine never uses.)
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { setOpHandler } from '@tensorflow/tfjs-core/dist/tensor';
import { buffer, cast, clone, getGradient, print, registerGradient, zerosLike, type Tensor } from '@tensorflow/tfjs-core';

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

export * from '@tensorflow/tfjs-core';
