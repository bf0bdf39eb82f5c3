/**
 * A training run in its folder: config.json, metrics.jsonl (one line per step and per quality measurement),
 * samples/step-N.png from the fixed latents, checkpoint.bin, snapshots/ (kept moments with their scores) and
 * quality/ (the training pictures' cached features). Starts or resumes, checkpoints every N steps, when cancelled
 * and at the end. Every file but the appended metrics is written whole or not at all; a run whose losses turn NaN
 * or infinite stops there, keeping its last good checkpoint.
 */
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Config } from '../../../shared/config/schema';
import { RUN_ID, RUN_ID_RULE } from '../../../shared/picturePaths';
import { removeTemporaries, writeFileAtomic } from './atomicFile';
import { loadCheckpoint, saveCheckpoint } from './checkpoint';
import { appendMetrics, keepMetricsUpTo } from './metricsFile';
import { loadDataset, type CuratedLoader, type Dataset } from '../data';
import { featureSpaceFor } from '../metrics/featureSpace';
import { QualityMonitor } from '../metrics/quality';
import type { Alarm, QualityScores } from '../../../shared/quality';
import { AlarmWatch } from './alarms';
import { dropSnapshotsAfter, listSnapshots, saveSnapshot, snapshotFile, snapshotFolder, snapshotPath, type SnapshotChoice } from './snapshots';
import { gridPng } from './sampleGrid';
import type { BudgetPlan } from '../../../shared/metrics';
import { TimeBudget } from './timeBudget';
import { chooseWidth, secondsPerStepAt } from './widthPlan';
import { initFromRun, snapshotChoice } from './transfer';
import { Trainer, type StepMetrics } from './trainer';
import { describeCompiled } from '../runtime/stepCompiler';
import { EventWriter, hyperparameters } from './tensorboard';

/** A run's folder in a workspace; the one place a run id becomes a path, so an id from a request or a file can never climb out. */
export function runFolder(workspace: string, runId: string): string {
  if (!RUN_ID.test(runId)) throw new Error(`run id '${runId}' ${RUN_ID_RULE}`);
  return join(workspace, runId);
}

export const runLayout = (dir: string) => ({
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
  /** The training pictures' features in each feature space, by content hash. */
  quality: join(dir, 'quality'),
  /** TensorBoard's event files (monitor.tensorboard): one per session of training. */
  tensorboard: join(dir, 'tensorboard'),
  /** A run made from a generator imported from elsewhere: generator/ holds the model and this file its shape. */
  imported: join(dir, 'generator', 'generator.json'),
  /** The last linear probe of D (gan-studio probe, runs:probe). */
  probe: join(dir, 'probe.json'),
});

/** The file whose change means the run's generator changed: its checkpoint, or an imported generator's facts. */
export function generatorFile(dir: string): string {
  const { checkpoint, imported } = runLayout(dir);
  return existsSync(checkpoint) || !existsSync(imported) ? checkpoint : imported;
}

export interface RunEvents {
  onDataset?(d: Dataset): void;
  /** After each step: its metrics, the time left and the step the run trains to. */
  onStep?(m: StepMetrics, etaSeconds: number, steps: number): void;
  /** How its steps run on the native backend (compiled, or op by op and why), when that settles or changes. */
  onCompiled?(line: string): void;
  onSample?(step: number, file: string): void;
  onCheckpoint?(step: number, file: string): void;
  /** A quality measurement, and the snapshot file kept with it, if one was. */
  onQuality?(step: number, quality: QualityScores, snapshot: string | undefined): void;
  /** An alarm (collapse, D winning, a divergence the run recovered from), also kept in metrics.jsonl. */
  onAlarm?(step: number, alarm: Alarm): void;
  /** A time budget's plan (train.minutes): the step count it now aims at, and why. */
  onPlan?(plan: BudgetPlan): void;
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
  /**
   * Awaited before each step: a paused run waits here (the studio's Pause). While paused it may step the trainer by
   * hand (step-by-step mode: stepDiscriminator, then stepGenerator); a step it completes that way is returned and
   * recorded like any other (metrics, charts, samples, checkpoints).
   */
  betweenSteps?: (trainer: Trainer) => Promise<StepMetrics | undefined>;
}

