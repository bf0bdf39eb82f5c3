/**
 * Exported generators: every architecture traced, written as ONNX (run by onnxruntime-node) and as a TF.js graph model
 * (run by tfjs-converter's GraphModel), equal to the studio's own pictures for the same latents at any batch size;
 * a trained run's export from its files; and the errors that name what cannot be exported.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import * as tf from '../../src/main/engine/runtime/tf';
import { startBackend } from '../../src/main/engine/runtime/backend';
import { buildGan, generateImages, type Gan } from '../../src/main/engine/models';
import { Rng } from '../../src/main/engine/training/rng';
import { presetConfig } from '../../src/shared/config/presets';
import type { ModelConfig } from '../../src/shared/config/schema';
import { traceBatchFree, traceForward } from '../../src/main/engine/export/trace';
import { onnxModel } from '../../src/main/engine/export/onnx';
import { tfjsGraphModel, type TfjsArtifacts } from '../../src/main/engine/export/tfjsGraph';
import { exportRunGenerator, traceGenerator } from '../../src/main/engine/export/generatorExport';
import { loadRunGenerator } from '../../src/main/engine/training/generator';
import { trainRun } from '../../src/main/engine/training/run';
import { tinyConfig } from './tinyRun';

const TOLERANCE = 1e-4;

function smallModel(kind: ModelConfig['kind'], extra: Partial<ModelConfig> = {}): ModelConfig {
  const size = { dcgan: 32, 'dcgan-tf': 32, fastgan: 32, 'keras-dcgan': 12, mlp: 12, resnet: 32, style: 32, 'two-fc': 12, began: 32 }[kind];
  return { ...presetConfig('mnist-quick').model, kind, imageSize: size, channels: 3, width: kind === 'keras-dcgan' || kind === 'two-fc' || kind === 'mlp' ? 0.125 : 4, latentDim: 16, classes: 0, ...extra };
}

function latents(n: number, gan: Pick<Gan, 'latentDim' | 'classes'>, seed = 7): { z: Float32Array; labels?: Float32Array } {
  const z = new Float32Array(Rng.fromSeed(seed).normals(n * gan.latentDim));
  // A blend of two classes for the last picture: the model takes class weights, not only one-hot rows.
  const labels = gan.classes > 0 ? new Float32Array(n * gan.classes).map((_, i) => (Math.floor(i / gan.classes) === n - 1 ? (i % gan.classes < 2 ? 0.5 : 0) : i % gan.classes === Math.floor(i / gan.classes) % gan.classes ? 1 : 0)) : undefined;
  return { z, labels };
}

async function runOnnx(bytes: Uint8Array, z: Float32Array, labels: Float32Array | undefined, latentDim: number, classes: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
  const n = z.length / latentDim;
  const feeds: Record<string, ort.Tensor> = { z: new ort.Tensor('float32', z, [n, latentDim]) };
  if (labels) feeds.labels = new ort.Tensor('float32', labels, [n, classes]);
  const out = await session.run(feeds);
  await session.release();
  return out.images.data as Float32Array;
}

async function runTfjs(artifacts: TfjsArtifacts, z: Float32Array, labels: Float32Array | undefined, latentDim: number, classes: number): Promise<Float32Array> {
  const model = await loadGraphModel(tf.io.fromMemory({ ...artifacts, format: 'graph-model' }));
  const n = z.length / latentDim;
  const feeds: Record<string, tf.Tensor> = { z: tf.tensor2d(z, [n, latentDim]) };
  if (labels) feeds.labels = tf.tensor2d(labels, [n, classes]);
  const images = model.execute(feeds, 'images') as tf.Tensor;
  const values = images.dataSync() as Float32Array;
  tf.dispose([images, ...Object.values(feeds)]);
  model.dispose();
  return values;
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}

const INFO = { description: 'test', metadata: { run: 'test' } };

describe('exported generators', () => {
  beforeAll(async () => {
    await startBackend('cpu');
  });

  const cases: [string, ModelConfig][] = [
    ['dcgan', smallModel('dcgan')],
    ['conditional dcgan', smallModel('dcgan', { classes: 3 })],
    ['dcgan-tf', smallModel('dcgan-tf')],
    ['fastgan', smallModel('fastgan')],
    ['keras-dcgan', smallModel('keras-dcgan')],
    ['conditional mlp', smallModel('mlp', { classes: 4, channels: 1 })],
    ['resnet', smallModel('resnet')],
    ['style', smallModel('style')],
    ['two-fc', smallModel('two-fc')],
    ['began', smallModel('began')],
  ];
  it.each(cases)('%s: ONNX and TF.js give the studio\'s pictures at batch 1 and 5', async (_, model) => {
    const gan = buildGan(model, Rng.fromSeed(3));
    // Running statistics away from their initial 0 / 1, so a wrong BatchNorm folding shows.
    for (const [name, v] of gan.generator.params.stats) if (name.endsWith('runningVar') || name.endsWith('runningMean')) v.assign(tf.add(v, tf.randomUniform(v.shape, 0.1, 0.5, 'float32', 11)));
    const before = tf.memory().numTensors;
    const { graph, info } = traceGenerator(gan, INFO);
    expect(tf.memory().numTensors).toBe(before);
    const onnxBytes = onnxModel(graph, info);
    const artifacts = tfjsGraphModel(graph, info);
    for (const n of [1, 5]) {
      const { z, labels } = latents(n, gan);
      const studio = generateImages(gan, z, labels);
      expect(maxDifference(await runOnnx(onnxBytes, z, labels, gan.latentDim, gan.classes), studio)).toBeLessThanOrEqual(TOLERANCE);
      expect(maxDifference(await runTfjs(artifacts, z, labels, gan.latentDim, gan.classes), studio)).toBeLessThanOrEqual(TOLERANCE);
    }
    gan.generator.params.dispose();
    gan.discriminator.params.dispose();
  });

  it('marks where the batch size sits in an attribute, and refuses a pass that depends on it otherwise', () => {
    const w = tf.ones([4, 4]);
    const graph = traceBatchFree([{ name: 'z', width: 4 }], (z) => tf.batchNorm(tf.matMul(z as tf.Tensor2D, w as tf.Tensor2D), tf.zeros([4]), tf.ones([4])));
    // tfjs reshapes a 2-D batch-norm input to [1, 1, batch, 4]: the batch is the third element there.
    const reshapes = graph.nodes.filter((n) => n.kernel === 'Reshape' && 'shape' in n.batchAttrs);
    expect(reshapes.map((n) => n.batchAttrs.shape)).toContain(2);
    expect(() => traceBatchFree([{ name: 'z', width: 4 }], (z) => tf.reshape(z, [z.shape[0] * 2, 2]))).toThrow(/changes with the batch size at operation 0 \(Reshape\.shape/);
    // a constant made from the batch size: right at one batch, wrong at any other
    expect(() => traceBatchFree([{ name: 'z', width: 4 }], (z) => tf.mul(z, tf.scalar(z.shape[0])))).toThrow(/changes with the batch size at constant 0/);
    expect(Object.prototype.hasOwnProperty.call(tf.engine(), 'runKernel')).toBe(false); // the engine is left as it was
    w.dispose();
  });

  it('names an operation it has no export for, and keeps constants out of the trace\'s tensors', () => {
    const before = tf.memory().numTensors;
    const z = tf.zeros([2, 3]);
    const graph = traceForward([{ name: 'z', tensor: z }], (x) => tf.cumsum(tf.mul(x, tf.scalar(2)), 1));
    z.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(graph.constants).toHaveLength(1);
    expect(Array.from(graph.constants[0].values)).toEqual([2]);
    const info = { ...INFO, imageShape: [1, 1, 3] as [number, number, number], latentDim: 3, classes: 0 };
    expect(() => onnxModel(graph, info)).toThrow(/operation 1 \(Cumsum\) of G has no ONNX export/);
    expect(() => tfjsGraphModel(graph, info)).toThrow(/operation 1 \(Cumsum\) of G has no TF.js export/);
  });
});

describe("a run's exported generator", () => {
  let dir: string;
  beforeAll(async () => {
    await startBackend('cpu');
    dir = mkdtempSync(join(tmpdir(), 'gan-export-'));
    await trainRun({ dir, config: tinyConfig({ steps: 6, emaDecay: 0.9 }, { classes: 10 }) });
  }, 120_000);

  it('writes G\'s weight average as ONNX and TF.js files that draw what the studio draws, with the run\'s facts', async () => {
    const g = loadRunGenerator(dir);
    expect(g.ema).toBe(true);
    const { z, labels } = latents(3, g.gan);
    const studio = g.generate(z, labels);

    const asOnnx = exportRunGenerator(dir, { format: 'onnx' });
    expect(asOnnx).toMatchObject({ step: 6, ema: true, path: join(dir, 'exports', 'generator-6.onnx') });
    const bytes = readFileSync(asOnnx.path);
    expect(maxDifference(await runOnnx(bytes, z, labels, g.latentDim, 10), studio)).toBeLessThanOrEqual(TOLERANCE);
    const model = onnx.ModelProto.decode(bytes);
    const meta = Object.fromEntries((model.metadataProps ?? []).map((p) => [p.key, p.value]));
    expect(meta).toMatchObject({ step: '6', ema: 'true', latentDim: String(g.latentDim) });
    expect(JSON.parse(meta.classes)).toHaveLength(10);
    expect(model.graph?.input?.map((i) => i.name)).toEqual(['z', 'labels']);

    const asTfjs = exportRunGenerator(dir, { format: 'tfjs', out: join(dir, 'tfjs-out') });
    const json = JSON.parse(readFileSync(join(asTfjs.path, 'model.json'), 'utf8'));
    const weightData = new Uint8Array(readFileSync(join(asTfjs.path, json.weightsManifest[0].paths[0]))).buffer;
    const fromFiles = { modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData, userDefinedMetadata: json.userDefinedMetadata };
    expect(maxDifference(await runTfjs(fromFiles, z, labels, g.latentDim, 10), studio)).toBeLessThanOrEqual(TOLERANCE);
    expect(json.userDefinedMetadata.description).toMatch(/step 6 \(weight average\)/);
    g.dispose();
  });
});
