/**
 * The one registry of long jobs (import, crop, inversion, native build): one id counter, one `jobs:update` event
 * as each moves, one cancel, one list of what is running. A service starts a job here and reports through its
 * handle; its own event (an import's problems, an inversion's picture) still goes out beside it.
 */
import type { EventListener, JobInfo, JobKind } from '../../shared/contract';
import { notFound } from './errors';

export interface JobHandle {
  readonly jobId: number;
  progress(done: number, total: number): void;
  end(status: Exclude<JobInfo['status'], 'running'>, message?: string): void;
}

export class JobRegistry {
  private nextId = 1;
  private readonly running = new Map<number, { info: JobInfo; cancel?: () => void }>();

  constructor(private readonly emit: EventListener) {}

  /** A new job, announced as running; `cancel` is how it stops (absent: it cannot be cancelled). */
  start(kind: JobKind, title: string, cancel?: () => void, total = 0): JobHandle {
    const info: JobInfo = { jobId: this.nextId++, kind, title, done: 0, total, status: 'running', cancellable: Boolean(cancel) };
    this.running.set(info.jobId, { info, cancel });
    this.emit('jobs:update', { ...info });
    return {
      jobId: info.jobId,
      progress: (done, total) => {
        if (info.status !== 'running') return;
        Object.assign(info, { done, total });
        this.emit('jobs:update', { ...info });
      },
      end: (status, message) => {
        if (info.status !== 'running') return;
        Object.assign(info, { status, message });
        this.running.delete(info.jobId);
        this.emit('jobs:update', { ...info });
      },
    };
  }

  list(): JobInfo[] {
    return [...this.running.values()].map((j) => ({ ...j.info }));
  }

  /** Asks a running job to stop; it ends as 'cancelled' (or 'done', if it finished first) through its handle. */
  cancel(jobId: number): { jobId: number } {
    const job = this.running.get(jobId);
    if (!job) throw notFound(`jobId: no job ${jobId} is running`);
    if (!job.cancel) throw notFound(`jobId: job ${jobId} (${job.info.kind}) cannot be cancelled`);
    job.cancel();
    return { jobId };
  }

  get busy(): boolean {
    return this.running.size > 0;
  }
}

/**
 * Ends `job` (when there is one) as its work ends: done, cancelled (its work failed after it was asked to stop) or
 * failed with the work's message; the work's result or error passes through.
 */
export async function endingJob<T>(job: JobHandle | undefined, work: Promise<T>, cancelled: () => boolean): Promise<T> {
  try {
    const out = await work;
    job?.end('done');
    return out;
  } catch (err) {
    const message = (err as Error).message;
    job?.end(cancelled() ? 'cancelled' : 'failed', message);
    throw err;
  }
}
