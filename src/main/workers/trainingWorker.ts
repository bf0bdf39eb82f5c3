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
};

let step = 0;
/** While paused: the gate the run waits at, and whoever waits for the run to reach it. */
let gate: { opened: Promise<void>; open(): void } | undefined;
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
        betweenSteps: async () => {
          if (!gate) return;
          job.progress({ kind: 'status', status: 'paused', step });
          answerPauses();
          await gate.opened;
          if (!job.signal.aborted) job.progress({ kind: 'status', status: 'running', step });
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
});

