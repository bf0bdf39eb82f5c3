/** The native TensorFlow backend from the UI: what is built and what could be, and building it as a job. */
import type { EventListener, Responses } from '../../shared/contract';
import { currentNativeBuild } from '../engine/runtime/nativeBuild';
import type { NativeApi } from '../workers/nativeWorker';
import { WorkerClient } from '../workers/rpc';
import { startWorker } from '../workers/workers';
import { findTensorflow } from '../native/locate';
import { checkBuild, cudaLibraries } from '../native/install';
import { ServiceError } from './errors';


export class NativeService {
  private nextJob = 1;
  private running: number | null = null;

  constructor(private readonly emit: EventListener, private readonly onBuilt: () => void) {}

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
    const jobId = this.nextJob++;
    this.running = jobId;
    const builder = new WorkerClient<NativeApi>(startWorker('nativeWorker', {}));
    builder.call('install', { from }, (p) => this.emit('native:progress', { jobId, ...p, status: 'running' })).reply
      .then(
        (build) => {
          this.onBuilt();
          this.emit('native:progress', { jobId, step: 4, steps: 4, what: `built against TensorFlow ${build.tensorflow} from ${build.source}: new runs train on it`, status: 'done' });
        },
        (err: Error) => this.emit('native:progress', { jobId, step: 0, steps: 4, what: err.message, status: 'failed' }),
      )
      .finally(() => {
        this.running = null;
        void builder.worker.terminate();
      });
    return { jobId };
  }
}
