import { startBackend } from './src/main/engine/backend';
import { presetConfig } from './src/shared/config/presets';
import { loadDataset } from './src/main/engine/data';
import { Trainer } from './src/main/engine/trainer';
import * as tf from './src/main/engine/tf';
async function main() {
  const be = await startBackend((process.argv[2] as any) ?? 'auto');
  console.log(be.description);
  const preset = process.argv[3] ?? 'mnist-dcgan';
  const batch = Number(process.argv[4] ?? 64);
  const cfg = presetConfig(preset, { train: { batchSize: batch }, data: { limit: 2000 } });
  let t0 = performance.now();
  const data = await loadDataset(cfg);
  console.log('data', data.count, data.shape, (performance.now()-t0).toFixed(0), 'ms', data.skipped.slice(0,3));
  const tr = new Trainer(cfg, data);
  for (let i = 0; i < 6; i++) { const m = tr.trainStep(); console.log(JSON.stringify(m), tf.memory().numTensors); }
}
main();
