/**
 * npm run bench -- exports [--backend auto|tensorflow|wasm|cpu] [--repeats 20]
 *
 * What taking a generator out of the studio costs and gives, for the 28 px and 64 px presets: the time to trace and
 * write each format, the file's size, and G's forward pass for 1 and 64 latents in the studio (this backend), in
 * onnxruntime-node (its CPU provider) and as the TF.js graph model (tfjs-converter on this backend); then the video
 * encoder: seconds to write a 240-frame interpolation (256 px) as MP4 and WebM. Untrained checkpoints (speed does
 * not depend on the weights).
 */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import * as tf from '../src/main/engine/runtime/tf';
import { BACKEND_NAMES, startBackend, type BackendName } from '../src/main/engine/runtime/backend';
import { loadRunGenerator } from '../src/main/engine/training/generator';
import { generateImages } from '../src/main/engine/models';
import { Rng } from '../src/main/engine/training/rng';
import { exportRunGenerator, type ModelFormat } from '../src/main/engine/export/generatorExport';
import { frameVideo } from '../src/main/engine/latent/export';
import type { PresetName } from '../src/shared/config/presets';
import { writeUntrainedRun } from './untrainedRun';

const { values } = parseArgs({ options: { backend: { type: 'string', default: 'auto' }, repeats: { type: 'string', default: '20' } } });
if (values.backend !== 'auto' && !(BACKEND_NAMES as readonly string[]).includes(values.backend!)) throw new Error(`--backend must be auto or one of ${BACKEND_NAMES.join(', ')}, got '${values.backend}'`);
const repeats = Number(values.repeats);
const PRESETS: PresetName[] = ['mnist-dcgan', 'dcgan-64'];

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function timed(run: () => unknown): Promise<number> {
  await run(); // warm-up
  const ms: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    await run();
    ms.push(performance.now() - t);
  }
  return median(ms);
}

function folderBytes(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.size;
  return ['model.json', 'group1-shard1of1.bin'].reduce((n, f) => n + statSync(join(path, f)).size, 0);
}

async function main(): Promise<void> {
  const backend = await startBackend(values.backend as BackendName | 'auto');
  console.log(`backend: ${backend.description}; median of ${repeats} forward passes`);
  const workspace = mkdtempSync(join(tmpdir(), 'bench-exports-'));
  for (const preset of PRESETS) {
    const dir = writeUntrainedRun(workspace, preset);

    const written: Partial<Record<ModelFormat, string>> = {};
    for (const format of ['onnx', 'tfjs', 'toy'] as const) {
      const t = performance.now();
      written[format] = exportRunGenerator(dir, { format }).path;
      console.log(`${preset} export ${format}: ${((performance.now() - t) / 1000).toFixed(2)} s, ${(folderBytes(format === 'toy' ? join(written[format]!, 'model') : written[format]!) / 1e6).toFixed(1)} MB`);
    }

    const g = loadRunGenerator(dir);
    const json = JSON.parse(readFileSync(join(written.tfjs!, 'model.json'), 'utf8'));
    const weightData = new Uint8Array(readFileSync(join(written.tfjs!, 'group1-shard1of1.bin'))).buffer;
    const graph = await loadGraphModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData }));
    const rows = new Map<number, string[]>();
    for (const n of [1, 64]) {
      const z = Rng.fromSeed(n).normals(n * g.latentDim);
      const studio = await timed(() => g.generate(z));
      const eager = await timed(() => generateImages(g.gan, z));
      // read after the tidy, as the toy does: a read inside it costs ~10× here (README)
      const tfjs = await timed(() => {
        const images = tf.tidy(() => graph.execute({ z: tf.tensor2d(z, [n, g.latentDim]) }, 'images') as tf.Tensor);
        images.dataSync();
        images.dispose();
      });
      rows.set(n, [`studio ${studio.toFixed(1)} ms (op by op ${eager.toFixed(1)} ms)`, `TF.js graph model ${tfjs.toFixed(1)} ms`]);
    }
    graph.dispose();
    // onnxruntime last: its threads spin-wait after each run and, on 2 cores, starve TensorFlow's when they share
    // the process (the TF.js rows measured up to 6× slower after it).
    const session = await ort.InferenceSession.create(readFileSync(written.onnx!));
    for (const n of [1, 64]) {
      const z = Rng.fromSeed(n).normals(n * g.latentDim);
      const onnx = await timed(() => session.run({ z: new ort.Tensor('float32', z, [n, g.latentDim]) }));
      console.log(`${preset} forward of ${n}: ${rows.get(n)![0]} · ${rows.get(n)![1]} · onnxruntime ${onnx.toFixed(1)} ms`);
    }
    await session.release();
    g.dispose();
  }

  const frames = new Float32Array(240 * 64 * 64 * 3).map((_, i) => Math.sin(i / 977));
  for (const format of ['mp4', 'webm'] as const) {
    const file = join(workspace, `frames.${format}`);
    const t = performance.now();
    await frameVideo(frames, [64, 64, 3], { format, frameMs: 40, file });
    console.log(`video ${format}: 240 frames of 256 × 256 in ${((performance.now() - t) / 1000).toFixed(2)} s, ${(statSync(file).size / 1e6).toFixed(2)} MB`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
