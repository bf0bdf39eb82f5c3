/** `gan-studio crop`: faces out of a folder of pictures, a progress line, and one JSON summary on stdout. */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { resolveCascade } from './engine/faces/cascades';
import { DEFAULT_CROP, type CropParams } from './engine/faces/crop';
import { runCropJob } from './services/cropJob';

export interface CropCommandOptions {
  input: string;
  out: string;
  cascade: string;
  params: Partial<CropParams>;
  pattern?: string;
  workers?: number;
}

/** Where named cascades are cached after their first download. */
export function cascadeCacheDir(): string {
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'gan-studio', 'cascades');
}

export async function cropCommand(o: CropCommandOptions): Promise<void> {
  const cascade = await resolveCascade(o.cascade, { cacheDir: cascadeCacheDir() });
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\ncancelling: finishing the pictures in hand (Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  const started = performance.now();
  let shown = 0;
  const summary = await runCropJob({
    input: o.input,
    out: resolve(o.out),
    cascade,
    params: { ...DEFAULT_CROP, ...o.params },
    pattern: o.pattern,
    workers: o.workers,
    signal: controller.signal,
    onProgress: (p) => {
      if (p.done < p.total && performance.now() - shown < 250) return; // a readable line, not a flood
      shown = performance.now();
      const rate = p.done / Math.max(1e-3, (performance.now() - started) / 1000);
      process.stderr.write(`\rcropping ${p.done}/${p.total} pictures  ${p.faces} faces  ${p.failed} failed  ${rate.toFixed(1)} pictures/s   `);
    },
  });
  process.off('SIGINT', onSignal);
  process.stderr.write('\n');
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}
