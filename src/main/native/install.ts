/**
 * `gan-studio native install`: builds tfjs-node's N-API binding against a TensorFlow the machine already has, into
 * the app's data folder (no libtensorflow download, any TensorFlow 2.x and its CUDA, not only 2.9 / CUDA 11.2).
 * Steps: take the C library and headers from the wheel (or link the installed package), fetch tfjs-node's source
 * from the npm registry, compile with node-gyp against the system's Node headers, check that it loads and
 * computes, then make it the current build. Every step's output goes to build.log.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { bindingFile, nativeRoot, PRELOAD_FLAGS, type NativeBuild } from '../engine/runtime/nativeBuild';
import { writeFileAtomic } from '../engine/training/atomicFile';
import type { TensorflowSource } from './locate';

export const TFJS_NODE_VERSION = '4.22.0';

export interface InstallProgress { step: number; steps: number; what: string }
export interface InstallOptions { source: TensorflowSource; root?: string; onProgress?(p: InstallProgress): void }

const STEPS = ['TensorFlow C library and headers', "tfjs-node's source", 'compiling the binding', 'checking that it computes'];

export class NativeInstallError extends Error {
  constructor(message: string, readonly log: string) {
    super(`${message} (the build log: ${log})`);
  }
}

/** Node's headers: the system's (Debian's nodejs-dev / the node tarball's include/node), else node-gyp downloads them. */
function nodeHeaders(): string | undefined {
  const prefix = dirname(dirname(process.execPath));
  return [prefix, '/usr', '/usr/local'].find((p) => existsSync(join(p, 'include', 'node', 'common.gypi')));
}

export function installNative(o: InstallOptions): NativeBuild {
  const root = o.root ?? nativeRoot();
  const name = `tensorflow-${o.source.version}${o.source.gpu ? '-gpu' : ''}-tfjs-node-${TFJS_NODE_VERSION}`;
  const dir = join(root, name);
  const staging = `${dir}.building`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const log = join(staging, 'build.log');
  const run = (what: string, command: string, args: string[], cwd = staging): string => {
    appendFileSync(log, `\n$ ${command} ${args.join(' ')}\n`);
    const r = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
    appendFileSync(log, `${r.stdout ?? ''}${r.stderr ?? ''}`);
    if (r.error) throw new NativeInstallError(`${what}: cannot run ${command} (${r.error.message})`, log);
    if (r.status !== 0) throw new NativeInstallError(`${what} failed: ${lastLines(`${r.stderr}${r.stdout}`)}`, log);
    return r.stdout;
  };
  const step = (i: number): void => o.onProgress?.({ step: i + 1, steps: STEPS.length, what: STEPS[i] });

  // 1. The C library and headers: extracted from a wheel, or the installed package's own.
  step(0);
  // Where the library is as seen from package/deps/lib and package/deps: relative for a wheel, so the folder can move.
  let tensorflowFrom: { lib: string; deps: string };
  if (o.source.kind === 'wheel') {
    if (!hasCommand('unzip')) throw new NativeInstallError('reading the wheel needs unzip: apt-get install unzip', log);
    run('extracting the wheel', 'unzip', ['-q', o.source.path, 'tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2', 'tensorflow/include/*', '-d', join(staging, 'wheel')]);
    tensorflowFrom = { lib: '../../../wheel/tensorflow', deps: '../../wheel/tensorflow' };
  } else {
    if (!existsSync(join(o.source.path, 'include', 'tensorflow', 'c', 'c_api.h'))) throw new NativeInstallError(`'${o.source.path}' has no include/tensorflow/c/c_api.h: reinstall TensorFlow with its headers`, log);
    tensorflowFrom = { lib: o.source.path, deps: o.source.path };
  }

  // 2. tfjs-node's source (binding and kernels) from the npm registry; its install script (the download) never runs.
  step(1);
  run("fetching tfjs-node's source", 'npm', ['pack', `@tensorflow/tfjs-node@${TFJS_NODE_VERSION}`, '--silent']);
  run("unpacking tfjs-node's source", 'tar', ['xzf', `tensorflow-tfjs-node-${TFJS_NODE_VERSION}.tgz`]);
  const pkg = join(staging, 'package');
  const lib = join(pkg, 'deps', 'lib');
  mkdirSync(lib, { recursive: true });
  // The binding links -ltensorflow and -ltensorflow_framework and finds them at run time by their sonames.
  for (const [link, target] of [['libtensorflow.so', 'libtensorflow_cc.so.2'], ['libtensorflow_cc.so.2', 'libtensorflow_cc.so.2'], ['libtensorflow_framework.so', 'libtensorflow_framework.so.2'], ['libtensorflow_framework.so.2', 'libtensorflow_framework.so.2']]) {
    symlinkSync(join(tensorflowFrom.lib, target), join(lib, link));
  }
  symlinkSync(join(tensorflowFrom.deps, 'include'), join(pkg, 'deps', 'include'));
  // Its kernels need google-protobuf at load time; nothing else of its dependencies is used.
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'gan-studio-tfjs-node', version: TFJS_NODE_VERSION, private: true, dependencies: { 'google-protobuf': '3.21.4' } }));
  run('installing google-protobuf', 'npm', ['install', '--ignore-scripts', '--omit=dev', '--no-package-lock', '--no-audit', '--no-fund'], pkg);
  addStepFunctions(pkg, log);

  // 3. Compile against the system's Node headers (N-API: one build serves Node and Electron).
  step(2);
  const headers = nodeHeaders();
  const gyp = require.resolve('node-gyp/bin/node-gyp.js');
  run('compiling the binding', process.execPath, [gyp, 'rebuild', ...(headers ? [`--nodedir=${headers}`] : []), '--module_name=tfjs_binding', `--module_path=${join(pkg, 'lib', 'napi-v8')}`, '--napi_build_version=8'], pkg);

  // 4. Move into place (the links point into the final folder), load it in a fresh process and compute.
  step(3);
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  const build: NativeBuild = { tensorflow: o.source.version, source: o.source.path, tfjsNode: TFJS_NODE_VERSION, gpu: o.source.gpu, builtAt: new Date().toISOString(), packageDir: join(dir, 'package'), ...(o.source.gpu ? { cudaLibraries: cudaLibraries().found } : {}) };
  const check = checkBuild(build);
  appendFileSync(join(dir, 'build.log'), `\ncheck: ${JSON.stringify(check)}\n`);
  if (!check.ok) throw new NativeInstallError(`the binding was built but does not compute: ${check.message}`, join(dir, 'build.log'));
  build.tensorflow = check.version;
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(build, null, 2));
  writeFileAtomic(join(root, 'current.json'), JSON.stringify(build, null, 2));
  return build;
}

