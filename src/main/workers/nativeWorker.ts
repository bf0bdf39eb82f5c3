/** Builds the native backend off main's thread (compiling takes a minute of child processes waited on). */
import { parentPort } from 'node:worker_threads';
import { findTensorflow, sourceFrom } from '../native/locate';
import { installNative } from '../native/install';
import { serve } from './rpc';

export type NativeApi = {
  install: { args: { from?: string }; progress: { step: number; steps: number; what: string }; reply: { tensorflow: string; source: string } };
};

serve<NativeApi>(parentPort!, {
  install: ({ from }, job) => {
    const source = from ? sourceFrom(from) : findTensorflow().found[0];
    if (!source) throw new Error('no TensorFlow found on this machine: pip install tensorflow-cpu, or give the path of a wheel');
    const build = installNative({ source, onProgress: (p) => job.progress(p) });
    return { tensorflow: build.tensorflow, source: build.source };
  },
});
