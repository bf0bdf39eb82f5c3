/** The native TensorFlow backend from the UI: what is built and what could be, and building it as a job. */
import type { EventListener, Responses } from '../../shared/contract';
import { currentNativeBuild } from '../engine/runtime/nativeBuild';
import type { NativeApi } from '../workers/nativeWorker';
import { WorkerClient } from '../workers/rpc';
import { startWorker } from '../workers/workers';
import { findTensorflow } from '../native/locate';
import { checkBuild, cudaLibraries } from '../native/install';
import { ServiceError } from './errors';
import type { JobRegistry } from './jobs';


export class NativeService {
  private running: number | null = null;

  constructor(private readonly jobs: JobRegistry, private readonly emit: EventListener, private readonly onBuilt: () => void) {}

  status(): Responses['native:status'] {
    const build = currentNativeBuild();
    const check = build && checkBuild(build);
    const { found, looked } = findTensorflow();
    return {
      build: build ? { tensorflow: build.tensorflow, source: build.source, gpu: build.gpu, builtAt: build.builtAt, works: Boolean(check?.ok), onGpu: Boolean(check?.ok && check.gpu), problem: check && !check.ok ? check.message : undefined } : null,
      found: found.map((f) => ({ path: f.path, version: f.version, gpu: f.gpu })),
      looked,
      cuda: found.some((f) => f.gpu) ? cudaLibraries() : null,
      building: this.running,
    };
  }

  /** Starts a build in a worker; progress and the end arrive as native:progress events. */
  install(from?: string): Responses['native:install'] {
    if (this.running !== null) throw new ServiceError('conflict', `the native backend is already being built (job ${this.running})`);
    // a build of child processes cannot be stopped half-way and leave a usable backend: not cancellable
    const job = this.jobs.start('native-build', 'build of the native TensorFlow backend', undefined, 4);
    const jobId = job.jobId;
    this.running = jobId;
    const builder = new WorkerClient<NativeApi>(startWorker('nativeWorker', {}));
    builder.call('install', { from }, (p) => {
      job.progress(p.step, p.steps);
      this.emit('native:progress', { jobId, ...p, status: 'running' });
    }).reply
      .then(
        (build) => {
          this.onBuilt();
          job.end('done');
          this.emit('native:progress', { jobId, step: 4, steps: 4, what: `built against TensorFlow ${build.tensorflow} from ${build.source}: new runs train on it`, status: 'done' });
        },
        (err: Error) => {
          job.end('failed', err.message);
          this.emit('native:progress', { jobId, step: 0, steps: 4, what: err.message, status: 'failed' });
        },
      )
      .finally(() => {
        this.running = null;
        void builder.worker.terminate();
      });
    return { jobId };
  }
}
