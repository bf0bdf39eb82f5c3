/**
 * Conv/linear FLOPs of one training step, counted as ../shared/bench/torch_dcgan.py counts them so the GFLOP/s
 * compare: per-sample forward multiply-adds of every Conv2D, transposed conv and MatMul, read from the kernels
 * (with their shapes) that tfjs's profiler sees in one forward pass.
 */
import * as tf from '../src/main/engine/runtime/tf';
import type { Gan, Network } from '../src/main/engine/models';
import { Rng } from '../src/main/engine/training/rng';

const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/** Forward MACs per sample, in execution order. */
async function layerMacs(net: Network, input: tf.Tensor): Promise<number[]> {
  const n = input.shape[0]!;
  const info = await tf.profile(() => net.apply(input, { training: true, rng: Rng.fromSeed(0) }));
  const macs: number[] = [];
  for (const k of info.kernels) {
    const [a, b] = k.inputShapes;
    if (k.name === 'Conv2D') macs.push(size(k.outputShapes[0]) * b[0] * b[1] * b[2]);
    else if (k.name === 'Conv2DBackpropInput') macs.push(size(a) * b[0] * b[1] * b[2]); // transposed conv: dy × k·k·cout
    else if (k.name === 'BatchMatMul' || k.name === '_FusedMatMul') macs.push(size(k.outputShapes[0]) * a[a.length - 1]);
  }
  return macs.map((m) => m / n);
}

export async function stepFlops(gan: Gan, batch: number): Promise<{ total: number; parts: Record<string, number> }> {
  const g = await layerMacs(gan.generator, tf.zeros([2, gan.latentDim]));
  const d = await layerMacs(gan.discriminator, tf.zeros([2, ...gan.imageShape]));
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  const [fG, fD] = [sum(g), sum(d)];
  const parts: Record<string, number> = {
    'D fwd ×3': 3 * fD,
    'D bwd (D step, real + fake)': 2 * (2 * fD - d[0]),
    'D bwd (G step, input grads)': fD,
    'G fwd (once, shared by the D and G updates)': fG,
    'G bwd': 2 * fG - g[0],
  };
  for (const k of Object.keys(parts)) parts[k] *= 2 * batch;
  return { total: sum(Object.values(parts)), parts };
}
