/**
 * npm run soak [-- --kills 50 --backend wasm --seed 1]: trains a small run with `gan-studio`, kills it with SIGKILL
 * at random moments (mid-step, mid-sample, mid-checkpoint), resumes it each time, then trains it to its end and
 * compares it with the same run trained without a break. Prints: checkpoints that failed to load after a kill
 * (should be 0), steps lost per kill (at most one checkpoint interval), temporary files left, and whether the
 * resumed run equals the uninterrupted one (metrics and every tensor).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadCheckpoint } from '../src/main/engine/training/checkpoint';
import { readMetrics } from '../src/main/engine/training/metricsFile';
import { runLayout } from '../src/main/engine/training/run';
import { Rng } from '../src/main/engine/training/rng';

const { values: args } = parseArgs({ options: { kills: { type: 'string', default: '50' }, backend: { type: 'string', default: 'wasm' }, seed: { type: 'string', default: '1' } } });
const KILLS = Number(args.kills);
const CHECKPOINT_EVERY = 5;
const STEPS = 400;
const BIN = resolve(__dirname, '..', 'bin', 'gan-studio.cjs');
const SETTINGS = ['model.width=0.125', 'model.latentDim=8', 'data.limit=256', 'train.batchSize=8', 'train.emaDecay=0.99', `train.steps=${STEPS}`, `monitor.checkpointEvery=${CHECKPOINT_EVERY}`, 'monitor.sampleEvery=7'];
const rng = Rng.fromSeed(Number(args.seed));

interface Outcome { code: number | null; signal: NodeJS.Signals | null; stderr: string }

/** Runs gan-studio; with `killAfterSteps`, SIGKILLs it that many progress lines (plus 0–120 ms) after it starts training. */
function gan(cliArgs: string[], killAfterSteps?: number): Promise<Outcome> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...cliArgs, '--backend', args.backend!, '--progress-every', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let seen = 0;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      seen = stderr.split('\n').filter((l) => l.startsWith('step ')).length;
      if (killAfterSteps !== undefined && seen >= killAfterSteps && child.exitCode === null && !child.killed) {
        setTimeout(() => child.kill('SIGKILL'), Math.floor(rng.uniform() * 120));
      }
    });
    child.on('close', (code, signal) => done({ code, signal, stderr }));
  });
}

const last = <T>(xs: T[]): T | undefined => xs.at(-1);

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'gan-soak-'));
  const soaked = join(root, 'soaked');
  const straight = join(root, 'straight');
  const sets = SETTINGS.flatMap((s) => ['--set', s]);
  let corrupt = 0;
  let kills = 0;
  let finishedEarly = false;
  const lost: number[] = [];
  const failures: string[] = [];
  const started = performance.now();

  for (let i = 0; i < KILLS; i++) {
    const fresh = i === 0;
    const outcome = await gan(fresh ? ['train', '--preset', 'mnist-quick', ...sets, '--out', soaked] : ['resume', soaked], 1 + Math.floor(rng.uniform() * 12));
    if (outcome.signal !== 'SIGKILL') {
      if (outcome.code === 0) finishedEarly = true;
      else failures.push(`cycle ${i}: exit ${outcome.code}: ${last(outcome.stderr.trim().split('\n'))}`);
      if (outcome.code === 0) break;
      continue;
    }
    kills++;
    const files = runLayout(soaked);
    const trained = last(readMetrics(files.metrics))?.step ?? 0;
    try {
      const held = loadCheckpoint(files.checkpoint).state.step;
      lost.push(trained - held);
    } catch (err) {
      corrupt++;
      failures.push(`kill ${kills}: ${(err as Error).message}`);
      break;
    }
    process.stderr.write(`\rkills ${kills}/${KILLS}  trained to step ${trained}  lost so far ${lost.reduce((a, b) => a + b, 0)} steps   `);
  }
  process.stderr.write('\n');
  const leftovers = readdirSync(soaked, { recursive: true }).map(String).filter((f) => f.includes('.tmp-'));
  const end = await gan(['resume', soaked]);
  if (end.code !== 0) failures.push(`final resume: exit ${end.code}: ${last(end.stderr.trim().split('\n'))}`);
  const straightRun = await gan(['train', '--preset', 'mnist-quick', ...sets, '--out', straight]);
  if (straightRun.code !== 0) failures.push(`straight run: exit ${straightRun.code}`);

  const a = loadCheckpoint(runLayout(soaked).checkpoint);
  const b = loadCheckpoint(runLayout(straight).checkpoint);
  let maxTensorDiff = 0;
  for (const [name, values] of b.tensors) {
    const other = a.tensors.get(name)!;
    for (let k = 0; k < values.length; k++) maxTensorDiff = Math.max(maxTensorDiff, Math.abs(values[k] - other[k]));
  }
  const lossesOf = (dir: string): string[] => readMetrics(runLayout(dir).metrics).map((m) => JSON.stringify([m.step, m.lossD, m.lossG, m.dReal, m.dFake]));
  const [la, lb] = [lossesOf(soaked), lossesOf(straight)];
  const sameMetrics = la.length === lb.length && la.every((l, k) => l === lb[k]);

  const figures = {
    backend: args.backend,
    kills,
    finishedBeforeAllKills: finishedEarly,
    corruptCheckpoints: corrupt,
    checkpointEvery: CHECKPOINT_EVERY,
    stepsLostPerKill: { mean: +(lost.reduce((x, y) => x + y, 0) / Math.max(1, lost.length)).toFixed(2), max: Math.max(0, ...lost) },
    temporaryFilesLeft: leftovers.length,
    resumedEqualsUninterrupted: { steps: `${last(la)?.slice(1).split(',')[0]} vs ${last(lb)?.slice(1).split(',')[0]}`, metricsIdentical: sameMetrics, maxTensorDifference: maxTensorDiff },
    failures,
    minutes: +((performance.now() - started) / 60_000).toFixed(1),
  };
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
  rmSync(root, { recursive: true, force: true });
  if (corrupt > 0 || failures.length > 0 || Math.max(0, ...lost) > CHECKPOINT_EVERY || !sameMetrics || maxTensorDiff !== 0) process.exitCode = 1;
}

void main();
