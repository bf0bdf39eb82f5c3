/**
 * npm run bench -- curves [--presets mnist-quick,mnist-cgan] [--steps N] [--eval-every N] [--backend auto]
 *
 * Each preset's quality curve: trains it (its own steps, or --steps) with quality measured every --eval-every steps
 * (default: the preset's monitor.evalEvery) in its own feature space, and prints KID, FID, precision, recall and the
 * wall-clock time at each measurement.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { closeBackends, startBackend, type BackendName } from '../src/main/engine/runtime/backend';
import { trainRun } from '../src/main/engine/training/run';
import { presetConfig } from '../src/shared/config/presets';
import { FEATURE_SPACE_LABELS } from '../src/shared/quality';

const { values } = parseArgs({ options: { presets: { type: 'string', default: 'mnist-quick,mnist-cgan' }, steps: { type: 'string' }, 'eval-every': { type: 'string' }, backend: { type: 'string', default: 'auto' } } });

async function main(): Promise<void> {
  const backend = await startBackend(values.backend as BackendName | 'auto');
  console.log(`backend ${backend.description}`);
  for (const preset of values.presets!.split(',')) {
    const base = presetConfig(preset);
    const steps = Number(values.steps ?? base.train.steps);
    const evalEvery = Number(values['eval-every'] ?? base.monitor.evalEvery);
    const config = presetConfig(preset, { train: { steps }, monitor: { evalEvery, snapshotEvery: 0 } });
    const started = performance.now();
    const rows: string[] = [];
    let space = '';
    await trainRun({
      dir: join(mkdtempSync(join(tmpdir(), 'gan-curve-')), preset),
      config,
      onQuality: (step, q) => {
        space = FEATURE_SPACE_LABELS[q.space];
        rows.push(`| ${step} | ${((performance.now() - started) / 60_000).toFixed(1)} | ${q.kid.toPrecision(3)} ± ${q.kidStd.toPrecision(2)} | ${q.fid.toFixed(1)} | ${q.precision.toFixed(2)} | ${q.recall.toFixed(2)} | ${q.diversity.toFixed(2)} |`);
      },
      onAlarm: (step, a) => rows.push(`| ${step} | alarm: ${a.kind} | | | | | |`),
    });
    console.log(`\n### ${preset} (${config.train.steps} steps, ${config.monitor.evalSamples} samples per measurement, in ${space})\n`);
    console.log('| step | minutes | KID | FID | precision | recall | diversity |\n|---:|---:|---:|---:|---:|---:|---:|');
    for (const row of rows) console.log(row);
  }
  closeBackends();
}

void main();
