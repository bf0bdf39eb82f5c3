/**
 * The embedded sets (MNIST, Fashion-MNIST, emoji, cartoon faces) as catalogue datasets. The catalogue catalogues
 * files, so a set's pictures are first written as PNGs, one folder per class, under the workspace; after the import
 * each item is labelled by its folder (and tagged, for the faces). Files already written are kept, so adding a set
 * again is quick.
 */
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Dataset } from '../engine/data/dataset';
import { DEFAULT_FACES } from '../../shared/cartoonFaces';
import { loadCartoonFaces } from '../engine/data/cartoonFaces';
import { loadEmoji } from '../engine/data/emoji';
import { loadFashionMnist } from '../engine/data/fashionMnist';
import { loadMnist } from '../engine/data/mnist';
import type { Db } from './db';

export const EMBEDDED_SETS = ['mnist', 'fashion-mnist', 'emoji', 'cartoon-faces'] as const;
export type EmbeddedSet = (typeof EMBEDDED_SETS)[number];

async function load(set: EmbeddedSet, limit: number): Promise<Dataset & { tags?: string[][] }> {
  if (set === 'mnist') return loadMnist('train');
  if (set === 'fashion-mnist') return loadFashionMnist();
  if (set === 'cartoon-faces') return loadCartoonFaces(limit || DEFAULT_FACES);
  return loadEmoji({ size: 64, channels: 3, background: '#ffffff' });
}

/**
 * Writes the first `limit` pictures (0: all; the faces: 5,000) of a set into `dir/<class>/<index>.png`; what it
 * wrote, with each file's tags (by its path under `dir`) where the set has any.
 */
export async function writeEmbedded(set: EmbeddedSet, dir: string, limit = 0): Promise<{ count: number; tags?: Map<string, string[]> }> {
  const d = await load(set, limit);
  const count = limit > 0 ? Math.min(limit, d.count) : d.count;
  const [h, w, c] = d.shape;
  const size = h * w * c;
  const folder = (i: number): string => (d.labels && d.classNames ? d.classNames[d.labels[i]] : 'all').replace(/[/\\]/g, '-');
  for (const name of new Set(Array.from({ length: count }, (_, i) => folder(i)))) mkdirSync(join(dir, name), { recursive: true });
  const name = (i: number): string => `${folder(i)}/${String(i).padStart(5, '0')}.png`;
  for (let i = 0; i < count; i++) {
    const file = join(dir, name(i));
    if (existsSync(file)) continue;
    const bytes = Buffer.alloc(size);
    for (let k = 0; k < size; k++) bytes[k] = Math.round((d.images[i * size + k] + 1) * 127.5);
    await sharp(bytes, { raw: { width: w, height: h, channels: c as 1 | 3 } }).png().toFile(`${file}.tmp`);
    renameSync(`${file}.tmp`, file);
  }
  const tags = d.tags && new Map(Array.from({ length: count }, (_, i) => [name(i), d.tags![i]]));
  return { count, tags };
}

/** Adds each item's tags, found by its path (a picture the map does not name keeps its own). */
export function tagByPath(db: Db, datasetId: number, tags: Map<string, string[]>): void {
  const items = db.prepare('SELECT id, path FROM items WHERE dataset_id = ?').all(datasetId) as { id: number; path: string }[];
  const set = db.prepare('UPDATE items SET tags = ? WHERE id = ?');
  db.transaction(() => {
    for (const item of items) {
      const t = tags.get(item.path);
      if (t) set.run(JSON.stringify(t), item.id);
    }
  })();
}

/** Each item's label: the class folder it sits in. */
export function labelByFolder(db: Db, datasetId: number): void {
  db.prepare(`UPDATE items SET label = substr(path, 1, instr(path, '/') - 1) WHERE dataset_id = ? AND label IS NULL AND instr(path, '/') > 0`).run(datasetId);
}
