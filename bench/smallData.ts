/**
 * npm run bench -- small-data [--pictures 1000] [--minutes 10] [--variants plain,diffaugment,ada,sn,resnet-sn,recipe] (also: diffaugment-ema, diffaugment-eager, r1, fastgan, style)
 *                             [--size 64] [--width 32] [--batch 32] [--n 1000] [--seed 1]
 *
 * The small-data table: a DCGAN on the first N embedded cartoon faces, trained for the same time budget in each
 * variant (the plain DCGAN, DiffAugment, ADA, spectral norm, SNGAN's ResNet, FastGAN, the style-based G, and a combination: SN, DiffAugment, hinge, EMA), each measured
 * while training (KID in the `faces` space every 500 steps, the best snapshot kept), then at its last step and on
 * its best snapshot with N samples against the N training pictures. Prints one table row per variant as it finishes.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { closeBackends, startBackend } from '../src/main/engine/runtime/backend';
import { evaluateRun, type EvalResult } from '../src/main/engine/metrics/evaluate';
import { listSnapshots, snapshotStep } from '../src/main/engine/training/snapshots';
import { trainRun } from '../src/main/engine/training/run';
import { presetConfig } from '../src/shared/config/presets';
import type { ConfigInput } from '../src/shared/config/schema';

const { values } = parseArgs({
  options: {
    pictures: { type: 'string', default: '1000' }, minutes: { type: 'string', default: '10' }, variants: { type: 'string', default: 'plain,diffaugment,ada,sn,resnet-sn,recipe' },
    size: { type: 'string', default: '64' }, width: { type: 'string', default: '32' }, batch: { type: 'string', default: '32' }, n: { type: 'string', default: '1000' }, seed: { type: 'string', default: '1' },
  },
});

const VARIANTS: Record<string, { model?: ConfigInput['model']; optim?: ConfigInput['optim']; train?: ConfigInput['train'] }> = {
  plain: {},
  diffaugment: { train: { augment: 'diffaugment' } },
  /** DiffAugment keeping G's weight average: scored with the average and with the last weights (one training, two rows) */
  'diffaugment-ema': { train: { augment: 'diffaugment', emaDecay: 0.999 } },
  /** DiffAugment with every step op by op (the native backend's compiled step off): what compiling gives at a fixed budget */
  'diffaugment-eager': { train: { augment: 'diffaugment', compiledStep: 'off' } },
  ada: { train: { augment: 'ada' } },
  sn: { model: { spectralNorm: true } },
  r1: { train: { r1Gamma: 1 } },
  /** SNGAN's ResNet at width 8 (about 3.5× a width-32 DCGAN's step here) */
  'resnet-sn': { model: { kind: 'resnet', width: 8, spectralNorm: true }, train: { loss: 'hinge' } },
  /** FastGAN as its paper trains it (hinge, DiffAugment), width 8 (about 1.7× a width-32 DCGAN's step here) */
  fastgan: { model: { kind: 'fastgan', width: 8 }, train: { loss: 'hinge', augment: 'diffaugment' } },
  /** the style-based G (DCGAN's D) with DiffAugment, width 32 (about 1.6× a width-32 DCGAN's step), StyleGAN2's Adam */
  style: { model: { kind: 'style', width: 32 }, optim: { lrG: 2e-3, lrD: 2e-3, beta1: 0, beta2: 0.99 }, train: { augment: 'diffaugment' } },
  /** what the faces-64 preset trains with */
  recipe: { model: { spectralNorm: true }, train: { augment: 'diffaugment', loss: 'hinge', emaDecay: 0.999 } },
};

async function main(): Promise<void> {
  const backend = await startBackend('auto');
  const pictures = Number(values.pictures);
  const minutes = Number(values.minutes);
  console.log(`backend ${backend.description}; ${pictures} cartoon faces at ${values.size} px, DCGAN width ${values.width}, batch ${values.batch}, ${minutes} minutes per variant\n`);
  console.log(`| variant | steps | s/step | KID ×10³ at the end | FID | precision | recall | memorised | best snapshot: KID ×10³ (step) |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|`);
  for (const name of values.variants!.split(',')) {
    const variant = VARIANTS[name];
    if (!variant) throw new Error(`unknown variant '${name}' (known: ${Object.keys(VARIANTS).join(', ')})`);
    const config = presetConfig('dcgan-64', {
      model: { imageSize: Number(values.size), width: Number(values.width), ...variant.model },
      ...(variant.optim && { optim: variant.optim }),
      data: { source: 'cartoon-faces', limit: pictures, flip: true },
      train: { batchSize: Number(values.batch), steps: 1, minutes, seed: Number(values.seed), ...variant.train },
      monitor: { evalEvery: 500, snapshotEvery: 500, keepSnapshots: 1, featureSpace: 'faces', sampleEvery: 500, checkpointEvery: 500 },
    });
    const dir = join(mkdtempSync(join(tmpdir(), 'gan-small-data-')), name);
    const started = performance.now();
    const result = await trainRun({ dir, config });
    const seconds = (performance.now() - started) / 1000;
    const n = Number(values.n);
    /** Scores at the last step and on the best snapshot (the same object when there is none). */
    const scored = async (lastWeights: boolean): Promise<[EvalResult, EvalResult]> => {
      const end = await evaluateRun(dir, { n, lastWeights });
      return [end, listSnapshots(dir).length ? await evaluateRun(dir, { n, snapshot: 'best', lastWeights }) : end];
    };
    const kid = (q: { kid: number; kidStd: number }): string => `${(q.kid * 1000).toFixed(1)} ± ${(q.kidStd * 1000).toFixed(1)}`;
    const row = (label: string, [end, best]: [EvalResult, EvalResult]): void => console.log(`| ${label} | ${result.step} | ${(seconds / result.step).toFixed(2)} | ${kid(end)} | ${end.fid.toFixed(1)} | ${end.precision.toFixed(2)} | ${end.recall.toFixed(2)} | ${end.memorised.toFixed(2)} | ${best === end ? '—' : `${kid(best)} (${snapshotStep(dir, 'best')})`} |   ${dir}`);
    const average = await scored(false);
    row(average[0].ema ? `${name} (average)` : name, average);
    if (average[0].ema) row(`${name} (last weights)`, await scored(true));
  }
  closeBackends();
}

void main();
