/** The latent lab's bookmarks in the catalogue, and their JSON file. */
import { BOOKMARK_FILE_FORMAT, type BookmarkFile } from '../../shared/bookmarkFile';
import type { Bookmark } from '../../shared/contract';
import type { LatentSpace } from '../../shared/latent';
import type { Db } from './db';

export interface NewBookmark {
  name: string; runId: string; step: number; latent: Float32Array; label: number[] | null; tags: string[]; origin: string; space: LatentSpace;
  /** PNG bytes of the latent's picture, when its run could draw it. */
  thumbnail: Buffer | null;
  createdAt?: number;
}

interface Row { id: number; name: string; run_id: string; step: number; latent: Buffer; label: string | null; tags: string; origin: string; space: LatentSpace; thumbnail: Buffer | null; created_at: number }

const latentBytes = (v: Float32Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
const latentOf = (b: Buffer): number[] => Array.from(new Float32Array(new Uint8Array(b).buffer));

function toBookmark(r: Row): Bookmark {
  return {
    id: r.id, name: r.name, runId: r.run_id, step: r.step, latent: latentOf(r.latent), label: r.label === null ? null : (JSON.parse(r.label) as number[]),
    tags: JSON.parse(r.tags) as string[], origin: r.origin, space: r.space,
    thumbnail: r.thumbnail ? `data:image/png;base64,${r.thumbnail.toString('base64')}` : null, createdAt: r.created_at,
  };
}

export function addBookmark(db: Db, b: NewBookmark): Bookmark {
  const id = Number(db.prepare('INSERT INTO bookmarks (name, run_id, step, latent, label, tags, origin, space, thumbnail, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
    .run(b.name, b.runId, b.step, latentBytes(b.latent), b.label && JSON.stringify(b.label), JSON.stringify(b.tags), b.origin, b.space, b.thumbnail, b.createdAt ?? Date.now()).lastInsertRowid);
  return getBookmarks(db, [id])[0];
}

export function listBookmarks(db: Db, runId?: string): Bookmark[] {
  const rows = (runId === undefined ? db.prepare('SELECT * FROM bookmarks ORDER BY id').all() : db.prepare('SELECT * FROM bookmarks WHERE run_id = ? ORDER BY id').all(runId)) as Row[];
  return rows.map(toBookmark);
}

export function getBookmarks(db: Db, ids: number[]): Bookmark[] {
  const wanted = new Set(ids);
  return listBookmarks(db).filter((b) => wanted.has(b.id));
}

export function deleteBookmarks(db: Db, ids: number[]): number {
  const remove = db.prepare('DELETE FROM bookmarks WHERE id = ?');
  return db.transaction(() => ids.reduce((n, id) => n + remove.run(id).changes, 0))();
}

/** The file's content: everything a bookmark means except its picture, which its run can draw again. */
export function exportBookmarks(bookmarks: Bookmark[]): BookmarkFile {
  return {
    format: BOOKMARK_FILE_FORMAT,
    version: 1,
    bookmarks: bookmarks.map(({ name, runId, step, latent, label, tags, origin, space, createdAt }) => ({ name, runId, step, latent, label, tags, origin, space, createdAt })),
  };
}

/** A run's z-space bookmarks as plain values (what an exported model, which takes z, can use). */
export function zSpaceBookmarks(db: Db, runId: string): { name: string; latent: number[]; label: number[] | null }[] {
  return listBookmarks(db, runId).filter((b) => b.space === 'z').map((b) => ({ name: b.name, latent: b.latent, label: b.label }));
}