export interface RunResult { step: number; cancelled: boolean; checkpoint: string }

export async function trainRun(o: RunOptions): Promise<RunResult> {
  const startedAt = performance.now();
  const files = runLayout(o.dir);
  rmSync(files.failure, { force: true });
  for (const folder of [o.dir, files.samples, join(o.dir, 'snapshots'), files.quality]) removeTemporaries(folder);
  let config: Config;
  let trainer: Trainer;
  /** The width this run's time budget chose (train.maxWidth), said with each plan. */
  let widened: Pick<BudgetPlan, 'width' | 'minSteps'> = {};
  if (o.config) {
    if (existsSync(files.checkpoint)) throw new Error(`'${o.dir}' already holds a run: resume it or choose another folder`);
    config = structuredClone(o.config); // a time budget plans its train.steps
    mkdirSync(files.samples, { recursive: true });
    // Written first, so that a run whose dataset fails to load is still listed, with its failure.
    writeFileAtomic(files.config, JSON.stringify(config, null, 2));
    writeFileAtomic(files.metrics, '');
    const data = await loadDataset(config, o.curated);
    o.onDataset?.(data);
    if (o.steps === undefined && config.train.minutes > 0 && config.train.maxWidth > config.model.width) {
      const deadline = startedAt + config.train.minutes * 60_000;
      config.model.width = await chooseWidth(config.model.width, config.train.maxWidth, config.train.minSteps, () => (deadline - performance.now()) / 1000, (w) => secondsPerStepAt(config, data, w), o.signal);
      widened = { width: config.model.width, minSteps: config.train.minSteps };
      writeFileAtomic(files.config, JSON.stringify(config, null, 2));
    }
    trainer = new Trainer(config, data);
    if (config.train.init) initFromRun(trainer, config.train.init, snapshotChoice(config.train.initSnapshot));
    if (config.model.classes > 0) writeFileAtomic(files.classes, JSON.stringify(data.classNames ?? Array.from({ length: config.model.classes }, (_, i) => `class ${i}`)));
  } else {
    if (!existsSync(files.checkpoint)) throw new Error(`'${o.dir}' has no checkpoint.bin to resume from`);
    const ck = loadCheckpoint(files.checkpoint);
    config = ck.config;
    const data = await loadDataset(config, o.curated);
    o.onDataset?.(data);
    trainer = new Trainer(config, data, ck);
    keepMetricsUpTo(files.metrics, ck.state.step);
    dropSnapshotsAfter(o.dir, ck.state.step);
  }
  let target = o.steps ?? config.train.steps;
  const { sampleEvery, checkpointEvery, evalEvery, evalSamples, snapshotEvery, keepSnapshots } = config.monitor;
  const monitor = evalEvery > 0 ? new QualityMonitor(featureSpaceFor(config), trainer.data, evalSamples, files.quality) : undefined;
  const alarms = new AlarmWatch(config);
  const raise = (alarm: Alarm | undefined): void => {
    if (!alarm) return;
    appendMetrics(files.metrics, { step: trainer.step, alarm });
    o.onAlarm?.(trainer.step, alarm);
  };
  let recoveries = 0;
  let compiledLine: string | undefined;
  /** TensorBoard's view of the run (monitor.tensorboard): a file per session, opened in the try below. */
  let board: EventWriter | undefined;

  const writeSample = async (): Promise<void> => {
    const png = await gridPng(trainer.generate(trainer.fixedLatents), trainer.gan.imageShape);
    const file = files.sample(trainer.step);
    writeFileAtomic(file, png);
    board?.image('samples', trainer.step, png);
    o.onSample?.(trainer.step, file);
  };
  /** The step the checkpoint on disk holds; none yet for a new run. */
  let checkpointStep: number | undefined = o.config ? undefined : trainer.step;
  const checkpoint = (): void => {
    saveCheckpoint(files.checkpoint, trainer);
    checkpointStep = trainer.step;
    o.onCheckpoint?.(trainer.step, files.checkpoint);
  };

  try {
    if (config.monitor.tensorboard) {
      board = new EventWriter(files.tensorboard);
      board.text('config', trainer.step, `\`\`\`json\n${JSON.stringify(config, null, 2)}\n\`\`\``);
      board.hparams(hyperparameters(config), basename(o.dir));
    }
    if (trainer.step === 0) await writeSample();
    // A new run with minutes instead of steps (and none asked for by the caller) plans its step count as it goes.
    const budget = o.config && o.steps === undefined && config.train.minutes > 0 ? new TimeBudget(config.train.minutes, startedAt, performance.now(), trainer.step) : undefined;
    const recentMs: number[] = [];
    while ((trainer.step < target || budget?.probing) && !o.signal?.aborted) {
      const byHand = await o.betweenSteps?.(trainer);
      if (o.signal?.aborted) break;
      const m = byHand ?? trainer.trainStep();
      appendMetrics(files.metrics, m);
      board?.scalars(m.step, { 'loss/D': m.lossD, 'loss/G': m.lossG, 'D/real': m.dReal, 'D/fake': m.dFake, 'D/fake after its update': m.dFakeAfter, 'G/gradient norm': m.gradNormG, 'augment/p': m.augmentP, 'BEGAN/convergence M': m.convergence, 'BEGAN/k': m.beganK, 'speed/images per s': m.imagesPerSec });
      const diverged = divergence(m);
      if (diverged) {
        const restoreFrom = checkpointStep === undefined ? undefined : newestGoodState(o.dir, files.checkpoint);
        if (!restoreFrom || recoveries >= config.train.recoverDivergence) {
          const tried = recoveries > 0 ? `, after ${recoveries} recover${recoveries === 1 ? 'y' : 'ies'} with lower learning rates,` : '';
          throw new RunDiverged(`the run diverged at step ${m.step}${tried}: ${diverged}; ${checkpointStep !== undefined ? `the last good checkpoint (step ${checkpointStep}) is kept` : 'no checkpoint was written before'} — lower the learning rates or try another objective`, m.step);
        }
        // Back to the newest good state with lower learning rates; what was trained since is dropped.
        recoveries++;
        const { lrG, lrD } = config.optim;
        const factor = config.train.recoverLrFactor;
        config = { ...config, optim: { ...config.optim, lrG: lrG * factor, lrD: lrD * factor } };
        writeFileAtomic(files.config, JSON.stringify(config, null, 2));
        const data = trainer.data;
        trainer.dispose();
        trainer = new Trainer(config, data, loadCheckpoint(restoreFrom));
        keepMetricsUpTo(files.metrics, trainer.step);
        dropSnapshotsAfter(o.dir, trainer.step);
        raise({
          kind: 'divergence',
          message: `the run diverged at step ${m.step} (${diverged}): restored step ${trainer.step} and lowered the learning rates from G ${lrG} / D ${lrD} to G ${config.optim.lrG} / D ${config.optim.lrD} (recovery ${recoveries} of ${config.train.recoverDivergence})`,
          advice: 'if it diverges again, lower the learning rates further, raise Adam ε, or try WGAN-GP or hinge; instance noise also steadies D',
        });
        continue;
      }
      recentMs.push(m.stepMs);
      if (recentMs.length > 20) recentMs.shift();
      const mean = recentMs.reduce((a, b) => a + b, 0) / recentMs.length;
      o.onStep?.(m, ((target - trainer.step) * mean) / 1000, target);
      const compiled = describeCompiled(trainer.compileStatus());
      if (compiled !== undefined && compiled !== compiledLine) o.onCompiled?.((compiledLine = compiled));
      alarms.afterStep(m).forEach(raise);
      if (trainer.step % sampleEvery === 0) await writeSample();
      const measuring = monitor !== undefined && trainer.step % evalEvery === 0;
      if (monitor && measuring) {
        const quality = monitor.measure(config.model.latentDim, (latents) => trainer.generate(latents));
        appendMetrics(files.metrics, { step: trainer.step, quality });
        board?.scalars(trainer.step, { 'quality/KID×1000': quality.kid * 1000, 'quality/FID': quality.fid, 'quality/precision': quality.precision, 'quality/recall': quality.recall, 'quality/density': quality.density, 'quality/coverage': quality.coverage });
        let kept: string | undefined;
        if (snapshotEvery > 0 && trainer.step % snapshotEvery === 0) {
          saveSnapshot(o.dir, trainer, quality, keepSnapshots);
          kept = snapshotFile(o.dir, trainer.step);
          // A snapshot step is also checkpointed, so a resume never starts before a kept snapshot.
          checkpoint();
        }
        o.onQuality?.(trainer.step, quality, kept);
        raise(alarms.afterMeasurement(quality));
      }
      if (trainer.step % checkpointEvery === 0 && checkpointStep !== trainer.step) checkpoint();
      const plan = budget?.afterStep(trainer.step, performance.now(), measuring);
      if (plan && plan.steps !== target) {
        target = config.train.steps = plan.steps; // the trainer shares this config: instance noise anneals to the plan
        writeFileAtomic(files.config, JSON.stringify(config, null, 2));
        o.onPlan?.({ ...plan, ...widened });
      }
      // Let signals, timers and I/O callbacks run between steps (Ctrl-C must be able to stop us).
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (trainer.step % sampleEvery !== 0) await writeSample();
    if (checkpointStep !== trainer.step) checkpoint();
    return { step: trainer.step, cancelled: Boolean(o.signal?.aborted), checkpoint: files.checkpoint };
  } finally {
    board?.close();
    monitor?.dispose();
    trainer.dispose();
  }
}

/** A run stopped because its losses left the numbers: nothing after the last good checkpoint is saved. */
export class RunDiverged extends Error {
  constructor(message: string, readonly step: number) {
    super(message);
    this.name = 'RunDiverged';
  }
}

/** The newest state saved: the run's checkpoint or its newest snapshot (the snapshot when both hold the same step). */
function newestGoodState(dir: string, checkpoint: string): string {
  const newest = listSnapshots(dir).at(-1);
  if (!newest) return checkpoint;
  return newest.step >= loadCheckpoint(checkpoint).state.step ? snapshotFile(dir, newest.step) : checkpoint;
}

/** What is not finite in a step's losses and scores, or undefined when all are. */
function divergence(m: StepMetrics): string | undefined {
  const values = { 'D loss': m.lossD, 'G loss': m.lossG ?? 0, 'D(x)': m.dReal, 'D(G(z))': m.dFake };
  const bad = Object.entries(values).filter(([, v]) => !Number.isFinite(v));
  return bad.length ? bad.map(([k, v]) => `${k} ${v}`).join(', ') : undefined;
}

/** Leaves the reason a run failed in its folder, for whoever lists the runs later. */
export function recordFailure(dir: string, message: string, step: number): void {
  if (existsSync(dir)) writeFileAtomic(runLayout(dir).failure, JSON.stringify({ message, step }));
}

/**
 * Continues a run from one of its snapshots in a new folder, leaving the original whole: the new run holds the
 * config, the snapshot as its checkpoint, and the metrics, samples and snapshots up to that step. Resume it next.
 */
export function branchRun(dir: string, choice: Exclude<SnapshotChoice, undefined>, into: string): number {
  const from = runLayout(dir);
  const to = runLayout(into);
  if (existsSync(to.config)) throw new Error(`'${into}' already holds a run: choose another folder to continue into`);
  const file = snapshotPath(dir, from.checkpoint, choice);
  const step = loadCheckpoint(file).state.step;
  mkdirSync(to.samples, { recursive: true });
  copyFileSync(from.config, to.config);
  if (existsSync(from.classes)) copyFileSync(from.classes, to.classes);
  if (existsSync(from.quality)) cpSync(from.quality, to.quality, { recursive: true });
  copyFileSync(from.metrics, to.metrics);
  keepMetricsUpTo(to.metrics, step);
  for (const name of readdirSync(from.samples)) {
    const m = /^step-(\d+)\.png$/.exec(name);
    if (m && Number(m[1]) <= step) copyFileSync(join(from.samples, name), join(to.samples, name));
  }
  if (existsSync(snapshotFolder(dir))) cpSync(snapshotFolder(dir), snapshotFolder(into), { recursive: true });
  dropSnapshotsAfter(into, step);
  copyFileSync(file, to.checkpoint);
  return step;
}
