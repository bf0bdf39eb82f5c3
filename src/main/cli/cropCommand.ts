/** `gan-studio crop`: faces out of a folder of pictures, a progress line, and one JSON summary on stdout. */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { resolveCascade } from '../engine/faces/cascades';
import { DEFAULT_CROP, type CropParams } from '../engine/faces/crop';
import { cancelOnInterrupt, ProgressPrinter } from './progressLine';
import { runCropJob } from '../services/cropJob';

export interface CropCommandOptions {
  input: string;
  out: string;
  cascade: string;
  params: Partial<CropParams>;
  pattern?: string;
  workers?: number;
  progress?: ProgressPrinter;
}

/** Where named cascades are cached after their first download. */
export function cascadeCacheDir(): string {
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'gan-studio', 'cascades');
}

export async function cropCommand(o: CropCommandOptions): Promise<void> {
  const cascade = await resolveCascade(o.cascade, { cacheDir: cascadeCacheDir() });
  const interrupt = cancelOnInterrupt('cancelling: finishing the pictures in hand');
  const started = performance.now();
  const progress = o.progress ?? new ProgressPrinter();
  const summary = await runCropJob({
    input: o.input,
    out: resolve(o.out),
    cascade,
    params: { ...DEFAULT_CROP, ...o.params },
    pattern: o.pattern,
    workers: o.workers,
    signal: interrupt.signal,
    onProgress: (p) => {
      const rate = p.done / Math.max(1e-3, (performance.now() - started) / 1000);
      progress.update(`cropping ${p.done}/${p.total} pictures  ${p.faces} faces  ${p.failed} failed  ${rate.toFixed(1)} pictures/s`);
    },
  });
  interrupt.dispose();
  progress.end();
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}
