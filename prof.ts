import * as tf from './src/main/engine/tf';
import { startBackend } from './src/main/engine/backend';
import { presetConfig } from './src/shared/config/presets';
import { Trainer } from './src/main/engine/trainer';
import { Rng } from './src/main/engine/rng';
import { Adam } from './src/main/engine/optim';
let adamMs = 0;
const orig = Adam.prototype.apply;
Adam.prototype.apply = function (g) { const t = performance.now(); orig.call(this, g); adamMs += performance.now() - t; };
(async () => {
  await startBackend((process.argv[2] ?? 'tensorflow') as 'tensorflow');
  const batch = Number(process.argv[4] ?? 16);
  const config = presetConfig(process.argv[3] ?? 'dcgan-64', { train: { batchSize: batch } });
  const [h, w, c] = [config.model.imageSize, config.model.imageSize, config.model.channels];
  const count = batch * 4;
  const data = { name: 's', images: Rng.fromSeed(1).normals(count * h * w * c).map((v) => Math.tanh(v)), count, shape: [h, w, c] as [number, number, number], skipped: [] };
  const t = new Trainer(config, data);
  for (let i = 0; i < 3; i++) t.trainStep();
  const t0 = performance.now();
  const p = await tf.profile(() => { t.trainStep(); });
  const wall = performance.now() - t0;
  const by = new Map<string, { n: number; ms: number }>();
  let total = 0;
  for (const k of p.kernels) {
    const key = process.argv[5] === 'shapes' && !/Conv/.test(k.name) ? `${k.name} ${JSON.stringify(k.inputShapes)}` : k.name;
    const e = by.get(key) ?? { n: 0, ms: 0 };
    e.n++; e.ms += k.kernelTimeMs as number; total += k.kernelTimeMs as number;
    by.set(key, e);
  }
  const convMs = p.kernels.filter((k) => /Conv|MatMul/.test(k.name)).reduce((a, k) => a + (k.kernelTimeMs as number), 0);
  console.log(`conv+matmul ${convMs.toFixed(0)} ms, rest ${(total - convMs).toFixed(0)} ms`);
  console.log(`wall (profiled) ${wall.toFixed(0)} ms, kernels ${p.kernels.length}, kernel sum ${total.toFixed(0)} ms`);
  for (const [k, e] of [...by].sort((a, b) => b[1].ms - a[1].ms).slice(0, 40)) console.log(`${e.ms.toFixed(1).padStart(8)} ms ${String(e.n).padStart(5)}× ${k}`);
  adamMs = 0;
  const s: number[] = [];
  for (let i = 0; i < 5; i++) s.push(t.trainStep().stepMs);
  console.log('adam ms/step', (adamMs / 5).toFixed(1));
  console.log('unprofiled steps', s.map((x) => x.toFixed(0)).join(' '));
})();
