/**
 * npm run bench -- --preset mnist-dcgan --batch 64 [--backend B] [--steps 10] [--warmup 2] [--no-torch]
 *
 * Median ms per full D+G training step on synthetic data, images/s, achieved GFLOP/s (conv/linear FLOPs, counted
 * as the PyTorch reference counts them), and — when ../shared/bench/torch_dcgan.py can run (Debian python3-torch) —
 * the same step in PyTorch in this same invocation and the ratio ours/PyTorch (PyTorch ms ÷ our ms).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '../src/main/engine/tf';
import { closeBackends, startBackend, type BackendName } from '../src/main/engine/backend';
import { presetConfig } from '../src/shared/config/presets';
import { Trainer } from '../src/main/engine/trainer';
import type { Dataset } from '../src/main/engine/data/dataset';
import { Rng } from '../src/main/engine/rng';
import { stepFlops } from './flops';

const TORCH_MODELS: Record<string, string> = { 'mnist-dcgan': 'mnist-dcgan', 'dcgan-64': 'dcgan64' };
const TORCH_SCRIPT = resolve(__dirname, '..', '..', 'shared', 'bench', 'torch_dcgan.py');

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function runTorch(model: string, batch: number, steps: number): { median_ms: number; blas: string; torch: string } | string {
  if (!existsSync(TORCH_SCRIPT)) return `no ${TORCH_SCRIPT}`;
  const out = join(mkdtempSync(join(tmpdir(), 'torch-bench-')), 'result.jsonl');
  const r = spawnSync('/usr/bin/python3', [TORCH_SCRIPT, '--model', model, '--batch', String(batch), '--steps', String(steps),
    '--threads', '2', '--blas', 'openblas', '--json', out], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0 || !existsSync(out)) return `PyTorch reference did not run: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`;
  return JSON.parse(readFileSync(out, 'utf8').trim().split('\n').pop()!) as { median_ms: number; blas: string; torch: string };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      preset: { type: 'string', default: 'mnist-dcgan' }, batch: { type: 'string', default: '64' },
      backend: { type: 'string', default: 'auto' }, steps: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' }, 'no-torch': { type: 'boolean', default: false },
    },
  });
  const batch = Number(values.batch);
  const steps = Number(values.steps);
  const backend = await startBackend(values.backend as BackendName | 'auto');
  const config = presetConfig(values.preset!, { train: { batchSize: batch } });
  const [h, w, c] = [config.model.imageSize, config.model.imageSize, config.model.channels];
  // Synthetic data in [-1, 1], as the PyTorch reference uses: the step, not the loader, is measured.
  const count = batch * 4;
  const data: Dataset = { name: 'synthetic', images: Rng.fromSeed(1).normals(count * h * w * c).map((v) => Math.tanh(v)), count, shape: [h, w, c], skipped: [] };
  const trainer = new Trainer(config, data);
  for (let i = 0; i < Number(values.warmup); i++) trainer.trainStep();
  const times: number[] = [];
  for (let i = 0; i < steps; i++) times.push(trainer.trainStep().stepMs);
  const ms = median(times);
  const flops = await stepFlops(trainer.gan, batch);
  trainer.dispose();

  console.log(`backend: ${backend.description}   tfjs ${tf.version_core}`);
  console.log(`preset ${values.preset}  batch ${batch}  steps ${steps} (after ${values.warmup} warm-up)`);
  console.log(`step times ms: ${times.map((t) => t.toFixed(0)).join(' ')}`);
  console.log(`ours:    median ${ms.toFixed(1)} ms/step   ${((batch * 1000) / ms).toFixed(1)} images/s   ${(flops.total / ms / 1e6).toFixed(1)} GFLOP/s (${(flops.total / 1e9).toFixed(2)} GFLOP/step)`);
  for (const [part, f] of Object.entries(flops.parts)) console.log(`    ${part.padEnd(34)} ${(f / 1e9).toFixed(3)} GFLOP`);

  const torchModel = TORCH_MODELS[values.preset!];
  if (values['no-torch'] || !torchModel) {
    console.log(torchModel ? 'PyTorch reference: skipped (--no-torch)' : `PyTorch reference: none for preset ${values.preset}`);
    return;
  }
  const torch = runTorch(torchModel, batch, steps);
  if (typeof torch === 'string') {
    console.log(`PyTorch reference: ${torch}`);
    return;
  }
  console.log(`PyTorch: median ${torch.median_ms.toFixed(1)} ms/step   ${((batch * 1000) / torch.median_ms).toFixed(1)} images/s   (torch ${torch.torch}, 2 threads, ${torch.blas.split(' ')[0]})`);
  console.log(`ratio ours/PyTorch (speed): ${(torch.median_ms / ms).toFixed(3)}×`);
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(closeBackends);
