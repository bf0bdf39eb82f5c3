/**
 * The one protocol every worker thread speaks. Main sends requests, each with an id, and may cancel one by its id;
 * the worker answers each with progress on the way and then a reply or an error. A worker's API is a type that
 * says, for each operation, what it takes, what progress it reports and what it answers, so both ends are checked
 * by the compiler and no reply is a cast.
 */
import type { MessagePort, Worker } from 'node:worker_threads';

/** For each operation of a worker: its arguments, its progress events (never, if it reports none) and its reply. */
export type WorkerApi = Record<string, { args: unknown; progress: unknown; reply: unknown }>;

export type ToWorker = { kind: 'request'; id: number; op: string; args: unknown } | { kind: 'cancel'; id: number };
export type FromWorker =
  | { kind: 'progress'; id: number; value: unknown }
  | { kind: 'reply'; id: number; value: unknown }
  | { kind: 'error'; id: number; message: string };

export interface Call<R> {
  id: number;
  reply: Promise<R>;
}

interface Pending { progress?: (value: unknown) => void; resolve: (value: unknown) => void; reject: (err: Error) => void }

/** Main's end: requests to one worker. A worker that dies fails every request it had. */
export class WorkerClient<A extends WorkerApi> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(readonly worker: Worker) {
    worker.on('message', (m: FromWorker) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      if (m.kind === 'progress') return p.progress?.(m.value);
      this.pending.delete(m.id);
      this.refWhileWaiting();
      if (m.kind === 'reply') p.resolve(m.value);
      else p.reject(new Error(m.message));
    });
    worker.on('error', (err) => this.failAll(err));
    worker.on('exit', (code) => this.failAll(new Error(`the worker stopped (exit code ${code})`)));
    this.refWhileWaiting();
  }

  /** Whether requests are waiting: a worker with none does not keep the process alive. */
  get busy(): boolean {
    return this.pending.size > 0;
  }

  call<K extends keyof A & string>(op: K, args: A[K]['args'], onProgress?: (value: A[K]['progress']) => void): Call<A[K]['reply']> {
    const id = this.nextId++;
    const reply = new Promise<A[K]['reply']>((resolve, reject) => {
      this.pending.set(id, { progress: onProgress as (value: unknown) => void, resolve: resolve as (value: unknown) => void, reject });
    });
    this.refWhileWaiting();
    this.worker.postMessage({ kind: 'request', id, op, args } satisfies ToWorker);
    return { id, reply };
  }

  /** Asks the worker to stop request `id`; it answers it as it sees fit (a partial reply, or an error). */
  cancel(id: number): void {
    if (this.pending.has(id)) this.worker.postMessage({ kind: 'cancel', id } satisfies ToWorker);
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  private refWhileWaiting(): void {
    if (this.pending.size > 0) this.worker.ref();
    else this.worker.unref();
  }
}

export interface Job<P> {
  progress(value: P): void;
  /** Aborted when main cancels this request. */
  signal: AbortSignal;
}

export type Handlers<A extends WorkerApi> = { [K in keyof A]: (args: A[K]['args'], job: Job<A[K]['progress']>) => Promise<A[K]['reply']> | A[K]['reply'] };

/** The worker's end: answers each request with its handler; requests run concurrently, each cancellable. */
export function serve<A extends WorkerApi>(port: MessagePort, handlers: Handlers<A>): void {
  const running = new Map<number, AbortController>();
  port.on('message', (m: ToWorker) => {
    if (m.kind === 'cancel') return void running.get(m.id)?.abort();
    const controller = new AbortController();
    running.set(m.id, controller);
    const post = (message: FromWorker): void => port.postMessage(message);
    const job: Job<unknown> = { progress: (value) => post({ kind: 'progress', id: m.id, value }), signal: controller.signal };
    Promise.resolve()
      .then(() => {
        const handler = handlers[m.op] as ((args: unknown, job: Job<unknown>) => unknown) | undefined;
        if (!handler) throw new Error(`this worker has no operation '${m.op}'`);
        return handler(m.args, job);
      })
      .then(
        (value) => post({ kind: 'reply', id: m.id, value }),
        (err: unknown) => post({ kind: 'error', id: m.id, message: err instanceof Error ? err.message : String(err) }),
      )
      .finally(() => running.delete(m.id));
  });
}
