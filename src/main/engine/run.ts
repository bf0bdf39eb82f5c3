/**
 * A training run in its folder: config.json, metrics.jsonl (one line per step), samples/step-N.png from the fixed
 * latents, checkpoint.bin. Starts or resumes, checkpoints every N steps, when cancelled and at the end.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../shared/config/schema';
import { loadCheckpoint, saveCheckpoint } from './checkpoint';
import { loadDataset, type CuratedLoader, type Dataset } from './data';
import { gridPng } from './sampleGrid';
import { Trainer, type StepMetrics } from './trainer';

export const runFiles = (dir: string) => ({
  config: join(dir, 'config.json'),
  metrics: join(dir, 'metrics.jsonl'),
  samples: join(dir, 'samples'),
  checkpoint: join(dir, 'checkpoint.bin'),
  /** Written when training failed: { message, step }; removed when the run trains again. */
  failure: join(dir, 'failure.json'),
  sample: (step: number) => join(dir, 'samples', `step-${String(step).padStart(6, '0')}.png`),
  /** A conditional run's class names, in label order. */
  classes: join(dir, 'classes.json'),
  /** The latent lab's strips and animations. */
  exports: join(dir, 'exports'),
});

export interface RunEvents {
  onDataset?(d: Dataset): void;
  onStep?(m: StepMetrics, etaSeconds: number): void;
  onSample?(step: number, file: string): void;
  onCheckpoint?(step: number, file: string): void;
}

export interface RunOptions extends RunEvents {
  dir: string;
  /** A new run's config; absent to resume the run in `dir`. */
  config?: Config;
  /** Train until this many steps in total (default: the config's train.steps). */
  steps?: number;
  signal?: AbortSignal;
  /** Loads data.source 'catalogue' (the studio passes its catalogue's loader). */
  curated?: CuratedLoader;
  /** Awaited between steps: a paused run waits here (the studio's Pause). */
  betweenSteps?: () => Promise<void>;
}

export interface RunResult { step: number; cancelled: boolean; checkpoint: string }

export async function trainRun(o: RunOptions): Promise<RunResult> {
  const files = runFiles(o.dir);
  rmSync(files.failure, { force: true });
  let config: Config;
  let trainer: Trainer;
  if (o.config) {
    if (existsSync(files.checkpoint)) throw new Error(`'${o.dir}' already holds a run: resume it or choose another folder`);
    config = o.config;
    mkdirSync(files.samples, { recursive: true });
    // Written first, so that a run whose dataset fails to load is still listed, with its failure.
    writeFileSync(files.config, JSON.stringify(config, null, 2));
    writeFileSync(files.metrics, '');
    const data = await loadDataset(config, o.curated);
    o.onDataset?.(data);
    trainer = new Trainer(config, data);
    if (config.model.classes > 0) writeFileSync(files.classes, JSON.stringify(data.classNames ?? Array.from({ length: config.model.classes }, (_, i) => `class ${i}`)));
  } else {
    if (!existsSync(files.checkpoint)) throw new Error(`'${o.dir}' has no checkpoint.bin to resume from`);
    const ck = loadCheckpoint(files.checkpoint);
    config = ck.config;
    const data = await loadDataset(config, o.curated);
    o.onDataset?.(data);
    trainer = new Trainer(config, data, ck);
    dropMetricsAfter(files.metrics, ck.state.step);
  }
  const target = o.steps ?? config.train.steps;
  const { sampleEvery, checkpointEvery } = config.monitor;

  const writeSample = async (): Promise<void> => {
    const png = await gridPng(trainer.generate(trainer.fixedLatents), trainer.gan.imageShape);
    const file = files.sample(trainer.step);
    writeFileSync(file, png);
    o.onSample?.(trainer.step, file);
  };
  const checkpoint = (): void => {
    saveCheckpoint(files.checkpoint, trainer);
    o.onCheckpoint?.(trainer.step, files.checkpoint);
  };

  try {
    if (trainer.step === 0) await writeSample();
    const recentMs: number[] = [];
    while (trainer.step < target && !o.signal?.aborted) {
      const m = trainer.trainStep();
      appendFileSync(files.metrics, `${JSON.stringify(m)}\n`);
      recentMs.push(m.stepMs);
      if (recentMs.length > 20) recentMs.shift();
      const mean = recentMs.reduce((a, b) => a + b, 0) / recentMs.length;
      o.onStep?.(m, ((target - trainer.step) * mean) / 1000);
      if (trainer.step % sampleEvery === 0) await writeSample();
      if (trainer.step % checkpointEvery === 0) checkpoint();
      // Let signals, timers and I/O callbacks run between steps (Ctrl-C must be able to stop us).
      await new Promise((resolve) => setImmediate(resolve));
      await o.betweenSteps?.();
    }
    if (trainer.step % sampleEvery !== 0) await writeSample();
    checkpoint();
    return { step: trainer.step, cancelled: Boolean(o.signal?.aborted), checkpoint: files.checkpoint };
  } finally {
    trainer.dispose();
  }
}

/** Leaves the reason a run failed in its folder, for whoever lists the runs later. */
export function recordFailure(dir: string, message: string, step: number): void {
  if (existsSync(dir)) writeFileSync(runFiles(dir).failure, JSON.stringify({ message, step }));
}

/** After a crash the metrics may run past the last checkpoint; the resumed run writes those steps again. */
function dropMetricsAfter(file: string, step: number): void {
  if (!existsSync(file)) return;
  const kept = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && (JSON.parse(line) as { step: number }).step <= step);
  writeFileSync(file, kept.map((l) => `${l}\n`).join(''));
}
