/** The native TensorFlow backend from the UI: what is built and what could be, and building it as a job. */
import type { EventListener, Responses } from '../../shared/contract';
import { currentNativeBuild } from '../engine/runtime/nativeBuild';
import type { FromNativeWorker } from '../workers/nativeWorker';
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
    const worker = startWorker('nativeWorker', { from });
    const end = (): void => {
      this.running = null;
      void worker.terminate();
    };
    worker.on('message', (m: FromNativeWorker) => {
      if (m.kind === 'progress') this.emit('native:progress', { jobId, step: m.step, steps: m.steps, what: m.what, status: 'running' });
      else if (m.kind === 'done') {
        end();
        this.onBuilt();
        this.emit('native:progress', { jobId, step: 4, steps: 4, what: `built against TensorFlow ${m.tensorflow} from ${m.source}: new runs train on it`, status: 'done' });
      } else {
        end();
        this.emit('native:progress', { jobId, step: 0, steps: 4, what: m.message, status: 'failed' });
      }
    });
    worker.on('error', (err) => {
      end();
      this.emit('native:progress', { jobId, step: 0, steps: 4, what: err.message, status: 'failed' });
    });
    return { jobId };
  }
}
