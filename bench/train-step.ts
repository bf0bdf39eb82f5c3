/**
 * npm run bench -- --preset mnist-dcgan --batch 64 [--backend all|tensorflow|wasm|cpu] [--compiled off,auto,xla] [--steps 10] [--warmup 2] [--no-torch]
 *
 * On the native backend each of --compiled is a row: op by op (off), the compiled step (auto: one TensorFlow
 * function a step) and the compiled step through XLA (xla); a compiled row splits its step into the time inside
 * the function and the rest (JavaScript: tfjs, our models, the recorder).
 * Median ms per full D+G training step on synthetic data, images/s, achieved GFLOP/s (conv/linear FLOPs, counted
 * as the PyTorch reference counts them), and — when ../shared/bench/torch_dcgan.py can run (Debian python3-torch) —
 * the same step in PyTorch in this same invocation and the ratio ours/PyTorch (PyTorch ms ÷ our ms). Then, on each
 * backend, the same steps in a training run on the preset's own data (trainRun): the wall-clock time per step a run
 * spends, beside its median step. And one step under tfjs's profiler: convolutions and matrix products vs the rest.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '../src/main/engine/runtime/tf';
import { BACKEND_NAMES, closeBackends, startBackend, type BackendName } from '../src/main/engine/runtime/backend';
import { presetConfig } from '../src/shared/config/presets';
import { Trainer } from '../src/main/engine/training/trainer';
import { trainRun } from '../src/main/engine/training/run';
import type { Dataset } from '../src/main/engine/data/dataset';
import { Rng } from '../src/main/engine/training/rng';
import { stepFlops } from './flops';
import type { Binding, FunctionSpec, Meta } from '../src/main/engine/runtime/stepCompiler';

const TORCH_MODELS: Record<string, string> = { 'mnist-dcgan': 'mnist-dcgan', 'dcgan-64': 'dcgan64' };
const TORCH_SCRIPT = resolve(__dirname, '..', '..', 'shared', 'bench', 'torch_dcgan.py');

/** The plain-JavaScript backend gets this long for its one step under --backend all. */
const CPU_LIMIT_MS = 180_000;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function runTorch(model: string, batch: number, steps: number): { median_ms: number; blas: string; torch: string } | string {
  if (!existsSync(TORCH_SCRIPT)) return `no ${TORCH_SCRIPT}`;
  const out = join(mkdtempSync(join(tmpdir(), 'torch-bench-')), 'result.jsonl');
  const r = spawnSync('/usr/bin/python3', [TORCH_SCRIPT, '--model', model, '--batch', String(batch), '--steps', String(steps),
    '--threads', '2', '--blas', 'openblas', '--json', out], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0 || !existsSync(out)) return `PyTorch reference did not run: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`;
  return JSON.parse(readFileSync(out, 'utf8').trim().split('\n').pop()!) as { median_ms: number; blas: string; torch: string };
}

/**
 * What a training run spends: the preset on its own dataset through trainRun (the loop `gan-studio train` and the
 * studio run: batches drawn and flipped, metrics written, samples and a checkpoint at the ends), timed by the wall
 * clock between its steps after the warm-up, beside the median of the trainer's own step times.
 */
