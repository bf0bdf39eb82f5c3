/**
 * Starts the engine's worker threads. From source (tsx: tests, the command line) a worker is a TypeScript file
 * loaded through workerBootstrap.cjs; in the electron-vite build each worker is its own bundled entry beside
 * main's index.js.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { setTensorflowEnv } from '../engine/runtime/tensorflowEnv';

export type WorkerName = 'trainingWorker' | 'probeWorker' | 'cropWorker' | 'latentWorker' | 'nativeWorker';

const fromSource = __filename.endsWith('.ts');

export function startWorker(name: WorkerName, data: object): Worker {
  setTensorflowEnv();
  if (!fromSource) return new Worker(join(__dirname, `${name}.js`), { workerData: data });
  return new Worker(join(__dirname, 'workerBootstrap.cjs'), { workerData: { ...data, entry: join(__dirname, `${name}.ts`) } });
}
