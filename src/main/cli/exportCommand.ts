/**
 * `gan-studio export`: a run's generator as a TF.js model, an ONNX model or the web toy; `gan-studio timelapse`: its
 * sample grids as a film; `gan-studio import-generator`: the other way, a generator made elsewhere as a run. Each
 * prints one JSON summary.
 */
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { openCatalogue } from '../catalogue/db';
import { zSpaceBookmarks } from '../catalogue/bookmarks';
import { exportRunGenerator, MODEL_FORMATS, type ModelFormat } from '../engine/export/generatorExport';
import type { ToyBookmark } from '../engine/export/webToy';
import type { SnapshotChoice } from '../engine/training/snapshots';
import { writeTimelapse, type TimelapseFormat } from '../engine/training/timelapse';
import { importGenerator } from '../engine/export/importedGenerator';
import { runFolder, runLayout } from '../engine/training/run';
import { cancelOnInterrupt, type ProgressPrinter } from './progressLine';

/** The run's z-space bookmarks from the workspace's catalogue, where there is one (the toy's model takes z). */
function runBookmarks(workspace: string, runId: string): ToyBookmark[] {
  const file = join(workspace, 'catalogue.sqlite');
  if (!existsSync(file)) return [];
  const db = openCatalogue(file);
  try {
    return zSpaceBookmarks(db, runId);
  } finally {
    db.close();
  }
}

export function exportFormat(value: string | undefined): ModelFormat {
  if (!value || !(MODEL_FORMATS as readonly string[]).includes(value)) throw new Error(`--format must be one of ${MODEL_FORMATS.join(', ')}, got '${value ?? ''}'`);
  return value as ModelFormat;
}

export function exportCommand(o: { dir: string; format: ModelFormat; snapshot?: SnapshotChoice; out?: string; workspace: string }): void {
  const dir = resolve(o.dir);
  const bookmarks = o.format === 'toy' ? runBookmarks(o.workspace, basename(dir)) : undefined;
  const result = exportRunGenerator(dir, { format: o.format, snapshot: o.snapshot, out: o.out && resolve(o.out), bookmarks });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

const TIMELAPSE_FORMATS: TimelapseFormat[] = ['mp4', 'webm', 'gif'];

export async function timelapseCommand(o: { dir: string; format?: string; fps: number; out?: string; progress: ProgressPrinter }): Promise<void> {
  const format = o.format as TimelapseFormat;
  if (!TIMELAPSE_FORMATS.includes(format)) throw new Error(`--format must be one of ${TIMELAPSE_FORMATS.join(', ')}, got '${o.format ?? ''}'`);
  if (o.fps < 1 || o.fps > 60) throw new Error(`--fps must be from 1 to 60, got ${o.fps}`);
  const dir = resolve(o.dir);
  const file = o.out ? resolve(o.out) : join(runLayout(dir).exports, `timelapse-${Date.now()}.${format}`);
  const interrupt = cancelOnInterrupt('cancelling: no file is left');
  try {
    const frames = await writeTimelapse(dir, { format, fps: o.fps, file, signal: interrupt.signal, onProgress: (done, total) => o.progress.update(`timelapse ${done}/${total} frames`) });
    o.progress.end();
    process.stdout.write(`${JSON.stringify({ format, path: file, frames, fps: o.fps })}\n`);
  } finally {
    interrupt.dispose();
  }
}

export function importGeneratorCommand(o: { source: string; name: string; workspace: string }): void {
  const dir = runFolder(o.workspace, o.name);
  if (existsSync(dir)) throw new Error(`--name: a run named '${o.name}' exists already in ${o.workspace}`);
  process.stdout.write(`${JSON.stringify({ run: dir, ...importGenerator(o.source, dir) })}\n`);
}
