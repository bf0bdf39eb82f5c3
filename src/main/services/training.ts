/**
 * The contract's training channels: validate, then start, pause, resume or stop a run in its own worker thread,
 * and relay the worker's events. Transport-agnostic: hosts (Electron ipcMain, the WebSocket server) call `handle`.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ConfigError } from '../../shared/config/schema';
import { presetConfig } from '../../shared/config/presets';
import { parseRequest, type Channel, type Events, type EventName, type ParsedRequestOf, type Reply, type Responses } from '../../shared/contract';
import type { BackendName } from '../engine/backend';
import type { FromWorker, ToWorker, TrainingWorkerData } from '../host/trainingWorker';

/** Receives every event the service emits; hosts (IPC, WebSocket) subscribe one each. */
export type EventListener = <E extends EventName>(event: E, payload: Events[E]) => void;

interface ActiveRun {
  worker: Worker;
  step: number;
  /** Resolves with the worker's next status message of one of these kinds. */
  waitFor(statuses: string[]): Promise<Extract<FromWorker, { kind: 'status' }>>;
}

class ServiceError extends Error {
  constructor(readonly code: 'not-found' | 'conflict' | 'invalid-request', message: string) {
    super(message);
  }
}

const BOOTSTRAP = resolve(__dirname, '..', 'host', 'workerBootstrap.cjs');
const WORKER_ENTRY = resolve(__dirname, '..', 'host', 'trainingWorker.ts');

export class TrainingService {
  private readonly runs = new Map<string, ActiveRun>();
  private readonly listeners = new Set<EventListener>();

  constructor(private readonly workspace: string, private readonly backend: BackendName | 'auto' = 'auto') {}

  /** Subscribes to the service's events; returns the function that unsubscribes. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops every run (each writes its checkpoint first): what a host does before it exits. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.runs.keys()].map((runId) => this.handle('training:stop', { runId })));
  }

  private emit<E extends EventName>(event: E, payload: Events[E]): void {
    for (const listener of this.listeners) listener(event, payload);
  }

  /** One request from any transport: never throws, always replies. */
  async handle(channel: string, payload: unknown): Promise<Reply<Channel>> {
    const parsed = parseRequest(channel, payload);
    if (!parsed.ok) return parsed;
    try {
      return { ok: true, value: await this.dispatch(parsed.channel, parsed.request) };
    } catch (err) {
      if (err instanceof ServiceError) return { ok: false, error: { code: err.code, message: err.message } };
      if (err instanceof ConfigError) return { ok: false, error: { code: 'invalid-request', message: err.message } };
      return { ok: false, error: { code: 'internal', message: err instanceof Error ? err.message : String(err) } };
    }
  }

  private async dispatch(channel: Channel, request: ParsedRequestOf<Channel>): Promise<Responses[Channel]> {
    switch (channel) {
      case 'training:start':
        return this.start(request as ParsedRequestOf<'training:start'>);
      case 'training:pause': {
        const { runId } = request as ParsedRequestOf<'training:pause'>;
        const run = this.active(runId);
        const paused = run.waitFor(['paused', 'finished', 'failed']);
        run.worker.postMessage({ kind: 'pause' } satisfies ToWorker);
        return { runId, step: (await paused).step };
      }
      case 'training:resume': {
        const { runId } = request as ParsedRequestOf<'training:resume'>;
        this.active(runId).worker.postMessage({ kind: 'resume' } satisfies ToWorker);
        return { runId };
      }
      case 'training:stop': {
        const { runId } = request as ParsedRequestOf<'training:stop'>;
        const run = this.active(runId);
        const done = run.waitFor(['finished', 'failed']);
        run.worker.postMessage({ kind: 'stop' } satisfies ToWorker);
        const status = await done;
        if (status.status === 'failed') throw new Error(status.message);
        return { runId, step: status.step, checkpoint: status.checkpoint! };
      }
    }
  }

  private start(r: ParsedRequestOf<'training:start'>): Responses['training:start'] {
    const dir = join(this.workspace, r.runId);
    if (this.runs.has(r.runId) || existsSync(dir)) throw new ServiceError('conflict', `a run named '${r.runId}' already exists`);
    const config = presetConfig(r.preset, r.overrides); // refused here, before any worker starts
    const data: TrainingWorkerData = { entry: WORKER_ENTRY, dir, config, backend: this.backend };
    const worker = new Worker(BOOTSTRAP, { workerData: data });
    const waiters: { statuses: string[]; resolve: (m: Extract<FromWorker, { kind: 'status' }>) => void }[] = [];
    const run: ActiveRun = {
      worker,
      step: 0,
      waitFor: (statuses) => new Promise((resolve) => waiters.push({ statuses, resolve })),
    };
    this.runs.set(r.runId, run);
    this.emit('training:status', { runId: r.runId, status: 'starting', step: 0 });
    worker.on('message', (m: FromWorker) => {
      if (m.kind === 'progress') {
        run.step = m.step;
        const { kind: _kind, ...progress } = m;
        this.emit('training:progress', { runId: r.runId, ...progress });
      } else if (m.kind === 'sample') {
        this.emit('training:sample', { runId: r.runId, step: m.step, file: m.file });
      } else {
        this.emit('training:status', { runId: r.runId, status: m.status, step: m.step, message: m.message, checkpoint: m.checkpoint });
        for (const w of waiters.filter((x) => x.statuses.includes(m.status))) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(m);
        }
        if (m.status === 'finished' || m.status === 'failed') this.runs.delete(r.runId);
      }
    });
    worker.on('error', (err) => {
      this.runs.delete(r.runId);
      this.emit('training:status', { runId: r.runId, status: 'failed', step: run.step, message: err.message });
    });
    return { runId: r.runId, dir };
  }

  private active(runId: string): ActiveRun {
    const run = this.runs.get(runId);
    if (!run) throw new ServiceError('not-found', `no run named '${runId}' is training`);
    return run;
  }
}
