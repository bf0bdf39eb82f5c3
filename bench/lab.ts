/**
 * npm run bench -- lab [--backend auto|tensorflow|wasm|cpu] [--updates 40]
 *
 * Slider latency in the latent lab: the time from a `lab:render` request (one latent, as a slider move sends) to
 * its reply with the PNG, through the studio's router and the lab's worker, for the 28 px and 64 px generators
 * (median and p95 over a slider sweep). Beside it, the generator's forward pass alone in this process, to tell
 * the network's share from the worker, PNG and message costs; on the native backend compiled (one TensorFlow function,
 * as the lab runs it) and op by op. Goal: ≤ 100 ms per update for a 64 px generator on CPU.
 * The runs are untrained checkpoints written here (latency does not depend on the weights).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BACKEND_NAMES, closeBackends, startBackend, type BackendName } from '../src/main/engine/runtime/backend';
import { loadRunGenerator } from '../src/main/engine/training/generator';
import { generateImages } from '../src/main/engine/models';
import { Rng } from '../src/main/engine/training/rng';
import { Studio } from '../src/main/services/studio';
import type { PresetName } from '../src/shared/config/presets';
import { writeUntrainedRun } from './untrainedRun';

const { values } = parseArgs({ options: { backend: { type: 'string', default: 'auto' }, updates: { type: 'string', default: '40' } } });
if (values.backend !== 'auto' && !(BACKEND_NAMES as readonly string[]).includes(values.backend!)) throw new Error(`--backend must be auto or one of ${BACKEND_NAMES.join(', ')}, got '${values.backend}'`);
const PRESETS: PresetName[] = ['mnist-quick', 'mnist-dcgan', 'dcgan-64'];

const quantile = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

async function main(): Promise<void> {
  const backend = await startBackend(values.backend as BackendName | 'auto');
  const workspace = mkdtempSync(join(tmpdir(), 'bench-lab-'));
  for (const preset of PRESETS) writeUntrainedRun(workspace, preset);
  const studio = new Studio(workspace, backend.name, { kind: 'server' });
  console.log(`backend: ${backend.description}; ${values.updates} slider updates per generator`);
  try {
    for (const preset of PRESETS) {
      const open = await studio.handle('lab:open', { runId: preset });
      if (!open.ok) throw new Error(open.error.message);
      const { latentDim, imageShape } = open.value as { latentDim: number; imageShape: number[] };
      const base = Rng.fromSeed(1).normals(latentDim);
      const direction = Rng.fromSeed(2).normals(latentDim);
      const times: number[] = [];
      const updates = Number(values.updates);
      for (let k = -3; k < updates; k++) { // three warm-up renders
        const t = (k / updates) * 6 - 3;
        const latent = Array.from(base, (x, i) => x + t * direction[i]);
        const started = performance.now();
        const reply = await studio.handle('lab:render', { runId: preset, latents: [latent] });
        if (!reply.ok) throw new Error(reply.error.message);
        if (k >= 0) times.push(performance.now() - started);
      }
      const g = loadRunGenerator(join(workspace, preset));
      // G's forward alone: as the lab runs it (compiled where the backend has it), and op by op
      const timed = (draw: () => unknown): number => {
        const ms: number[] = [];
        for (let k = 0; k < 23; k++) {
          const started = performance.now();
          draw();
          if (k >= 3) ms.push(performance.now() - started);
        }
        return quantile(ms, 0.5);
      };
      const forward = timed(() => g.generate(base));
      const opByOp = g.forward ? ` compiled, ${timed(() => generateImages(g.gan, base)).toFixed(1)} ms op by op` : '';
      g.dispose();
      console.log(`${preset.padEnd(12)} ${imageShape[0]} px: slider update ${quantile(times, 0.5).toFixed(1)} ms median, ${quantile(times, 0.95).toFixed(1)} ms p95   (G forward alone ${forward.toFixed(1)} ms${opByOp})`);
    }
  } finally {
    await studio.stopAll();
    closeBackends();
    rmSync(workspace, { recursive: true, force: true });
  }
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => process.exit());
