/** `gan-studio native install [--from WHEEL_OR_SITE_PACKAGES]` and `gan-studio native status`. */
import { currentNativeBuild, nativeRoot } from '../engine/runtime/nativeBuild';
import { findTensorflow, sourceFrom, type TensorflowSource } from '../native/locate';
import { checkBuild, cudaLibraries, installNative } from '../native/install';

export function nativeInstall(from: string | undefined): void {
  let source: TensorflowSource;
  if (from) source = sourceFrom(from);
  else {
    const { found, looked } = findTensorflow();
    if (found.length === 0) throw new Error(`no TensorFlow found (looked at: ${looked.join(', ')}): pip install tensorflow-cpu, or pass --from WHEEL`);
    source = found[0];
  }
  process.stderr.write(`building the native backend against TensorFlow ${source.version} (${source.gpu ? 'CUDA-enabled' : 'CPU'}) from ${source.path}\n`);
  if (source.gpu) {
    const cuda = cudaLibraries();
    process.stderr.write(`CUDA libraries found: ${cuda.found.join(', ') || 'none'}; missing: ${cuda.missing.join(', ') || 'none'}${cuda.missing.length ? ' — TensorFlow will run on the CPU until they are there (pip install tensorflow[and-cuda])' : ''}\n`);
  }
  const started = Date.now();
  const build = installNative({ source, onProgress: (p) => process.stderr.write(`[${p.step}/${p.steps}] ${p.what}…\n`) });
  process.stdout.write(`${JSON.stringify({ built: build, seconds: Math.round((Date.now() - started) / 1000) }, null, 2)}\n`);
}

export function nativeStatus(): void {
  const build = currentNativeBuild();
  const { found, looked } = findTensorflow();
  const status = build ? { build, check: checkBuild(build) } : { build: null, root: nativeRoot() };
  process.stdout.write(`${JSON.stringify({ ...status, tensorflowFound: found.map((f) => `${f.path} (${f.version})`), looked }, null, 2)}\n`);
}
