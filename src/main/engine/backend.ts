/**
 * Chooses and starts the tfjs backend: TensorFlow's own kernels (GPU, then CPU) where the native binding loads,
 * then WebAssembly (XNNPACK, with our conv gradients), then plain JavaScript. Always says which one runs.
 */
import * as tf from './tf';
import { registerWasmConvGrads } from './kernels/wasmConvGrads';

export const BACKEND_NAMES = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

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

const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

function loadNative(): { pkg: string } | { error: string } {
  const errors: string[] = [];
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
    return { name, available: ok, detail: ok ? native.pkg : `${native.pkg} loaded but its backend did not start` };
  }
  if (name === 'wasm') {
    try {
      await import('@tensorflow/tfjs-backend-wasm');
      registerWasmConvGrads();
      const ok = await tf.setBackend('wasm');
      return { name, available: ok, detail: ok ? '@tensorflow/tfjs-backend-wasm' : 'the wasm module did not initialise' };
    } catch (err) {
      return { name, available: false, detail: firstLine(err) };
    }
  }
  await import('@tensorflow/tfjs-backend-cpu');
  const ok = await tf.setBackend('cpu');
  return { name, available: ok, detail: '@tensorflow/tfjs-backend-cpu' };
}

function describe(name: BackendName): { gpu: boolean; description: string } {
  if (name === 'tensorflow') {
    const gpu = Boolean((tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice);
    return { gpu, description: `tensorflow (TensorFlow C library, ${gpu ? 'CUDA GPU' : 'CPU'})` };
  }
  if (name === 'wasm') {
    const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'SIMD' : 'no SIMD';
    return { gpu: false, description: `wasm (XNNPACK, ${simd}, 1 thread)` };
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
