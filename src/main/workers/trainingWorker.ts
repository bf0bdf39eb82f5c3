/**
 * The training worker: one run, off main's event loop, over the one RPC. 'train' runs it, reporting the contract's
 * training events as progress; cancelling 'train' stops it at the end of a step (with a checkpoint); 'pause'
 * answers once the run waits between two steps, 'resume' lets it go on.
 */
import { relative } from 'node:path';
import { parentPort } from 'node:worker_threads';
import type { Config } from '../../shared/config/schema';
import type { RunStatus } from '../../shared/contract';
import type { BudgetPlan, StepProgress } from '../../shared/metrics';
import type { Alarm, QualityScores } from '../../shared/quality';
import { closeBackends, startBackend, type BackendName } from '../engine/runtime/backend';
import { recordFailure, trainRun } from '../engine/training/run';
import { loadCuratedDataset } from '../catalogue/pack';
import type { Trainer } from '../engine/training/trainer';
import type { StepMetrics } from '../../shared/metrics';
import { picturePngs, saliencyOverlay } from '../engine/latent/export';
import { serve } from './rpc';

/** A new run has `config`; without it the run in `dir` continues from its checkpoint, up to `steps` if given. */
export interface TrainingArgs { dir: string; config?: Config; steps?: number; backend: BackendName | 'auto' }

export type TrainingEvent =
  | { kind: 'status'; status: Extract<RunStatus, 'running' | 'paused'>; step: number; backend?: { description: string; gpu: boolean; compiled?: string } }
  | ({ kind: 'progress' } & Omit<StepProgress, 'runId'>)
  | { kind: 'sample'; step: number; file: string }
  | { kind: 'quality'; step: number; quality: QualityScores; snapshot: boolean }
  | { kind: 'alarm'; step: number; alarm: Alarm };

export type TrainingApi = {
  /** Ends with how the run ended; a failure is an error whose message says why (also left in the run's folder). */
  train: { args: TrainingArgs; progress: TrainingEvent; reply: { status: 'stopped' | 'finished'; step: number; checkpoint: string } };
  /** Answers with the step the run paused at (or ended at, when it ended first). */
  pause: { args: null; progress: never; reply: { step: number } };
  resume: { args: null; progress: never; reply: null };
  /**
   * Step-by-step mode, while paused: one D update ('D') or one G update completing a step ('G'), answered with what
   * D now says of each of the sample grid's pictures; a G step is recorded like any step (progress, metrics, charts).
   */
  step: { args: { network: 'D' | 'G' }; progress: never; reply: StepByHand };
  /** While paused: D's saliency on sample `index` of the grid. */
  saliency: { args: { index: number }; progress: never; reply: { step: number; score: number; picture: Uint8Array; overlay: Uint8Array } };
};

export interface StepByHand {
  network: 'D' | 'G';
  step: number;
  d: { lossD: number; dReal: number; dFake: number };
  /** After a G update: its loss and D's mean score of G's new pictures. */
  g?: { lossG: number; dFakeAfter: number };
  /** D's score of each of the grid's pictures, and the pictures (one PNG each). */
  scores: number[];
  samples: Uint8Array[];
}

let step = 0;
/** While paused: the gate the run waits at, and whoever waits for the run to reach it. */
let gate: { opened: Promise<void>; open(): void } | undefined;
/** Work to do on the paused run's trainer (step-by-step mode), taken in order while it waits at the gate. */
type ByHand = (trainer: Trainer) => Promise<StepMetrics | undefined>;
const byHand: ByHand[] = [];
let wakeByHand: (() => void) | undefined;
/** The paused run's trainer, once it waits at the gate. */
let pausedTrainer: Trainer | undefined;

/** Queues `work` for the paused run; refused when the run is not paused. */
function onPausedRun<T>(work: (trainer: Trainer) => Promise<{ value: T; step?: StepMetrics }>): Promise<T> {
  if (!gate || !pausedTrainer) return Promise.reject(new Error('pause the run first: stepping by hand works on a paused run'));
  return new Promise<T>((answer, fail) => {
    byHand.push((trainer) => work(trainer).then(({ value, step: made }) => (answer(value), made), (err: Error) => (fail(err), undefined)));
    wakeByHand?.();
  });
}

