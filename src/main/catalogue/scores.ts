/** Curation's scores of a dataset's items by a run, kept per (item, run) so that several runs' opinions coexist. */
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

/** Every item of a dataset, included or not, with its file: what a run scores. */
export function datasetItemFiles(db: Db, name: string): { datasetId: number; items: { id: number; file: string }[] } | undefined {
  const dataset = db.prepare('SELECT id, source FROM datasets WHERE name = ?').get(name) as { id: number; source: string } | undefined;
  if (!dataset) return undefined;
  const items = db.prepare('SELECT id, path FROM items WHERE dataset_id = ? ORDER BY path').all(dataset.id) as { id: number; path: string }[];
  return { datasetId: dataset.id, items: items.map((i) => ({ id: i.id, file: join(dataset.source, i.path) })) };
}
