/**
 * The contract's training channels: start, pause, resume, stop or continue a run, each in its own worker thread
 * so main's event loop stays free, and relay the worker's events. Transport-agnostic; `Studio` routes to it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { presetConfig } from '../../shared/config/presets';
import type { EventListener, ParsedRequestOf, Responses, RunStatus } from '../../shared/contract';
import type { BackendName } from '../engine/runtime/backend';
import { runLayout, runFolder } from '../engine/training/run';
import type { FromWorker, ToWorker, TrainingWorkerData } from '../workers/trainingWorker';
import { startWorker } from '../workers/workers';
import { notFound, ServiceError } from './errors';


type WorkerStatus = Extract<FromWorker, { kind: 'status' }>;

interface ActiveRun {
  worker: Worker;
  step: number;
  status: RunStatus;
  /** Resolves with the worker's next status message of one of these kinds. */
  waitFor(statuses: string[]): Promise<WorkerStatus>;
}

export class TrainingService {
  private readonly runs = new Map<string, ActiveRun>();

  constructor(
    private readonly workspace: string,
    private readonly backend: BackendName | 'auto',
    private readonly emit: EventListener,
  ) {}

  /** A run that is training now (or paused), as the runs list shows it. */
  live(runId: string): { status: RunStatus; step: number } | undefined {
    const run = this.runs.get(runId);
    return run && { status: run.status, step: run.step };
  }

  get training(): boolean {
    return this.runs.size > 0;
  }

  /** Stops every run (each writes its checkpoint first): what a host does before it exits. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.runs.keys()].map((runId) => this.stop(runId)));
  }

  start(r: ParsedRequestOf<'training:start'>): Responses['training:start'] {
    const dir = runFolder(this.workspace, r.runId);
    if (this.runs.has(r.runId) || existsSync(dir)) throw new ServiceError('conflict', `a run named '${r.runId}' already exists`);
    const config = presetConfig(r.preset, r.overrides); // refused here, before any worker starts
    // A curated dataset is read from this workspace's catalogue.
    if (config.data.source === 'catalogue') config.data.path = join(this.workspace, 'catalogue.sqlite');
    this.launch(r.runId, { dir, config, backend: r.backend ?? this.backend });
    return { runId: r.runId, dir };
  }

  continue(r: ParsedRequestOf<'runs:continue'>): Responses['runs:continue'] {
    const dir = runFolder(this.workspace, r.runId);
    if (this.runs.has(r.runId)) throw new ServiceError('conflict', `run '${r.runId}' is already training`);
    if (!existsSync(runLayout(dir).checkpoint)) throw notFound(`run '${r.runId}' has no checkpoint to continue from`);
    this.launch(r.runId, { dir, steps: r.steps, backend: this.backend });
    return { runId: r.runId, dir };
  }

  async pause(runId: string): Promise<Responses['training:pause']> {
    const run = this.active(runId);
    const paused = run.waitFor(['paused', 'stopped', 'finished', 'failed']);
    run.worker.postMessage({ kind: 'pause' } satisfies ToWorker);
    return { runId, step: (await paused).step };
  }

  resume(runId: string): Responses['training:resume'] {
    this.active(runId).worker.postMessage({ kind: 'resume' } satisfies ToWorker);
    return { runId };
  }

  async stop(runId: string): Promise<Responses['training:stop']> {
    const run = this.active(runId);
    const done = run.waitFor(['stopped', 'finished', 'failed']);
    run.worker.postMessage({ kind: 'stop' } satisfies ToWorker);
    const status = await done;
    if (status.status === 'failed') throw new Error(status.message);
    return { runId, step: status.step, checkpoint: status.checkpoint! };
  }

  private launch(runId: string, data: TrainingWorkerData): void {
    const worker = startWorker('trainingWorker', data);
    const waiters: { statuses: string[]; resolve: (m: WorkerStatus) => void }[] = [];
    const run: ActiveRun = {
      worker,
      step: 0,
      status: 'starting',
      waitFor: (statuses) => new Promise((resolve) => waiters.push({ statuses, resolve })),
    };
    this.runs.set(runId, run);
    this.emit('training:status', { runId, status: 'starting', step: 0 });
    worker.on('message', (m: FromWorker) => {
      if (m.kind === 'progress') {
        run.step = m.step;
        const { kind: _kind, ...progress } = m;
        this.emit('training:progress', { runId, ...progress });
      } else if (m.kind === 'sample') {
        this.emit('training:sample', { runId, step: m.step, file: m.file });
      } else {
        run.status = m.status;
        // Off the live map before anyone hears 'finished', so a runs:list that follows reads the folder.
        if (m.status === 'stopped' || m.status === 'finished' || m.status === 'failed') this.runs.delete(runId);
        const { kind: _kind, ...status } = m;
        this.emit('training:status', { runId, ...status });
        for (const w of waiters.filter((x) => x.statuses.includes(m.status))) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    });
    worker.on('error', (err) => {
      this.runs.delete(runId);
      this.emit('training:status', { runId, status: 'failed', step: run.step, message: err.message });
    });
  }

  private active(runId: string): ActiveRun {
    const run = this.runs.get(runId);
    if (!run) throw notFound(`no run named '${runId}' is training`);
    return run;
  }
}