/** Our addition to the binding (the compiled step's function builder), wherever the app runs from. */
const STEP_FUNCTION_SOURCE = [join(__dirname, '..', '..', '..', 'resources'), join(__dirname, '..', '..', 'resources')]
  .map((dir) => join(dir, 'native-step-function.cc'))
  .find((file) => existsSync(file));

/**
 * Compiles resources/native-step-function.cc into tfjs-node's binding: it needs the binding's eager context (a
 * second addon could not run a function there), so the build adds the file, an accessor for the context and the
 * two exports. Each edit checks its anchor: a tfjs-node release that moved it fails here, not at run time.
 */
function addStepFunctions(pkg: string, log: string): void {
  if (!STEP_FUNCTION_SOURCE) throw new NativeInstallError('resources/native-step-function.cc is missing from this installation', log);
  copyFileSync(STEP_FUNCTION_SOURCE, join(pkg, 'binding', 'step_function.cc'));
  const edit = (file: string, anchor: string, replacement: string): void => {
    const path = join(pkg, file);
    const text = readFileSync(path, 'utf8');
    if (!text.includes(anchor)) throw new NativeInstallError(`tfjs-node ${TFJS_NODE_VERSION}'s ${file} has no '${anchor.trim()}' to extend`, log);
    writeFileSync(path, text.replace(anchor, replacement));
  };
  edit('binding.gyp', "'binding/tfjs_binding.cc'", "'binding/tfjs_binding.cc',\n      'binding/step_function.cc'");
  edit('binding/tfjs_backend.h', '  TFE_Context *tfe_context_;', '  TFE_Context *tfe_context_;\n\n public:\n  TFE_Context *gan_studio_context() const { return tfe_context_; }\n\n private:');
  edit('binding/tfjs_binding.cc', 'namespace tfnodejs {', 'namespace tfnodejs {\n\nvoid RegisterGanStudioFunctions(napi_env env, napi_value exports);');
  edit('binding/tfjs_binding.cc', '  // Export TF property types to JS', '  RegisterGanStudioFunctions(env, exports);\n\n  // Export TF property types to JS');
}

