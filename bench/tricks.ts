/**
 * npm run bench -- tricks [--preset dcgan-64] [--batch 16] [--backends tensorflow,wasm] [--steps 8] [--warmup 2]
 *
 * What each small-data trick costs per training step: the preset plain, then with DiffAugment, ADA (at p = 1, its
 * most expensive), spectral norm in D, minibatch std, lazy R1 (γ 1, every 16: its cost amortised over 16 steps, so
 * the median hides it and the mean shows it) and all of them; then G updated twice a step, FastGAN and the style-based G
 * at the preset's width. Median and mean ms per step on synthetic data, in one
 * process per backend.
 */
import { parseArgs } from 'node:util';
import { closeBackends, startBackend, type BackendName } from '../src/main/engine/runtime/backend';
import { presetConfig } from '../src/shared/config/presets';
import { Trainer } from '../src/main/engine/training/trainer';
import type { Dataset } from '../src/main/engine/data/dataset';
import { Rng } from '../src/main/engine/training/rng';

const { values } = parseArgs({ options: { preset: { type: 'string', default: 'dcgan-64' }, batch: { type: 'string', default: '16' }, backends: { type: 'string', default: 'tensorflow,wasm' }, steps: { type: 'string', default: '16' }, warmup: { type: 'string', default: '2' } } });

const VARIANTS: Record<string, { model?: object; train?: object }> = {
  plain: {},
  diffaugment: { train: { augment: 'diffaugment' } },
  'ada (p = 1)': { train: { augment: 'ada', adaTarget: 0.001, adaKimg: 0.001 } }, // p jumps to 1 at once
  'spectral norm': { model: { spectralNorm: true } },
  'minibatch std': { model: { minibatchStd: true } },
  'R1 every 16': { train: { r1Gamma: 1, r1Every: 16 } },
  'all of them': { model: { spectralNorm: true, minibatchStd: true }, train: { augment: 'diffaugment', r1Gamma: 1, r1Every: 16 } },
  'G twice a step': { train: { gSteps: 2 } },
  // the other models at the preset's size and width (their own widths are scaled differently: see the small-data table)
  'FastGAN (self-supervised D, hinge)': { model: { kind: 'fastgan' }, train: { loss: 'hinge' } },
  'style-based G': { model: { kind: 'style' } },
};

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

async function main(): Promise<void> {
  const batch = Number(values.batch);
  console.log(`preset ${values.preset}, batch ${batch}, ${values.steps} steps after ${values.warmup} warm-up\n`);
  console.log('| backend | variant | median ms | mean ms | vs plain (mean) |\n|---|---|---:|---:|---:|');
  for (const name of values.backends!.split(',') as BackendName[]) {
    const backend = await startBackend(name);
    let plain = 0;
    for (const [variant, change] of Object.entries(VARIANTS)) {
      const config = presetConfig(values.preset!, { model: change.model ?? {}, train: { batchSize: batch, ...change.train } });
      const [h, w, c] = [config.model.imageSize, config.model.imageSize, config.model.channels];
      const count = batch * 4;
      const data: Dataset = { name: 'synthetic', images: Rng.fromSeed(1).normals(count * h * w * c).map((v) => Math.tanh(v)), count, shape: [h, w, c], skipped: [] };
      const trainer = new Trainer(config, data);
      for (let i = 0; i < Number(values.warmup); i++) trainer.trainStep();
      const times = Array.from({ length: Number(values.steps) }, () => trainer.trainStep().stepMs);
      trainer.dispose();
      if (variant === 'plain') plain = mean(times);
      console.log(`| ${backend.name} | ${variant} | ${median(times).toFixed(0)} | ${mean(times).toFixed(0)} | ${variant === 'plain' ? '' : `${((mean(times) / plain - 1) * 100).toFixed(1)} %`} |`);
    }
  }
  closeBackends();
}

void main();