/** What D says of the grid now, as the reply of a step by hand. */
async function gridVerdict(trainer: Trainer): Promise<{ scores: number[]; samples: Uint8Array[] }> {
  const judged = trainer.judgeSamples();
  return { scores: judged.scores, samples: await picturePngs(judged.images, trainer.gan.imageShape) };
}
const pauseWaiters: ((at: { step: number }) => void)[] = [];
const answerPauses = (): void => void pauseWaiters.splice(0).forEach((answer) => answer({ step }));

serve<TrainingApi>(parentPort!, {
  train: async (data, job) => {
    job.signal.addEventListener('abort', () => gate?.open()); // a paused run that is stopped stops
    let plan: BudgetPlan | undefined;
    try {
      const backend = await startBackend(data.backend);
      const result = await trainRun({
        dir: data.dir,
        config: data.config,
        steps: data.steps,
        curated: loadCuratedDataset,
        signal: job.signal,
        onDataset: () => job.progress({ kind: 'status', status: 'running', step, backend: { description: backend.description, gpu: backend.gpu } }),
        onStep: (m, etaSeconds, steps) => {
          step = m.step;
          job.progress({ kind: 'progress', ...m, etaSeconds, steps, ...(plan && { budget: plan }) });
        },
        onPlan: (p) => void (plan = p),
        onCompiled: (compiled) => job.progress({ kind: 'status', status: 'running', step, backend: { description: backend.description, gpu: backend.gpu, compiled } }),
        onSample: (s, file) => job.progress({ kind: 'sample', step: s, file: relative(data.dir, file) }),
        onQuality: (s, quality, snapshot) => job.progress({ kind: 'quality', step: s, quality, snapshot: snapshot !== undefined }),
        onAlarm: (s, alarm) => job.progress({ kind: 'alarm', step: s, alarm }),
        betweenSteps: async (trainer) => {
          if (!gate) return undefined;
          const waiting = gate;
          pausedTrainer = trainer;
          job.progress({ kind: 'status', status: 'paused', step });
          answerPauses();
          // Paused: run what is asked by hand, in order, until resumed (or until a G step completes a step).
          let resumed = false;
          void waiting.opened.then(() => ((resumed = true), wakeByHand?.()));
          for (;;) {
            const work = byHand.shift();
            if (work) {
              const made = await work(trainer);
              if (made) return made; // recorded by the run; it comes back here, still paused
              continue;
            }
            if (resumed) break;
            await new Promise<void>((wake) => (wakeByHand = wake));
          }
          pausedTrainer = undefined;
          if (!job.signal.aborted) job.progress({ kind: 'status', status: 'running', step });
          return undefined;
        },
      });
      return { status: result.cancelled ? 'stopped' : 'finished', step: result.step, checkpoint: result.checkpoint };
    } catch (err) {
      recordFailure(data.dir, err instanceof Error ? err.message : String(err), step);
      throw err;
    } finally {
      answerPauses();
      closeBackends();
    }
  },
  pause: () => new Promise((answer) => {
    if (!gate) {
      let open!: () => void;
      gate = { opened: new Promise<void>((resolve) => (open = resolve)), open: () => ((gate = undefined), open()) };
    }
    pauseWaiters.push(answer);
  }),
  resume: () => {
    gate?.open();
    return null;
  },
  step: ({ network }) => onPausedRun<StepByHand>(async (trainer) => {
    if (network === 'D') return { value: { network, step: trainer.step, d: trainer.stepDiscriminator(), ...(await gridVerdict(trainer)) } };
    const m = trainer.stepGenerator();
    return { value: { network, step: m.step, d: { lossD: m.lossD, dReal: m.dReal, dFake: m.dFake }, g: { lossG: m.lossG!, dFakeAfter: m.dFakeAfter! }, ...(await gridVerdict(trainer)) }, step: m };
  }),
  saliency: ({ index }) => onPausedRun(async (trainer) => {
    const s = trainer.saliency(index);
    const [picture] = await picturePngs(s.picture, trainer.gan.imageShape);
    return { value: { step: trainer.step, score: s.score, picture, overlay: await saliencyOverlay(s.picture, s.map, trainer.gan.imageShape) } };
  }),
});

