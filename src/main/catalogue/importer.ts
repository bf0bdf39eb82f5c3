/**
 * Imports a folder into the catalogue: every matching file is hashed, decoded (a thumbnail proves it decodes),
 * given a perceptual hash and recorded. A broken file is recorded as a problem with its reason and the import goes
 * on; each picture is committed as it is done, so a cancelled or crashed import keeps what it finished. A re-import
 * updates what the files say (size, hash) and never what the user said (included, label, tags).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Metadata, Sharp } from 'sharp';
import { describeDecodeError, openPicture } from '../engine/data/decodeProblems';
import { IMAGE_PATTERN, listPictures } from '../engine/data/folderFiles';
import type { Db } from './db';
import { endJob, jobProgress, startJob } from './jobs';
import { differenceHash } from './phash';

/** Files above this size are refused unread. */
export const MAX_FILE_BYTES = 200 * 1024 * 1024;
export const THUMBNAIL_SIZE = 128;

export interface ImportOptions {
  db: Db;
  name: string;
  dir: string;
  pattern?: string;
  thumbnails: string;
  signal?: AbortSignal;
  /** Pictures decoded at once (sharp decodes on its own threads). */
  concurrency?: number;
  onProgress?(p: { done: number; total: number; problems: number }): void;
  /** Called before the first await: the job and dataset exist from here on. */
  onJob?(jobId: number, datasetId: number): void;
}

export interface ImportSummary {
  dataset: { id: number; name: string };
  files: number;
  imported: number;
  problems: { file: string; reason: string }[];
  cancelled: boolean;
  jobId: number;
}

export interface Fingerprint { hash: string; phash: string; width: number; height: number; format: string; bytes: number }

export async function importFolder(o: ImportOptions): Promise<ImportSummary> {
  const dir = resolve(o.dir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`'${o.dir}' is not a folder`);
  // Refuses a pattern that reaches outside the folder before anything is recorded.
  const listing = listPictures(dir, o.pattern ?? IMAGE_PATTERN);
  mkdirSync(o.thumbnails, { recursive: true });
  const dataset = datasetFor(o.db, o.name, dir, o.pattern ?? IMAGE_PATTERN);
  const files = listing.files;
  const jobId = startJob(o.db, 'import', dataset.id, files.length);
  o.onJob?.(jobId, dataset.id);

  const upsert = o.db.prepare(`INSERT INTO items (dataset_id, path, hash, phash, width, height, format, bytes) VALUES (@dataset, @path, @hash, @phash, @width, @height, @format, @bytes)
    ON CONFLICT (dataset_id, path) DO UPDATE SET hash = excluded.hash, phash = excluded.phash, width = excluded.width, height = excluded.height, format = excluded.format, bytes = excluded.bytes`);
  const problem = o.db.prepare('INSERT OR REPLACE INTO import_problems (dataset_id, path, reason) VALUES (?, ?, ?)');
  const solved = o.db.prepare('DELETE FROM import_problems WHERE dataset_id = ? AND path = ?');

  const summary: ImportSummary = { dataset, files: files.length, imported: 0, problems: [...listing.problems], cancelled: false, jobId };
  for (const p of listing.problems) problem.run(dataset.id, p.file, p.reason);
  let next = 0;
  let done = 0;
  const work = async (): Promise<void> => {
    while (next < files.length && !o.signal?.aborted) {
      const path = files[next++];
      try {
        const decoded = await fingerprint(join(dir, path), o.thumbnails);
        upsert.run({ dataset: dataset.id, path, ...decoded });
        solved.run(dataset.id, path);
        summary.imported++;
      } catch (err) {
        const reason = (err as Error).message;
        problem.run(dataset.id, path, reason);
        summary.problems.push({ file: path, reason });
      }
      done++;
      jobProgress(o.db, jobId, done);
      o.onProgress?.({ done, total: files.length, problems: summary.problems.length });
    }
  };
  try {
    await Promise.all(Array.from({ length: o.concurrency ?? 4 }, work));
  } catch (err) {
    endJob(o.db, jobId, 'failed', (err as Error).message);
    throw err;
  }
  summary.cancelled = Boolean(o.signal?.aborted) && next < files.length;
  endJob(o.db, jobId, summary.cancelled ? 'cancelled' : 'done');
  return summary;
}

function datasetFor(db: Db, name: string, source: string, pattern: string): { id: number; name: string } {
  const found = db.prepare('SELECT id, kind, source FROM datasets WHERE name = ?').get(name) as { id: number; kind: string; source: string } | undefined;
  if (found) {
    if (found.kind !== 'folder' || found.source !== source) throw new Error(`a dataset named '${name}' already holds ${found.kind} ${found.source}: choose another name`);
    return { id: found.id, name };
  }
  const id = db.prepare(`INSERT INTO datasets (name, kind, source, pattern, created_at) VALUES (?, 'folder', ?, ?, ?)`).run(name, source, pattern, Date.now()).lastInsertRowid;
  return { id: Number(id), name };
}

/** Reads, checks and fingerprints one picture (and caches its thumbnail); throws an error saying what is wrong with it. */
export async function fingerprint(file: string, thumbnails: string): Promise<Fingerprint> {
  const bytes = statSync(file).size;
  if (bytes === 0) throw new Error('empty file (0 bytes)');
  if (bytes > MAX_FILE_BYTES) throw new Error(`absurdly large file (${(bytes / 2 ** 20).toFixed(0)} MB; at most ${MAX_FILE_BYTES / 2 ** 20} MB)`);
  const data = readFileSync(file);
  const hash = createHash('sha256').update(data).digest('hex');
  const image = (): Sharp => openPicture(data);
  let meta: Metadata;
  try {
    meta = await image().metadata();
    if (!meta.width || !meta.height || !meta.format) throw new Error('no picture dimensions');
    const thumb = join(thumbnails, `${hash}.webp`);
    let webp: Buffer;
    if (existsSync(thumb)) webp = readFileSync(thumb);
    else {
      // Decoding the whole picture for its thumbnail is what proves it is not truncated.
      webp = await image().rotate().resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside' }).webp({ quality: 80 }).toBuffer();
      writeFileSync(`${thumb}.tmp`, webp);
      renameSync(`${thumb}.tmp`, thumb);
    }
    // The perceptual hash is 9 × 8 pixels: the thumbnail holds enough of the picture, and is far cheaper to decode again.
    return { hash, phash: await differenceHash(webp), width: meta.width, height: meta.height, format: meta.format, bytes };
  } catch (err) {
    throw new Error(describeDecodeError(err));
  }
}
