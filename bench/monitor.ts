/**
 * npm run bench -- monitor [--preset dcgan-64] [--steps 10] [--backend auto] [--faces]
 *
 * What measuring quality while training costs at the preset's own settings: the median training step on the
 * preset's data, the one-off embedding of the reference pictures (first measurement of a run), and each later
 * measurement (monitor.evalSamples samples drawn, embedded and scored). The slowdown is a later measurement over
 * evalEvery steps, and the one-off cost over the whole run's steps. --faces trains on DiceBear faces (64 px)
 * scored in the 'faces' space instead of the preset's own data.
 */
import { parseArgs } from 'node:util';
import { closeBackends, startBackend, type BackendName } from '../src/main/engine/runtime/backend';
import { loadDataset } from '../src/main/engine/data';
import { featureSpaceFor } from '../src/main/engine/metrics/featureSpace';
import { QualityMonitor } from '../src/main/engine/metrics/quality';
import { Trainer } from '../src/main/engine/training/trainer';
import { presetConfig } from '../src/shared/config/presets';
import { loadCartoonFaces } from '../src/main/engine/data/cartoonFaces';

const { values } = parseArgs({ options: { preset: { type: 'string', default: 'dcgan-64' }, steps: { type: 'string', default: '10' }, backend: { type: 'string', default: 'auto' }, faces: { type: 'boolean', default: false } } });

async function main(): Promise<void> {
  const backend = await startBackend(values.backend as BackendName | 'auto');
  const config = presetConfig(values.preset!, values.faces ? { monitor: { featureSpace: 'faces' } } : {});
  const data = values.faces ? await loadCartoonFaces(2000, config.model.imageSize) : await loadDataset(config);
  const trainer = new Trainer(config, data);
  trainer.trainStep(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < Number(values.steps); i++) times.push(trainer.trainStep().stepMs);
  const stepS = times.sort((a, b) => a - b)[times.length >> 1] / 1000;
  const { evalEvery, evalSamples } = config.monitor;
  const space = featureSpaceFor(config);
  const monitor = new QualityMonitor(space, data, evalSamples, '');
  const first = performance.now();
  monitor.measure(config.model.latentDim, (z) => trainer.generate(z));
  const firstS = (performance.now() - first) / 1000;
  const later = monitor.measure(config.model.latentDim, (z) => trainer.generate(z)).seconds;
  monitor.dispose();
  trainer.dispose();
  closeBackends();
  const every = evalEvery * stepS;
  console.log(`${values.preset} on ${data.name} (${data.count} pictures), ${backend.description}`);
  console.log(`  training step (median of ${times.length}): ${(stepS * 1000).toFixed(0)} ms`);
  console.log(`  first measurement (reference pictures embedded in '${space}'): ${firstS.toFixed(1)} s, once per run`);
  console.log(`  each later measurement (${evalSamples} samples): ${later.toFixed(2)} s every ${evalEvery} steps (${every.toFixed(0)} s of training)`);
  console.log(`  slowdown: ${((later / every) * 100).toFixed(2)} % per interval, plus ${((firstS / (config.train.steps * stepS)) * 100).toFixed(2)} % once over ${config.train.steps} steps`);
}

void main();
