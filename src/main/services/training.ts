/**
 * The contract's training channels: start, pause, resume, stop or continue a run, each in its own worker thread
 * so main's event loop stays free, and relay the worker's events. Transport-agnostic; `Studio` routes to it.
 */
import { existsSync, rmSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { presetConfig } from '../../shared/config/presets';
import type { EventListener, Events, ParsedRequestOf, Responses, RunStatus } from '../../shared/contract';
import type { BackendName } from '../engine/runtime/backend';
import type { Config } from '../../shared/config/schema';
import { branchRun, runLayout, runFolder } from '../engine/training/run';
import type { TrainingApi, TrainingArgs } from '../workers/trainingWorker';
import { WorkerClient } from '../workers/rpc';
import { startWorker } from '../workers/workers';
import { notFound, ServiceError } from './errors';
import { dataUrl } from './pictureFile';


interface ActiveRun {
  trainer: WorkerClient<TrainingApi>;
  /** The 'train' request, which a stop cancels. */
  callId: number;
  step: number;
  status: RunStatus;
  /** How the run ended, once it has: its final status event. */
  ended: Promise<Events['training:status']>;
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
    return this.startConfig(r.runId, presetConfig(r.preset, r.overrides), r.backend); // refused here, before any worker starts
  }

  /** A new run of `config` (validated already): the Train form's, or a sweep cell's. */
  startConfig(runId: string, config: Config, backend?: BackendName | 'auto'): Responses['training:start'] {
    const dir = runFolder(this.workspace, runId);
    if (this.runs.has(runId) || existsSync(dir)) throw new ServiceError('conflict', `a run named '${runId}' already exists`);
    // A curated dataset is read from this workspace's catalogue.
    if (config.data.source === 'catalogue') config.data.path = join(this.workspace, 'catalogue.sqlite');
    // A transfer names another run of this workspace (or a run folder anywhere).
    if (config.train.init) {
      try {
        if (!isAbsolute(config.train.init)) config.train.init = runFolder(this.workspace, config.train.init);
      } catch (err) {
        throw new ServiceError('invalid-request', `train.init: ${(err as Error).message}`);
      }
      if (!existsSync(runLayout(config.train.init).checkpoint)) throw new ServiceError('invalid-request', `train.init: '${config.train.init}' holds no run with a checkpoint to start from`);
    }
    this.launch(runId, { dir, config, backend: backend ?? this.backend });
    return { runId, dir };
  }

  /** How a run that trains now ends (its last status); undefined when it is not training. */
  ending(runId: string): Promise<Events['training:status']> | undefined {
    return this.runs.get(runId)?.ended;
  }

  continue(r: ParsedRequestOf<'runs:continue'>): Responses['runs:continue'] {
    const dir = runFolder(this.workspace, r.runId);
    if (r.snapshot !== undefined && r.into !== undefined) return this.branch(dir, r.snapshot, r.into, r.steps);
    if (this.runs.has(r.runId)) throw new ServiceError('conflict', `run '${r.runId}' is already training`);
    if (!existsSync(runLayout(dir).checkpoint)) throw notFound(`run '${r.runId}' has no checkpoint to continue from`);
    this.launch(r.runId, { dir, steps: r.steps, backend: this.backend });
    return { runId: r.runId, dir };
  }

  /** Continues a snapshot of a run as a new run, `into`. */
  private branch(from: string, snapshot: number | 'best', into: string, steps?: number): Responses['runs:continue'] {
    const dir = runFolder(this.workspace, into);
    if (this.runs.has(into) || existsSync(dir)) throw new ServiceError('conflict', `a run named '${into}' already exists`);
    try {
      branchRun(from, snapshot, dir);
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw notFound((err as Error).message);
    }
    this.launch(into, { dir, steps, backend: this.backend });
    return { runId: into, dir };
  }

  async pause(runId: string): Promise<Responses['training:pause']> {
    const { step } = await this.active(runId).trainer.call('pause', null).reply;
    return { runId, step };
  }

  resume(runId: string): Responses['training:resume'] {
    void this.active(runId).trainer.call('resume', null).reply;
    return { runId };
  }

  /** Step-by-step mode: the paused run's worker makes the update; a refusal (not paused, G before D) names why. */
  async stepByHand(r: ParsedRequestOf<'training:step'>): Promise<Responses['training:step']> {
    const out = await this.byHand(r.runId, () => this.active(r.runId).trainer.call('step', { network: r.network }).reply);
    return { ...out, samples: out.samples.map(dataUrl) };
  }

  async saliency(r: ParsedRequestOf<'training:saliency'>): Promise<Responses['training:saliency']> {
    const out = await this.byHand(r.runId, () => this.active(r.runId).trainer.call('saliency', { index: r.index }).reply);
    return { step: out.step, score: out.score, picture: dataUrl(out.picture), overlay: dataUrl(out.overlay) };
  }

  private async byHand<T>(runId: string, call: () => Promise<T>): Promise<T> {
    this.active(runId);
    try {
      return await call();
    } catch (err) {
      throw new ServiceError('invalid-request', (err as Error).message);
    }
  }

  async stop(runId: string): Promise<Responses['training:stop']> {
    const run = this.active(runId);
    run.trainer.cancel(run.callId);
    const end = await run.ended;
    if (end.status === 'failed') throw new Error(end.message);
    return { runId, step: end.step, checkpoint: end.checkpoint! };
  }

  private launch(runId: string, args: TrainingArgs): void {
    const trainer = new WorkerClient<TrainingApi>(startWorker('trainingWorker', {}));
    const run = { trainer, step: 0, status: 'starting' } as ActiveRun;
    this.runs.set(runId, run);
    this.emit('training:status', { runId, status: 'starting', step: 0 });
    const call = trainer.call('train', args, (e) => {
      if (e.kind === 'progress') {
        run.step = e.step;
        const { kind: _kind, ...progress } = e;
        this.emit('training:progress', { runId, ...progress });
      } else if (e.kind === 'sample') {
        this.emit('training:sample', { runId, step: e.step, file: e.file });
      } else if (e.kind === 'quality') {
        this.emit('training:quality', { runId, step: e.step, quality: e.quality, snapshot: e.snapshot });
      } else if (e.kind === 'alarm') {
        this.emit('training:alarm', { runId, step: e.step, alarm: e.alarm });
      } else {
        run.status = e.status;
        const { kind: _kind, ...status } = e;
        this.emit('training:status', { runId, ...status });
      }
    });
    run.callId = call.id;
    run.ended = call.reply
      .then(
        (end): Events['training:status'] => ({ runId, ...end }),
        (err: Error): Events['training:status'] => {
          const checkpoint = runLayout(args.dir).checkpoint;
          return { runId, status: 'failed', step: run.step, message: err.message, checkpoint: existsSync(checkpoint) ? checkpoint : undefined };
        },
      )
      .then((end) => {
        // Off the live map before anyone hears how it ended, so a runs:list that follows reads the folder.
        this.runs.delete(runId);
        this.emit('training:status', end);
        void trainer.worker.terminate();
        return end;
      });
  }

  private active(runId: string): ActiveRun {
    const run = this.runs.get(runId);
    if (!run) throw notFound(`no run named '${runId}' is training`);
    return run;
  }
}
