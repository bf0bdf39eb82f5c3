/**
 * A face-crop job's results as a dataset of kind 'crops': each crop is an item that remembers the picture it came
 * from (source_item_id) and its box there, so the viewer can show where it was cut.
 */
import { join } from 'node:path';
import type { CropRecord } from '../engine/faces/crop';
import type { Db } from './db';
import { fingerprint } from './importer';

/** The crop dataset of this name: a new one, or the same one again (a cancelled crop job resumes into it). */
export function cropDatasetFor(db: Db, name: string, outDir: string): number {
  const found = db.prepare('SELECT id, kind, source FROM datasets WHERE name = ?').get(name) as { id: number; kind: string; source: string } | undefined;
  if (found) {
    if (found.kind !== 'crops' || found.source !== outDir) throw new Error(`a dataset named '${name}' already exists: choose another name`);
    return found.id;
  }
  return Number(db.prepare(`INSERT INTO datasets (name, kind, source, created_at) VALUES (?, 'crops', ?, ?)`).run(name, outDir, Date.now()).lastInsertRowid);
}

/** Adds one cropped picture's faces to the crop dataset (called as each picture is done). */
export async function recordCrops(db: Db, o: { cropDatasetId: number; sourceDatasetId: number; outDir: string; thumbnails: string }, record: CropRecord): Promise<void> {
  if (!('crops' in record)) return;
  const source = db.prepare('SELECT id FROM items WHERE dataset_id = ? AND path = ?').get(o.sourceDatasetId, record.source) as { id: number } | undefined;
  for (const crop of record.crops) {
    const f = await fingerprint(join(o.outDir, crop.file), o.thumbnails);
    db.prepare(`INSERT OR REPLACE INTO items (dataset_id, path, hash, phash, width, height, format, bytes, source_item_id, box)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(o.cropDatasetId, crop.file, f.hash, f.phash, f.width, f.height, f.format, f.bytes, source?.id ?? null, JSON.stringify(crop.box));
  }
}
