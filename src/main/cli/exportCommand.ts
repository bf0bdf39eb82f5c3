/** `gan-studio export`: a run's generator as a TF.js model, an ONNX model or the web toy, with one JSON summary. */
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { openCatalogue } from '../catalogue/db';
import { listBookmarks } from '../catalogue/bookmarks';
import { exportRunGenerator, MODEL_FORMATS, type ModelFormat } from '../engine/export/generatorExport';
import type { ToyBookmark } from '../engine/export/webToy';
import type { SnapshotChoice } from '../engine/training/snapshots';

/** The run's z-space bookmarks from the workspace's catalogue, where there is one (the toy's model takes z). */
export function runBookmarks(workspace: string, runId: string): ToyBookmark[] {
  const file = join(workspace, 'catalogue.sqlite');
  if (!existsSync(file)) return [];
  const db = openCatalogue(file);
  try {
    return listBookmarks(db, runId).filter((b) => b.space === 'z').map((b) => ({ name: b.name, latent: b.latent, label: b.label }));
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
