/**
 * Finding a TensorFlow to build the native backend against: a wheel or site-packages folder the person names, an
 * installed Python `tensorflow` / `tensorflow-cpu`, or a wheel in the usual pip caches and find-links folders.
 * Every TensorFlow 2.x wheel ships the C API the binding calls (`libtensorflow_cc.so.2` and its framework library).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';

export interface TensorflowSource {
  kind: 'wheel' | 'site-packages';
  /** The .whl file, or the installed package's `tensorflow` folder. */
  path: string;
  version: string;
  /** A CUDA-enabled build (the `tensorflow` wheel; `tensorflow-cpu` is not). */
  gpu: boolean;
}

const WHEEL = /^tensorflow(?:[-_](cpu|gpu))?-(\d+\.\d+\.\d+)[^/]*-manylinux[^/]*_x86_64\.whl$/;

export function wheelSource(path: string): TensorflowSource | undefined {
  const m = WHEEL.exec(basename(path));
  return m ? { kind: 'wheel', path, version: m[2], gpu: m[1] !== 'cpu' } : undefined;
}

/** A `tensorflow` package folder (site-packages/tensorflow) that holds the C library. */
export function installedSource(dir: string): TensorflowSource | undefined {
  if (!existsSync(join(dir, 'libtensorflow_cc.so.2'))) return undefined;
  const dist = readdirSync(join(dir, '..')).find((d) => /^tensorflow(_cpu)?-\d+\.\d+\.\d+\.dist-info$/.test(d));
  const version = dist ? /(\d+\.\d+\.\d+)/.exec(dist)![1] : 'unknown';
  return { kind: 'site-packages', path: dir, version, gpu: !dist?.startsWith('tensorflow_cpu') };
}

/** What `--from` names: a wheel, a site-packages folder, or a `tensorflow` package folder. */
export function sourceFrom(path: string): TensorflowSource {
  if (!existsSync(path)) throw new Error(`--from: '${path}' does not exist`);
  if (statSync(path).isFile()) {
    const wheel = wheelSource(path);
    if (!wheel) throw new Error(`--from: '${path}' is not a TensorFlow wheel for Linux x86-64 (tensorflow[-cpu]-X.Y.Z-…-manylinux…_x86_64.whl)`);
    return wheel;
  }
  const found = installedSource(path) ?? installedSource(join(path, 'tensorflow'));
  if (!found) throw new Error(`--from: '${path}' holds no TensorFlow C library (looked for tensorflow/libtensorflow_cc.so.2)`);
  return found;
}

/** Folders pip reads wheels from: its cache, find-links (env and config), file:// indexes' files. */
function wheelFolders(): string[] {
  const folders = [join(homedir(), '.cache', 'pip')];
  const fromEnv = process.env.PIP_FIND_LINKS?.split(/\s+/) ?? [];
  const config = spawnSync('pip', ['config', 'list'], { encoding: 'utf8' });
  const fromConfig = (config.stdout ?? '').split('\n').flatMap((line) => {
    const m = /(?:find-links|index-url)='([^']+)'/.exec(line);
    return m ? m[1].split(/\s+/) : [];
  });
  for (const entry of [...fromEnv, ...fromConfig]) {
    const dir = entry.replace(/^file:\/\//, '');
    if (!dir.startsWith('/')) continue;
    folders.push(dir, join(dir, '..', 'files')); // a file:// simple index keeps its wheels beside it in files/
  }
  return [...new Set(folders)].filter((d) => existsSync(d));
}

function wheelsIn(dir: string, depth = 4): string[] {
  if (depth < 0) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isFile() && WHEEL.test(entry.name)) out.push(join(dir, entry.name));
    else if (entry.isDirectory()) out.push(...wheelsIn(join(dir, entry.name), depth - 1));
  }
  return out;
}

const newestFirst = (a: TensorflowSource, b: TensorflowSource): number => b.version.localeCompare(a.version, 'en', { numeric: true });

/** Every TensorFlow found, the installed one first, then wheels newest first; with where it looked. */
export function findTensorflow(): { found: TensorflowSource[]; looked: string[] } {
  const looked: string[] = [];
  const found: TensorflowSource[] = [];
  for (const python of ['python3', 'python']) {
    const r = spawnSync(python, ['-c', 'import os, tensorflow; print(os.path.dirname(tensorflow.__file__))'], { encoding: 'utf8' });
    looked.push(`${python}: import tensorflow`);
    const installed = r.status === 0 ? installedSource(r.stdout.trim()) : undefined;
    if (installed) {
      found.push(installed);
      break;
    }
  }
  const folders = wheelFolders();
  looked.push(...folders);
  found.push(...folders.flatMap((d) => wheelsIn(d)).map((w) => wheelSource(w)!).sort(newestFirst));
  return { found, looked };
}
