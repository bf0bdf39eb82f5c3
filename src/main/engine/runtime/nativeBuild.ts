/**
 * A native `tensorflow` backend built by `gan-studio native install` against a TensorFlow the machine already has
 * (tfjs-node's binding compiled against a TensorFlow wheel's C library), kept in the app's data folder so an
 * upgrade does not wipe it. This module finds the current build and registers it as tfjs's `tensorflow` backend.
 */
import { existsSync, readFileSync } from 'node:fs';
import Module from 'node:module';
import { constants, homedir } from 'node:os';
import { join } from 'node:path';
import { setTensorflowEnv } from './tensorflowEnv';
import { withStepCompiler, type Binding } from './stepCompiler';
import * as tf from './tf';

export interface NativeBuild {
  /** TensorFlow's version, as its library reports it. */
  tensorflow: string;
  /** The wheel or site-packages folder it was built against. */
  source: string;
  /** The tfjs-node version whose binding and kernels were built. */
  tfjsNode: string;
  /** Built against a CUDA-enabled TensorFlow. */
  gpu: boolean;
  builtAt: string;
  /** The built tfjs-node package: lib/napi-v8/tfjs_binding.node and dist/. */
  packageDir: string;
  /** For a CUDA build: the CUDA libraries found when it was built (full paths), loaded before TensorFlow. */
  cudaLibraries?: string[];
}

/** Where native builds live: GAN_STUDIO_NATIVE_DIR, else the user's data folder. */
export function nativeRoot(): string {
  if (process.env.GAN_STUDIO_NATIVE_DIR) return process.env.GAN_STUDIO_NATIVE_DIR;
  return join(process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'gan-studio', 'native');
}

/** The build `current.json` names, if it is still there. */
export function currentNativeBuild(root = nativeRoot()): NativeBuild | undefined {
  const file = join(root, 'current.json');
  if (!existsSync(file)) return undefined;
  const build = JSON.parse(readFileSync(file, 'utf8')) as NativeBuild;
  return existsSync(bindingFile(build)) ? build : undefined;
}

export const bindingFile = (b: Pick<NativeBuild, 'packageDir'>): string => join(b.packageDir, 'lib', 'napi-v8', 'tfjs_binding.node');

export function describeBuild(b: NativeBuild): string {
  return `TensorFlow ${b.tensorflow} from ${b.source}`;
}

let redirected = false;

/** dlopen's RTLD_NODELETE, which os.constants leaves out (glibc, macOS). */
const RTLD_NODELETE: Partial<Record<NodeJS.Platform, number>> = { linux: 0x1000, darwin: 0x80 };
const PINNED_FLAGS = constants.dlopen.RTLD_NOW | (RTLD_NODELETE[process.platform] ?? 0);
/** dlopen flags for a library loaded ahead of TensorFlow (also used by the build check's child process). */
export const PRELOAD_FLAGS = PINNED_FLAGS | constants.dlopen.RTLD_GLOBAL;

/**
 * Loads a shared library so that it stays mapped until the process ends. Node unloads a worker thread's addons
 * when the worker exits; TensorFlow has registered exit handlers by then, and the process then crashed at exit
 * jumping into unmapped code (SIGSEGV, or glibc's "double free or corruption"). `global` shares its symbols and
 * its soname with every later load: TensorFlow opens the CUDA libraries by name, and finds them loaded.
 */
function loadPinned(file: string, global = false): unknown {
  const module = { exports: {} };
  process.dlopen(module, file, global ? PRELOAD_FLAGS : PINNED_FLAGS);
  return module.exports;
}

/**
 * Loads a plain shared library (no addon) for good: Node's dlopen opens it, then refuses it as a module, and the
 * library stays loaded (RTLD_NODELETE). An error names what the dynamic loader said.
 */
export function preloadLibrary(file: string): void {
  try {
    loadPinned(file, true);
  } catch (err) {
    if (!/did not self-register/.test(String(err))) throw new Error(`cannot load ${file}: ${String(err instanceof Error ? err.message : err).split('\n')[0]}`);
  }
}

/** CUDA libraries of a GPU build that did not load (TensorFlow then runs on the CPU); empty for a CPU build. */
export const cudaLoadProblems: string[] = [];

/**
 * Registers the build's backend as `tensorflow`. Its kernels `require('@tensorflow/tfjs')`; they must register
 * into the very tfjs-core this engine runs on (in the built app it is bundled, and a second copy would hold a
 * second engine), so inside the build both names resolve to a module whose exports are our own `tf`.
 */
export function registerNativeBuild(build: NativeBuild): void {
  setTensorflowEnv();
  if (!redirected) {
    const ours = join(build.packageDir, 'gan-studio-tfjs-core.js'); // never on disk: only in require's cache
    const cached = new Module(ours);
    Object.assign(cached, { filename: ours, loaded: true, exports: tf });
    const loader = Module as unknown as {
      _cache: Record<string, Module>;
      _resolveFilename(request: string, parent: { filename?: string } | undefined, ...rest: unknown[]): string;
    };
    loader._cache[ours] = cached;
    const original = loader._resolveFilename;
    loader._resolveFilename = function (request, parent, ...rest) {
      if ((request === '@tensorflow/tfjs' || request === '@tensorflow/tfjs-core') && parent?.filename?.startsWith(build.packageDir)) return ours;
      return original.call(this, request, parent, ...rest);
    };
    redirected = true;
  }
  // A CUDA TensorFlow opens its CUDA libraries by name when it starts: the ones found at build time (pip's nvidia-*
  // folders are on no search path) are loaded first, in dependency order.
  for (const lib of build.cudaLibraries ?? []) {
    try {
      preloadLibrary(lib);
    } catch (err) {
      if (!cudaLoadProblems.includes((err as Error).message)) cudaLoadProblems.push((err as Error).message);
    }
  }
  const binding = withStepCompiler(loadPinned(bindingFile(build)) as Binding);
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { NodeJSKernelBackend } = require(join(build.packageDir, 'dist', 'nodejs_kernel_backend')) as { NodeJSKernelBackend: new (binding: unknown, name: string) => tf.KernelBackend };
  require(join(build.packageDir, 'dist', 'register_all_kernels'));
  /* eslint-enable @typescript-eslint/no-require-imports */
  if (tf.findBackendFactory('tensorflow') === null) tf.registerBackend('tensorflow', () => new NodeJSKernelBackend(binding, 'gan-studio-native'), 3);
}