async function measureRun(preset: string, batch: number, steps: number, warmup: number, compiledStep: Compiled): Promise<{ wallMs: number; stepMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'train-step-run-'));
  const config = presetConfig(preset, { train: { batchSize: batch, steps: warmup + steps, compiledStep } });
  const at: number[] = [];
  const stepMs: number[] = [];
  try {
    await trainRun({ dir, config, onStep: (m) => { at.push(performance.now()); stepMs.push(m.stepMs); } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { wallMs: (at[at.length - 1] - at[warmup - 1]) / steps, stepMs: median(stepMs.slice(warmup)) };
}

/** Kernels that are convolutions or matrix products (forward and gradients alike), by their tfjs names. */
const CONVOLUTION = /Conv|MatMul/;

/**
 * One step under tfjs's profiler: its wall time, the time of the convolutions and matrix products it dispatched
 * (kernel timers), and the rest by difference (so the kernels our native BatchNorm issues past the registry, and
 * the dispatch itself, count there). The profiler's own bookkeeping inflates the wall time a little.
 */
async function timeSplit(trainer: Trainer): Promise<{ wallMs: number; convolutionMs: number; restMs: number; kernels: number; topRest: string }> {
  const started = performance.now();
  const info = await tf.profile(() => {
    trainer.trainStep();
  });
  const wallMs = performance.now() - started;
  let convolutionMs = 0;
  const rest = new Map<string, { ms: number; count: number }>();
  for (const k of info.kernels) {
    const ms = Number(await k.kernelTimeMs);
    if (CONVOLUTION.test(k.name)) convolutionMs += ms;
    else rest.set(k.name, { ms: (rest.get(k.name)?.ms ?? 0) + ms, count: (rest.get(k.name)?.count ?? 0) + 1 });
  }
  const topRest = [...rest].sort((a, b) => b[1].ms - a[1].ms).slice(0, 6).map(([name, t]) => `${name} ${t.ms.toFixed(0)} ms (${t.count}×)`).join(', ');
  return { wallMs, convolutionMs, restMs: wallMs - convolutionMs, kernels: info.kernels.length, topRest };
}

type Compiled = 'off' | 'auto' | 'xla';
const COMPILED_LABEL: Record<Compiled, string> = { off: '', auto: ' compiled', xla: ' compiled+XLA' };

/**
 * The convolutions and matrix products of a compiled step, timed inside a function of their own: the recorded step's
 * ops of those types alone, every input they took from another op fed as zeros of its shape (their time does not
 * depend on the values). TensorFlow times nothing inside a function for us, so this is how a compiled step splits
 * into convolutions and the rest.
 */
function convolutionsAlone(trainer: Trainer): { ms: number; ops: number } | null {
  const trace = [...trainer.stepRecordings()].sort((a, b) => b.ops.length - a.ops.length)[0];
  if (!trace) return null;
  const binding = (tf.backend() as unknown as { binding: Binding }).binding;
  const kept = new Map<number, number>(); // recorded op → its index in the new function
  const inputs: Meta[] = [];
  const consts: [number[], Int32Array][] = [];
  const ops: FunctionSpec['ops'] = [];
  trace.ops.forEach((op, i) => {
    if (!CONVOLUTION.test(op.op)) return;
    const refs: number[] = [];
    for (let k = 0; k < op.refs.length; k += 3) {
      const [kind, a, b] = op.refs.slice(k, k + 3);
      if (kind === 2 && kept.has(a)) refs.push(2, kept.get(a)!, b);
      else if (kind === 1) refs.push(1, consts.push(trace.consts[a]) - 1, 0);
      else refs.push(0, inputs.push(kind === 0 ? trace.inputs[a] : trace.ops[a].outputs[b]) - 1, 0);
    }
    kept.set(i, ops.push([op.op, op.attrs, Int32Array.from(refs), op.outputs.length]) - 1);
  });
  const outputs = Int32Array.from(ops.flatMap((o, i) => Array.from({ length: o[3] }, (_, k) => [i, k]).flat()));
  const name = 'gan_studio_bench_convolutions';
  binding.addStepFunction!(name, { inputs: inputs.map((m) => [m.dtype, m.shape]), consts, ops, outputs, xla: false });
  const zeros = inputs.map((m) => binding.createTensor(m.shape, m.dtype, new (m.dtype === binding.TF_INT32 ? Int32Array : Float32Array)(m.shape.reduce((a, b) => a * b, 1))));
  const times: number[] = [];
  for (let i = 0; i < 6; i++) {
    const started = performance.now();
    const out = binding.executeOp(name, [], zeros, outputs.length / 2);
    binding.tensorDataSync(out[0].id);
    if (i > 0) times.push(performance.now() - started);
    out.forEach((t) => binding.deleteTensor(t.id));
  }
  zeros.forEach((id) => binding.deleteTensor(id));
  binding.removeStepFunction!(name);
  return { ms: median(times), ops: ops.length };
}

/** Median ms per step of the preset on one backend (synthetic data in [-1, 1], as the PyTorch reference uses). */
async function measure(name: BackendName | 'auto', preset: string, batch: number, steps: number, warmup: number, compiledStep: Compiled) {
  const backend = await startBackend(name);
  const config = presetConfig(preset, { train: { batchSize: batch, compiledStep } });
  const [h, w, c] = [config.model.imageSize, config.model.imageSize, config.model.channels];
  const count = batch * 4;
  const data: Dataset = { name: 'synthetic', images: Rng.fromSeed(1).normals(count * h * w * c).map((v) => Math.tanh(v)), count, shape: [h, w, c], skipped: [] };
  const trainer = new Trainer(config, data);
  for (let i = 0; i < warmup; i++) trainer.trainStep();
  const times: number[] = [];
  const before = trainer.compileStatus();
  for (let i = 0; i < steps; i++) times.push(trainer.trainStep().stepMs);
  const after = trainer.compileStatus();
  const flops = await stepFlops(trainer.gan, batch);
  // A compiled step's kernels run inside one function, out of tfjs's profiler's sight: split it by the function's clock.
  const compiled = after && before && after.compiledPasses > before.compiledPasses
    ? { functionMs: (after.functionMs - before.functionMs) / (after.compiledPasses - before.compiledPasses), compiledSteps: after.compiledPasses - before.compiledPasses }
    : null;
  const split = warmup > 0 && compiledStep === 'off' ? await timeSplit(trainer) : null;
  const convolutions = compiled ? convolutionsAlone(trainer) : null;
  trainer.dispose();
  return { backend, times, ms: median(times), flops, split, compiled: compiled && { ...compiled, convolutionMs: convolutions?.ms, convolutionOps: convolutions?.ops }, reason: after?.reason, run: warmup > 0 ? await measureRun(preset, batch, steps, warmup, compiledStep) : null };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      preset: { type: 'string', default: 'mnist-dcgan' }, batch: { type: 'string', default: '64' },
      backend: { type: 'string', default: 'all' }, steps: { type: 'string', default: '10' }, compiled: { type: 'string', default: 'off,auto,xla' },
      warmup: { type: 'string', default: '2' }, 'no-torch': { type: 'boolean', default: false },
      /** Internal: measure one backend and print its result as one JSON line (what 'all' runs per backend). */
      json: { type: 'boolean', default: false },
    },
  });
  const batch = Number(values.batch);
  const steps = Number(values.steps);
  const preset = values.preset!;
  if (values.json) {
    const compiledStep = values.compiled as Compiled;
    const r = await measure(values.backend as BackendName, preset, batch, steps, Number(values.warmup), compiledStep);
    console.log(JSON.stringify({ name: `${r.backend.name}${COMPILED_LABEL[compiledStep]}`, description: `${r.backend.description}${COMPILED_LABEL[compiledStep]}`, times: r.times, ms: r.ms, gflop: r.flops.total / 1e9, split: r.split, compiled: r.compiled, reason: r.reason, run: r.run }));
    return;
  }
  console.log(`preset ${preset}  batch ${batch}  tfjs ${tf.version_core}`);
  // 'all': every backend, side by side, each in a process of its own (one backend's threads never slow another);
  // the plain-JavaScript cpu one for a single step: it is slow.
  const backends: (BackendName | 'auto')[] = values.backend === 'all' ? [...BACKEND_NAMES] : [values.backend as BackendName | 'auto'];
  // The native backend once per way of running its step; the others op by op (they have no compiled step).
  const wanted = backends.flatMap((name) => (name === 'tensorflow' ? (values.compiled!.split(',') as Compiled[]) : ['off' as const]).map((compiled) => ({ name, compiled })));
  const rows: { name: string; ms: number; run: { wallMs: number; stepMs: number } | null }[] = [];
  for (const { name, compiled } of wanted) {
    const slow = name === 'cpu' && values.backend === 'all';
    const args = [...process.execArgv, __filename, '--json', '--backend', name, '--compiled', compiled, '--preset', preset, '--batch', String(batch), '--steps', String(slow ? 1 : steps), '--warmup', slow ? '0' : values.warmup!];
    const child = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: slow ? CPU_LIMIT_MS : 1_800_000 });
    const line = child.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
    if (!line && slow && child.signal) {
      console.log(`cpu (plain JavaScript kernels): one step takes more than ${CPU_LIMIT_MS / 1000} s — not measured further`);
      continue;
    }
    if (!line) {
      console.log(`${name}: not measured — ${(child.stderr || child.error?.message || '').trim().split('\n').filter((l) => /rror/.test(l)).pop() ?? `exit ${child.status}`}`);
      continue;
    }
    const r = JSON.parse(line) as { name: string; description: string; times: number[]; ms: number; gflop: number; split: Awaited<ReturnType<typeof timeSplit>> | null; compiled: { functionMs: number; compiledSteps: number; convolutionMs?: number; convolutionOps?: number } | null; reason?: string; run: { wallMs: number; stepMs: number } | null };
    console.log(`${r.description}: step times ms ${r.times.map((t) => t.toFixed(0)).join(' ')}`);
    console.log(`    median ${r.ms.toFixed(1)} ms/step   ${((batch * 1000) / r.ms).toFixed(1)} images/s   ${(r.gflop * 1000 / r.ms).toFixed(1)} GFLOP/s (${r.gflop.toFixed(2)} GFLOP/step)`);
    if (r.split) console.log(`    one step profiled: ${r.split.wallMs.toFixed(0)} ms = convolutions and matrix products ${r.split.convolutionMs.toFixed(0)} ms (${(r.gflop * 1000 / r.split.convolutionMs).toFixed(1)} GFLOP/s in them) + the rest ${r.split.restMs.toFixed(0)} ms; ${r.split.kernels} kernels through tfjs`);
    if (r.split) console.log(`    the rest's costliest kernels: ${r.split.topRest}`);
    if (r.compiled) console.log(`    inside the function ${r.compiled.functionMs.toFixed(1)} ms a step (${(r.gflop * 1000 / r.compiled.functionMs).toFixed(1)} GFLOP/s counting the whole function), the rest ${(r.ms - r.compiled.functionMs).toFixed(1)} ms (JavaScript: tfjs, the models, the recorder); ${r.compiled.compiledSteps} of ${r.times.length} timed steps compiled`);
    if (r.compiled?.convolutionMs !== undefined) console.log(`    its ${r.compiled.convolutionOps} convolutions and matrix products alone, as a function of their own: ${r.compiled.convolutionMs.toFixed(1)} ms (${(r.gflop * 1000 / r.compiled.convolutionMs).toFixed(1)} GFLOP/s); so the rest of the function ≈ ${(r.compiled.functionMs - r.compiled.convolutionMs).toFixed(1)} ms`);
    if (r.reason) console.log(`    ran op by op: ${r.reason}`);
    if (r.run) console.log(`    in a training run on the preset's data: ${r.run.wallMs.toFixed(1)} ms/step by the wall clock, ${r.run.stepMs.toFixed(1)} ms the median step`);
    rows.push({ name: r.name, ms: r.ms, run: r.run });
  }

  const torchModel = TORCH_MODELS[preset];
  const torch = values['no-torch'] || !torchModel ? (torchModel ? 'skipped (--no-torch)' : `none for preset ${preset}`) : runTorch(torchModel, batch, steps);
  if (typeof torch === 'string') console.log(`PyTorch reference: ${torch}`);
  else console.log(`PyTorch: median ${torch.median_ms.toFixed(1)} ms/step   ${((batch * 1000) / torch.median_ms).toFixed(1)} images/s   (torch ${torch.torch}, 2 threads, ${torch.blas.split(' ')[0]})`);
  console.log('\nbackend      ms/step   images/s   ratio to PyTorch (speed)   in a run: ms/step, ratio');
  const ratio = (ms: number): string => (typeof torch === 'string' ? '—' : `${(torch.median_ms / ms).toFixed(3)}×`);
  for (const row of rows) {
    const run = row.run ? `${row.run.wallMs.toFixed(1).padStart(7)}   ${ratio(row.run.wallMs)}` : '';
    console.log(`${row.name.padEnd(12)} ${row.ms.toFixed(1).padStart(7)}   ${((batch * 1000) / row.ms).toFixed(1).padStart(8)}   ${ratio(row.ms).padEnd(24)}   ${run}`);
  }
  if (typeof torch !== 'string') console.log(`${'pytorch'.padEnd(12)} ${torch.median_ms.toFixed(1).padStart(7)}   ${((batch * 1000) / torch.median_ms).toFixed(1).padStart(8)}   1.000×`);
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(closeBackends);