/**
 * Loads the build in a child process (a crash there cannot take this one down) and multiplies two matrices. The
 * script is plain JavaScript, so it runs the same from the sources and from a built app (ELECTRON_RUN_AS_NODE).
 */
export function checkBuild(build: NativeBuild): { ok: true; version: string; gpu: boolean } | { ok: false; message: string } {
  if (!existsSync(bindingFile(build))) return { ok: false, message: `no ${bindingFile(build)}` };
  const [core, pkg, binding, cuda] = [require.resolve('@tensorflow/tfjs-core'), build.packageDir, bindingFile(build), build.cudaLibraries ?? []].map((p) => JSON.stringify(p));
  // (CUDA libraries are loaded first as the engine does: dlopen, refused as a module, kept loaded by the flags)
  const script = `
    for (const lib of ${cuda}) {
      try { process.dlopen({ exports: {} }, lib, ${PRELOAD_FLAGS}); } catch {}
    }
    const Module = require('node:module');
    const resolve = Module._resolveFilename;
    Module._resolveFilename = function (request, parent, ...rest) {
      if (/^@tensorflow\\/tfjs(-core)?$/.test(request) && parent && String(parent.filename).startsWith(${pkg})) return ${core};
      return resolve.call(this, request, parent, ...rest);
    };
    const tf = require(${core});
    const binding = require(${binding});
    const { NodeJSKernelBackend } = require(${pkg} + '/dist/nodejs_kernel_backend');
    require(${pkg} + '/dist/register_all_kernels');
    tf.registerBackend('tensorflow', () => new NodeJSKernelBackend(binding, 'check'), 3);
    tf.setBackend('tensorflow').then((ok) => {
      const product = tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5, 6], [7, 8]])).dataSync();
      process.stdout.write(JSON.stringify({ ok, product: Array.from(product), version: binding.TF_Version, gpu: binding.isUsingGpuDevice() }));
    });`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2', ELECTRON_RUN_AS_NODE: '1' } });
  try {
    const out = JSON.parse(r.stdout) as { ok: boolean; product: number[]; version: string; gpu: boolean };
    if (out.ok && out.product.join() === '19,22,43,50') return { ok: true, version: out.version, gpu: out.gpu };
    return { ok: false, message: `2×2 product came out ${out.product.join(', ')}` };
  } catch {
    return { ok: false, message: lastLines(r.stderr || r.stdout || `exit ${r.status}`) };
  }
}

function lastLines(text: string, n = 3): string {
  return text.trim().split('\n').slice(-n).join(' / ');
}

/**
 * CUDA libraries a GPU TensorFlow opens (CUDA 12, cuDNN 9), in dependency order, and where this machine has them:
 * LD_LIBRARY_PATH, pip's nvidia-* packages, the system's. `found` holds full paths, `missing` names.
 */
export function cudaLibraries(): { found: string[]; missing: string[] } {
  const wanted = ['libcudart.so.12', 'libnvJitLink.so.12', 'libcublasLt.so.12', 'libcublas.so.12', 'libcufft.so.11', 'libcusparse.so.12', 'libcusolver.so.11', 'libcudnn.so.9'];
  const dirs = [...(process.env.LD_LIBRARY_PATH ?? '').split(':'), '/usr/lib/x86_64-linux-gnu', '/usr/local/cuda/lib64'].filter(Boolean);
  const python = spawnSync('python3', ['-c', 'import site; print("\\n".join(site.getsitepackages()))'], { encoding: 'utf8' });
  for (const sp of (python.stdout ?? '').split('\n').filter(Boolean)) {
    const nvidia = join(sp, 'nvidia');
    if (existsSync(nvidia)) for (const d of readdirSync(nvidia)) dirs.push(join(nvidia, d, 'lib'));
  }
  const located = wanted.map((lib) => ({ lib, file: dirs.map((d) => join(d, lib)).find((f) => existsSync(f)) }));
  return { found: located.flatMap((l) => (l.file ? [l.file] : [])), missing: located.filter((l) => !l.file).map((l) => l.lib) };
}

const hasCommand = (command: string): boolean => {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
