/**
 * Generators made elsewhere: a PyTorch-style DCGAN in ONNX (NCHW, z as batch × d × 1 × 1, ConvTranspose,
 * BatchNormalization) run by our tfjs interpreter against onnxruntime-node's own output; our own exports (ONNX and
 * TF.js) imported back and drawing the studio's pictures; gradients through an imported G (inversion); refusals that
 * name the file and what is wrong.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/main/engine/runtime/tf';
import { startBackend } from '../../src/main/engine/runtime/backend';
import { importGenerator, openImportedGenerator } from '../../src/main/engine/export/importedGenerator';
import { exportRunGenerator } from '../../src/main/engine/export/generatorExport';
import { loadRunGenerator } from '../../src/main/engine/training/generator';
import { inferenceContext } from '../../src/main/engine/models/layers';
import { Rng } from '../../src/main/engine/training/rng';
import { trainRun } from '../../src/main/engine/training/run';
import { tinyConfig } from './tinyRun';

const { TensorProto, AttributeProto } = onnx;

/** A DCGAN generator as torch.onnx.export writes one: z (N × 16 × 1 × 1) → ConvTranspose/BN/ReLU ×2 → Tanh, N × 3 × 16 × 16. */
function pytorchStyleDcgan(): Uint8Array {
  const rng = Rng.fromSeed(2);
  const floats = (name: string, dims: number[], scale = 0.2, offset = 0): onnx.ITensorProto => {
    const n = dims.reduce((a, b) => a * b, 1);
    const values = Float32Array.from(rng.normals(n), (v) => offset + scale * v);
    return { name, dims, dataType: TensorProto.DataType.FLOAT, rawData: new Uint8Array(values.buffer) };
  };
  const ints = (name: string, v: number[]): onnx.IAttributeProto => ({ name, type: AttributeProto.AttributeType.INTS, ints: v });
  const init = [
    floats('w1', [16, 8, 4, 4]), floats('w2', [8, 3, 4, 4]), floats('b2', [3], 0.1),
    floats('gamma', [8], 0.1, 1), floats('beta', [8], 0.1), floats('mean', [8], 0.1), { ...floats('var', [8], 0.1, 1), rawData: new Uint8Array(Float32Array.from({ length: 8 }, (_, i) => 0.5 + i / 8).buffer) },
  ];
  const node = (opType: string, input: string[], output: string[], attribute: onnx.IAttributeProto[] = []): onnx.INodeProto => ({ opType, input, output, attribute, name: output[0] });
  const model: onnx.IModelProto = {
    irVersion: 8, opsetImport: [{ domain: '', version: 17 }], producerName: 'pytorch',
    graph: {
      name: 'main_graph',
      initializer: init,
      node: [
        // 1 → 4 px: kernel 4, stride 1, no padding (PyTorch's first layer)
        node('ConvTranspose', ['z', 'w1'], ['h1'], [ints('kernel_shape', [4, 4]), ints('strides', [1, 1]), ints('pads', [0, 0, 0, 0])]),
        node('BatchNormalization', ['h1', 'gamma', 'beta', 'mean', 'var'], ['h2'], [{ name: 'epsilon', type: AttributeProto.AttributeType.FLOAT, f: 1e-5 }]),
        node('Relu', ['h2'], ['h3']),
        node('Resize', ['h3', '', 'scales'], ['h4'], [{ name: 'mode', type: AttributeProto.AttributeType.STRING, s: Buffer.from('nearest') }, { name: 'coordinate_transformation_mode', type: AttributeProto.AttributeType.STRING, s: Buffer.from('asymmetric') }, { name: 'nearest_mode', type: AttributeProto.AttributeType.STRING, s: Buffer.from('floor') }]),
        // 8 → 16 px: kernel 4, stride 2, padding 1 (PyTorch's k4 s2 p1)
        node('ConvTranspose', ['h4', 'w2', 'b2'], ['h5'], [ints('kernel_shape', [4, 4]), ints('strides', [2, 2]), ints('pads', [1, 1, 1, 1])]),
        node('Tanh', ['h5'], ['images']),
      ],
      input: [{ name: 'z', type: { tensorType: { elemType: TensorProto.DataType.FLOAT, shape: { dim: [{ dimParam: 'batch' }, { dimValue: 16 }, { dimValue: 1 }, { dimValue: 1 }] } } } }],
      output: [{ name: 'images', type: { tensorType: { elemType: TensorProto.DataType.FLOAT, shape: { dim: [{ dimParam: 'batch' }, { dimValue: 3 }, { dimValue: 16 }, { dimValue: 16 }] } } } }],
    },
  };
  model.graph!.initializer!.push({ name: 'scales', dims: [4], dataType: TensorProto.DataType.FLOAT, floatData: [1, 1, 2, 2] });
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

const maxDifference = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe('generators made elsewhere', () => {
  const folder = mkdtempSync(join(tmpdir(), 'gan-import-'));
  beforeAll(async () => {
    await startBackend('cpu');
  });

  it("runs a PyTorch-style DCGAN's ONNX file as onnxruntime does, pictures turned channels-last", async () => {
    const file = join(folder, 'pytorch-dcgan.onnx');
    writeFileSync(file, pytorchStyleDcgan());
    const facts = importGenerator(file, join(folder, 'torch-run'));
    expect(facts).toMatchObject({ format: 'onnx', latentDim: 16, classes: 0, imageShape: [16, 16, 3], latentLayout: 'nchw', imageLayout: 'nchw' });

    const n = 3;
    const z = Float32Array.from(Rng.fromSeed(5).normals(n * 16));
    const session = await ort.InferenceSession.create(file);
    const reference = (await session.run({ z: new ort.Tensor('float32', z, [n, 16, 1, 1]) })).images.data as Float32Array; // N × 3 × 16 × 16
    await session.release();
    const g = openImportedGenerator(join(folder, 'torch-run'));
    const before = tf.memory().numTensors;
    const ours = tf.tidy(() => g.generator.apply(tf.tensor2d(z, [n, 16]), inferenceContext(Rng.fromSeed(0))).dataSync()); // N × 16 × 16 × 3
    expect(tf.memory().numTensors).toBe(before);
    const asNchw = tf.tidy(() => tf.transpose(tf.tensor4d(ours, [n, 16, 16, 3]), [0, 3, 1, 2]).dataSync());
    expect(maxDifference(asNchw, reference)).toBeLessThanOrEqual(1e-4);

    // differentiable: the lab's inversion moves z along this gradient
    const grad = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(g.generator.apply(x, inferenceContext(Rng.fromSeed(0)))))(tf.tensor2d(z, [n, 16])).dataSync());
    expect(grad.every(Number.isFinite) && grad.some((v) => v !== 0)).toBe(true);
    expect(() => g.discriminator.features(tf.zeros([1, 16, 16, 3]), inferenceContext(Rng.fromSeed(0)))).toThrow(/imported from .*pytorch-dcgan\.onnx': it comes without a discriminator/);
    g.dispose();
  });

  it('opens our own ONNX and TF.js exports of a conditional run, drawing what the studio draws', async () => {
    const dir = join(folder, 'digits');
    await trainRun({ dir, config: tinyConfig({ steps: 4 }, { classes: 10 }) });
    const studio = loadRunGenerator(dir);
    const z = Float32Array.from(Rng.fromSeed(8).normals(4 * studio.latentDim));
    const labels = Float32Array.from({ length: 40 }, (_, i) => (i % 10 === Math.floor(i / 10) * 3 ? 1 : 0));
    const expected = studio.generate(z, labels);
    studio.dispose();
    for (const format of ['onnx', 'tfjs'] as const) {
      const exported = exportRunGenerator(dir, { format });
      const facts = importGenerator(exported.path, join(folder, `back-${format}`));
      expect(facts).toMatchObject({ format, latentDim: 8, classes: 10, imageShape: [28, 28, 1], latentLayout: 'flat', imageLayout: 'nhwc' });
      const g = openImportedGenerator(join(folder, `back-${format}`));
      const drawn = tf.tidy(() => g.generator.apply(tf.concat([tf.tensor2d(z, [4, 8]), tf.tensor2d(labels, [4, 10])], 1), inferenceContext(Rng.fromSeed(0))).dataSync());
      expect(maxDifference(drawn, expected), format).toBeLessThanOrEqual(1e-4);
      g.dispose();
    }
  }, 60_000);

  it('refuses what is not a generator, naming the file and the reason', () => {
    const bad = join(folder, 'noise.onnx');
    writeFileSync(bad, Buffer.from('not a model at all, certainly not protobuf \u00ff\u00ff\u00ff'));
    expect(() => importGenerator(bad, join(folder, 'x'))).toThrow(/noise\.onnx' is not an ONNX model/);
    const model = onnx.ModelProto.decode(pytorchStyleDcgan());
    model.graph!.node![2].opType = 'Softplus';
    const odd = join(folder, 'softplus.onnx');
    writeFileSync(odd, onnx.ModelProto.encode(model).finish());
    expect(() => importGenerator(odd, join(folder, 'y'))).toThrow(/softplus\.onnx' uses ONNX ops GAN Studio cannot run: Softplus/);
    expect(() => importGenerator(join(folder, 'missing.onnx'), join(folder, 'z'))).toThrow(/missing\.onnx' does not exist/);
    // a refusal leaves no half-made run behind, and an existing run is never written into
    expect(['x', 'y', 'z'].some((d) => existsSync(join(folder, d)))).toBe(false);
    expect(() => importGenerator(odd, join(folder, 'torch-run'))).toThrow(/torch-run' exists already: an imported generator makes a new run/);
    expect(existsSync(join(folder, 'torch-run', 'generator', 'generator.json'))).toBe(true);
  });
});
