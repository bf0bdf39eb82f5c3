/**
 * Multi-threaded wasm under Node. tfjs-backend-wasm ships a threaded XNNPACK build but never uses it in Node
 * (tfjs issue 3830): it would start its pthread workers from Blob URLs, which Node's worker_threads cannot load.
 * We start that build ourselves — worker script written to a real file, module script passed by path — and
 * register it as the 'wasm' backend, so every wasm kernel (ours included) runs on it.
 */
import { mkdirSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { BackendWasm, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import * as tf from './tf';

type EmscriptenModule = {
  cwrap(name: string, ret: string | null, args: string[]): (...a: number[]) => number;
  tfjs?: unknown;
};
type Factory = (config: Record<string, unknown>) => Promise<EmscriptenModule>;

function workerScript(pkg: string): string {
  // The package keeps the worker as a JS string; its string literals hold raw newlines that must stay escaped.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a file inside the package, found at run time
  const { wasmWorkerContents } = require(join(pkg, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string };
  const source = wasmWorkerContents.replace(/\n/g, '\\n');
  const version = (JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { version: string }).version;
  const file = join(os.tmpdir(), `gan-studio-wasm-${version}-${process.getuid?.() ?? 'user'}`, 'threaded-simd.worker.js');
  if (!existsSync(file) || readFileSync(file, 'utf8') !== source) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, source);
  }
  return file;
}

async function instantiate(pkg: string, threads: number): Promise<EmscriptenModule> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a file inside the package, found at run time
  const factory = require(join(pkg, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js')) as Factory;
  const worker = workerScript(pkg);
  // The module caps its pool at half the logical cores (it assumes two hyperthreads per core), read once while it
  // instantiates; on a 2-core machine that is one thread. Report twice the wanted count for that moment only.
  const realCpus = os.cpus;
  os.cpus = () => Array.from({ length: 2 * threads }, (_, i) => realCpus()[i % realCpus().length]);
  try {
    return await factory({
      locateFile: (path: string) =>
        path.endsWith('.worker.js') ? worker
          : path.endsWith('.wasm') ? join(pkg, 'dist', 'tfjs-backend-wasm-threaded-simd.wasm')
            : join(pkg, 'wasm-out', path),
      mainScriptUrlOrBlob: join(pkg, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js'),
    });
  } finally {
    os.cpus = realCpus;
  }
}

/** Replaces the registered 'wasm' backend with the threaded build on `threads` threads. */
export function registerThreadedWasm(threads: number): void {
  const pkg = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', async () => {
    const module = await instantiate(pkg, threads);
    module.tfjs = {
      init: module.cwrap('init', null, []),
      initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
      getThreadsCount: module.cwrap('get_threads_count', 'number', []),
      registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
      disposeData: module.cwrap('dispose_data', null, ['number']),
      dispose: module.cwrap('dispose', null, []),
    };
    setThreadsCount(threads);
    return new BackendWasm(module as unknown as ConstructorParameters<typeof BackendWasm>[0]);
  }, 2);
}

/** Threads the running wasm backend really uses. */
export function wasmThreadsInUse(): number {
  const wasm = (tf.backend() as unknown as { wasm: { tfjs: { getThreadsCount(): number } } }).wasm;
  return wasm.tfjs.getThreadsCount();
}
