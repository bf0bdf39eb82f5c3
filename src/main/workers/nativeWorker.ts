/** Builds the native backend off main's thread (compiling takes a minute of child processes waited on). */
import { parentPort, workerData } from 'node:worker_threads';
import { findTensorflow, sourceFrom } from '../native/locate';
import { installNative } from '../native/install';

export type FromNativeWorker =
  | { kind: 'progress'; step: number; steps: number; what: string }
  | { kind: 'done'; tensorflow: string; source: string }
  | { kind: 'failed'; message: string };

const port = parentPort!;
const { from } = workerData as { from?: string };
try {
  const source = from ? sourceFrom(from) : findTensorflow().found[0];
  if (!source) throw new Error('no TensorFlow found on this machine: pip install tensorflow-cpu, or give the path of a wheel');
  const build = installNative({ source, onProgress: (p) => port.postMessage({ kind: 'progress', ...p } satisfies FromNativeWorker) });
  port.postMessage({ kind: 'done', tensorflow: build.tensorflow, source: build.source } satisfies FromNativeWorker);
} catch (err) {
  port.postMessage({ kind: 'failed', message: err instanceof Error ? err.message : String(err) } satisfies FromNativeWorker);
}
