/**
 * Chooses and starts the tfjs backend: TensorFlow's own kernels (GPU, then CPU) where the native binding loads,
 * then WebAssembly (XNNPACK, with our conv gradients), then plain JavaScript. Always says which one runs.
 */
import os from 'node:os';
import * as tf from './tf';
import { registerResizeNearestGrad } from './kernels/resizeNearestGrad';
import { registerNativeStep } from './kernels/nativeStep';
import { registerNativePointwiseConv } from './kernels/nativePointwiseConv';
import { registerWasmConvGrads } from './kernels/wasmConvGrads';
import { cudaLoadProblems, currentNativeBuild, describeBuild, nativeRoot, registerNativeBuild } from './nativeBuild';
import { registerThreadedWasm, wasmThreadsInUse } from './wasmThreads';
import { BACKEND_NAMES, type BackendName } from '../../../shared/backends';

export { BACKEND_NAMES, type BackendName };

export interface BackendProbe {
  name: BackendName;
  available: boolean;
  /** The package that provides it, or why it cannot run here. */
  detail: string;
}

export interface BackendReport {
  name: BackendName;
  gpu: boolean;
  /** A line a person reads: "wasm (XNNPACK, SIMD, 1 thread)". */
  description: string;
  tfjsVersion: string;
  probes: BackendProbe[];
}

/** Threads for XNNPACK under wasm: every core, or GAN_STUDIO_WASM_THREADS (1 keeps the shipped build). */
function wasmThreads(): number {
  const fromEnv = Number(process.env.GAN_STUDIO_WASM_THREADS);
  return Number.isInteger(fromEnv) && fromEnv >= 1 ? fromEnv : os.availableParallelism();
}

const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

/** The native backend: a build of `gan-studio native install` first, then the npm packages. */
function loadNative(): { pkg: string } | { error: string } {
  const errors: string[] = [];
  const build = currentNativeBuild();
  if (build) {
    try {
      registerNativeBuild(build);
      return { pkg: describeBuild(build) };
    } catch (err) {
      errors.push(`the native build in ${build.packageDir}: ${firstLine(err)}`);
    }
  } else errors.push(`no native build in ${nativeRoot()} (gan-studio native install builds one)`);
  for (const pkg of NATIVE_PACKAGES) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(pkg);
      return { pkg };
    } catch (err) {
      errors.push(`${pkg}: ${firstLine(err)}`);
    }
  }
  return { error: errors.join('; ') };
}

function firstLine(err: unknown): string {
  return String(err instanceof Error ? err.message : err).split('\n')[0];
}

async function tryStart(name: BackendName): Promise<BackendProbe> {
  if (name === 'tensorflow') {
    const native = loadNative();
    if ('error' in native) return { name, available: false, detail: native.error };
    const ok = await tf.setBackend('tensorflow');
    if (ok) {
      registerNativeStep();
      registerNativePointwiseConv();
    }
    const cuda = cudaLoadProblems.length > 0 ? ` (CUDA libraries that did not load, so no GPU: ${cudaLoadProblems.join('; ')})` : '';
    return { name, available: ok, detail: ok ? `${native.pkg}${cuda}` : `${native.pkg} loaded but its backend did not start${cuda}` };
  }
  if (name === 'wasm') {
    try {
      await import('@tensorflow/tfjs-backend-wasm');
      registerWasmConvGrads();
      registerResizeNearestGrad('wasm');
      const threads = wasmThreads();
      if (tf.findBackend('wasm') === null && threads > 1) {
        const shipped = tf.findBackendFactory('wasm');
        registerThreadedWasm(threads);
        if (await tf.setBackend('wasm')) return { name, available: true, detail: '@tensorflow/tfjs-backend-wasm (threaded build)' };
        tf.removeBackend('wasm'); // the threaded build did not start: fall back to the shipped single-threaded one
        tf.registerBackend('wasm', shipped, 2);
      }
      const ok = await tf.setBackend('wasm');
      return { name, available: ok, detail: ok ? '@tensorflow/tfjs-backend-wasm' : 'the wasm module did not initialise' };
    } catch (err) {
      return { name, available: false, detail: firstLine(err) };
    }
  }
  await import('@tensorflow/tfjs-backend-cpu');
  registerResizeNearestGrad('cpu');
  const ok = await tf.setBackend('cpu');
  return { name, available: ok, detail: '@tensorflow/tfjs-backend-cpu' };
}

function describe(name: BackendName): { gpu: boolean; description: string } {
  if (name === 'tensorflow') {
    const gpu = Boolean((tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice);
    const build = currentNativeBuild();
    return { gpu, description: `tensorflow (${build ? describeBuild(build) : 'TensorFlow C library'}, ${gpu ? 'CUDA GPU' : 'CPU'})` };
  }
  if (name === 'wasm') {
    const threads = wasmThreadsInUse();
    return { gpu: false, description: `wasm (XNNPACK, SIMD, ${threads} thread${threads === 1 ? '' : 's'})` };
  }
  return { gpu: false, description: 'cpu (plain JavaScript kernels)' };
}

/**
 * Starts `wanted`, or with 'auto' the best backend that loads. A named backend that cannot start is an error,
 * not a silent fallback: the person asked for it.
 */
export async function startBackend(wanted: BackendName | 'auto' = 'auto'): Promise<BackendReport> {
  const order = wanted === 'auto' ? [...BACKEND_NAMES] : [wanted];
  const probes: BackendProbe[] = [];
  for (const name of order) {
    const probe = await tryStart(name);
    probes.push(probe);
    if (probe.available) {
      await tf.ready();
      return { name, ...describe(name), tfjsVersion: tf.version_core, probes };
    }
  }
  throw new Error(`backend '${wanted}' cannot start: ${probes.map((p) => `${p.name}: ${p.detail}`).join('; ')}`);
}

/** What each backend would do here, without changing the running one for good (for `gan-studio info`). */
export async function probeBackends(): Promise<BackendProbe[]> {
  const probes: BackendProbe[] = [];
  for (const name of BACKEND_NAMES) probes.push(await tryStart(name));
  return probes;
}

/**
 * Frees every started backend. The threaded wasm build's pthread workers keep Node alive until then, so a
 * command line must call this before it can exit.
 */
export function closeBackends(): void {
  for (const name of BACKEND_NAMES) {
    if (tf.findBackend(name) !== null) tf.removeBackend(name);
  }
}
