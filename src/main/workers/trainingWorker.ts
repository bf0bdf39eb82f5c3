/**
 * The training worker: one run, off main's event loop. Main sends 'pause' | 'resume' | 'stop'; the worker posts
 * the contract's training events plus acknowledgements.
 */
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../../shared/config/schema';
import type { StepProgress } from '../../shared/metrics';
import { closeBackends, startBackend, type BackendName } from '../engine/runtime/backend';
import { recordFailure, runLayout, trainRun } from '../engine/training/run';
import { loadCuratedDataset } from '../catalogue/pack';

export type ToWorker = { kind: 'pause' } | { kind: 'resume' } | { kind: 'stop' };
export type FromWorker =
  | { kind: 'status'; status: 'running' | 'paused' | 'stopped' | 'finished' | 'failed'; step: number; message?: string; checkpoint?: string; backend?: { description: string; gpu: boolean } }
  | ({ kind: 'progress' } & Omit<StepProgress, 'runId'>)
  | { kind: 'sample'; step: number; file: string };

/** A new run has `config`; without it the run in `dir` continues from its checkpoint, up to `steps` if given. */
export interface TrainingWorkerData { dir: string; config?: Config; steps?: number; backend: BackendName | 'auto' }

const port = parentPort!;
const data = workerData as TrainingWorkerData;
const post = (m: FromWorker): void => port.postMessage(m);

const controller = new AbortController();
let step = 0;
let resumeGate: { promise: Promise<void>; open: () => void } | undefined;

port.on('message', (m: ToWorker) => {
  if (m.kind === 'pause' && !resumeGate) {
    let open!: () => void;
    resumeGate = { promise: new Promise<void>((resolve) => (open = resolve)), open };
  } else if (m.kind === 'resume' && resumeGate) {
    resumeGate.open();
    resumeGate = undefined;
    post({ kind: 'status', status: 'running', step });
  } else if (m.kind === 'stop') {
    controller.abort();
    resumeGate?.open();
  }
});

async function main(): Promise<void> {
  try {
    const backend = await startBackend(data.backend);
    const result = await trainRun({
      dir: data.dir,
      config: data.config,
      steps: data.steps,
      curated: loadCuratedDataset,
      signal: controller.signal,
      onDataset: () => post({ kind: 'status', status: 'running', step, backend: { description: backend.description, gpu: backend.gpu } }),
      onStep: (m, etaSeconds) => {
        step = m.step;
        post({ kind: 'progress', ...m, etaSeconds });
      },
      onSample: (s, file) => post({ kind: 'sample', step: s, file: relative(data.dir, file) }),
      betweenSteps: async () => {
        if (!resumeGate) return;
        post({ kind: 'status', status: 'paused', step });
        await resumeGate.promise;
      },
    });
    post({ kind: 'status', status: result.cancelled ? 'stopped' : 'finished', step: result.step, checkpoint: result.checkpoint });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    recordFailure(data.dir, message, step);
    const checkpoint = runLayout(data.dir).checkpoint;
    post({ kind: 'status', status: 'failed', step, message, checkpoint: existsSync(checkpoint) ? checkpoint : undefined });
  } finally {
    closeBackends();
    port.close();
  }
}

void main();
