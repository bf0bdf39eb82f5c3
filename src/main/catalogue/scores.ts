/**
 * Curation's records: a dataset's items scored by a run, kept per (item, run) so that several runs' opinions
 * coexist, and the items' places on the dataset's 2-D map, per feature space.
 */
import { join } from 'node:path';
import type { Db } from './db';

export interface ItemScoreRow { itemId: number; realness: number; inversionError: number; nearestSample: number }

/** Replaces the run's scores of these items. */
export function saveItemScores(db: Db, runId: string, rows: ItemScoreRow[]): void {
  const put = db.prepare('INSERT OR REPLACE INTO item_scores (item_id, run_id, realness, inversion_error, nearest_sample) VALUES (?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (const r of rows) put.run(r.itemId, runId, r.realness, r.inversionError, r.nearestSample);
  })();
}

/** Every item of a dataset (by name or id), included or not, with its file: what a run scores and a map places. */
export function datasetItemFiles(db: Db, dataset: string | number): { datasetId: number; items: { id: number; file: string }[] } | undefined {
  const row = db.prepare(`SELECT id, source FROM datasets WHERE ${typeof dataset === 'string' ? 'name' : 'id'} = ?`).get(dataset) as { id: number; source: string } | undefined;
  if (!row) return undefined;
  const items = db.prepare('SELECT id, path FROM items WHERE dataset_id = ? ORDER BY path').all(row.id) as { id: number; path: string }[];
  return { datasetId: row.id, items: items.map((i) => ({ id: i.id, file: join(row.source, i.path) })) };
}

export interface MapPoint { id: number; x: number; y: number; included: boolean; label: string | null }

export function saveItemPositions(db: Db, space: string, rows: { itemId: number; x: number; y: number }[]): void {
  const put = db.prepare('INSERT OR REPLACE INTO item_positions (item_id, space, x, y) VALUES (?, ?, ?, ?)');
  db.transaction(() => {
    for (const r of rows) put.run(r.itemId, space, r.x, r.y);
  })();
}

/** The dataset's mapped items in a space, with what the map colours them by. */
export function mapPoints(db: Db, datasetId: number, space: string): MapPoint[] {
  const rows = db.prepare('SELECT i.id, p.x, p.y, i.included, i.label FROM item_positions p JOIN items i ON i.id = p.item_id WHERE i.dataset_id = ? AND p.space = ? ORDER BY i.path').all(datasetId, space) as (Omit<MapPoint, 'included'> & { included: number })[];
  return rows.map((r) => ({ ...r, included: r.included === 1 }));
}
