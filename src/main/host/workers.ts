/**
 * Starts the engine's worker threads. From source (tsx: tests, the command line) a worker is a TypeScript file
 * loaded through workerBootstrap.cjs; in the electron-vite build each worker is its own bundled entry beside
 * main's index.js.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

export type WorkerName = 'trainingWorker' | 'probeWorker' | 'cropWorker' | 'latentWorker' | 'nativeWorker';

const fromSource = __filename.endsWith('.ts');

export function startWorker(name: WorkerName, data: object): Worker {
  // TensorFlow reads its log level from the process's environment, which a worker's process.env (a copy) cannot set.
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  if (!fromSource) return new Worker(join(__dirname, `${name}.js`), { workerData: data });
  return new Worker(join(__dirname, 'workerBootstrap.cjs'), { workerData: { ...data, entry: join(__dirname, `${name}.ts`) } });
}
