/** The catalogue's queries behind the Datasets view: summaries, a page of items, bulk edits, problems, files. */
import { join } from 'node:path';
import type { DatasetItem, DatasetSummary, ParsedRequestOf } from '../../shared/contract';
import type { Db } from './db';

/** Upper bounds of the size histogram's buckets (the shorter side, in px). */
const SIZE_BUCKETS = [32, 64, 96, 128, 256, 512, 1024, Number.MAX_SAFE_INTEGER];

type ItemColumns = { id: number; path: string; hash: string; width: number; height: number; included: number; label: string | null; tags: string };
type ItemRow = ItemColumns & { source_item_id: number | null; box: string | null; sw: number | null; sh: number | null; realness?: number | null; inversion_error?: number | null; nearest_sample?: number | null };

/** The scores' columns, by the names requests use. */
const SCORE_COLUMNS = { realness: 'realness', inversionError: 'inversion_error', nearestSample: 'nearest_sample' } as const;

const asItem = (row: ItemColumns): DatasetItem => ({ ...row, included: row.included === 1, tags: JSON.parse(row.tags) as string[] });

export function datasetSummaries(db: Db): DatasetSummary[] {
  const rows = db.prepare('SELECT id, name, kind, source FROM datasets ORDER BY created_at DESC').all() as Pick<DatasetSummary, 'id' | 'name' | 'kind' | 'source'>[];
  return rows.map((d) => {
    const counts = db.prepare('SELECT count(*) items, coalesce(sum(included), 0) included FROM items WHERE dataset_id = ?').get(d.id) as { items: number; included: number };
    const problems = (db.prepare('SELECT count(*) n FROM import_problems WHERE dataset_id = ?').get(d.id) as { n: number }).n;
    const labels = (db.prepare('SELECT DISTINCT label FROM items WHERE dataset_id = ? AND label IS NOT NULL ORDER BY label').all(d.id) as { label: string }[]).map((r) => r.label);
    const sides = db.prepare('SELECT min(width, height) side, count(*) n FROM items WHERE dataset_id = ? GROUP BY side').all(d.id) as { side: number; n: number }[];
    const sizes = SIZE_BUCKETS.map((upper, i): [number, number] => [upper, sides.filter((s) => s.side <= upper && s.side > (SIZE_BUCKETS[i - 1] ?? 0)).reduce((n, s) => n + s.n, 0)]);
    const scoredBy = (db.prepare('SELECT DISTINCT run_id FROM item_scores JOIN items ON items.id = item_scores.item_id WHERE items.dataset_id = ? ORDER BY run_id').all(d.id) as { run_id: string }[]).map((r) => r.run_id);
    return { ...d, ...counts, problems, labels, sizes, scoredBy };
  });
}

/** One page of a dataset's items, filtered; `onlyIds` narrows it to those items (the duplicates filter). */
export function itemPage(db: Db, r: ParsedRequestOf<'datasets:items'>, onlyIds?: number[]): { total: number; items: DatasetItem[] } {
  const where = ['items.dataset_id = @datasetId', 'min(items.width, items.height) >= @minSide'];
  if (r.status !== 'all') where.push(`items.included = ${r.status === 'included' ? 1 : 0}`);
  if (r.label !== undefined) where.push(r.label === '' ? 'items.label IS NULL' : 'items.label = @label');
  if (onlyIds) where.push(`items.id IN (${onlyIds.length ? onlyIds.map(Number).join(',') : 'NULL'})`);
  const column = r.scores && `sc.${SCORE_COLUMNS[r.scores.sortBy]}`;
  if (r.scores?.upTo !== undefined) where.push(`${column} ${r.scores.order === 'asc' ? '<=' : '>='} @upTo`);
  const clause = where.join(' AND ');
  const params = { datasetId: r.datasetId, minSide: r.minSide, label: r.label, runId: r.scores?.runId, upTo: r.scores?.upTo };
  const scored = r.scores ? `LEFT JOIN item_scores sc ON sc.item_id = items.id AND sc.run_id = @runId` : '';
  const total = (db.prepare(`SELECT count(*) n FROM items ${scored} WHERE ${clause}`).get(params) as { n: number }).n;
  // Sorted by a run's score: items it could not score (unreadable at training size) come last, then by path.
  const order = r.scores ? `${column} IS NULL, ${column} ${r.scores.order === 'asc' ? 'ASC' : 'DESC'}, items.path` : 'items.path';
  const rows = db.prepare(`SELECT i.*, s.width sw, s.height sh FROM (
      SELECT items.id, items.path, items.hash, items.width, items.height, items.included, items.label, items.tags, items.source_item_id, items.box,
        ${scored ? 'sc.realness, sc.inversion_error, sc.nearest_sample' : 'NULL realness, NULL inversion_error, NULL nearest_sample'}, row_number() OVER (ORDER BY ${order}) position
      FROM items ${scored} WHERE ${clause} ORDER BY ${order} LIMIT @limit OFFSET @offset
    ) i LEFT JOIN items s ON s.id = i.source_item_id ORDER BY i.position`).all({ ...params, limit: r.limit, offset: r.offset }) as ItemRow[];
  const items = rows.map(({ source_item_id: sourceId, box, sw, sh, realness, inversion_error: inversionError, nearest_sample: nearestSample, ...row }) => ({
    ...asItem(row),
    ...(sourceId !== null && box && sw !== null && sh !== null && { source: { itemId: sourceId, width: sw, height: sh, box: JSON.parse(box) as NonNullable<DatasetItem['source']>['box'] } }),
    ...(realness != null && inversionError != null && nearestSample != null && { scores: { realness, inversionError, nearestSample } }),
  }));
  return { total, items };
}

/** Includes, excludes, labels or tags items of one dataset (ids of another are left alone); how many it changed. */
export function updateItems(db: Db, r: ParsedRequestOf<'datasets:update'>): number {
  const select = db.prepare('SELECT id, tags FROM items WHERE dataset_id = ? AND id = ?');
  const setIncluded = db.prepare('UPDATE items SET included = ? WHERE id = ?');
  const setLabel = db.prepare('UPDATE items SET label = ? WHERE id = ?');
  const setTags = db.prepare('UPDATE items SET tags = ? WHERE id = ?');
  let updated = 0;
  db.transaction(() => {
    for (const id of r.ids) {
      const row = select.get(r.datasetId, id) as { id: number; tags: string } | undefined;
      if (!row) continue;
      if (r.included !== undefined) setIncluded.run(r.included ? 1 : 0, id);
      if (r.label !== undefined) setLabel.run(r.label, id);
      if (r.addTags) setTags.run(JSON.stringify([...new Set([...(JSON.parse(row.tags) as string[]), ...r.addTags])]), id);
      updated++;
    }
  })();
  return updated;
}

export function itemsById(db: Db, ids: number[]): DatasetItem[] {
  const row = db.prepare('SELECT id, path, hash, width, height, included, label, tags FROM items WHERE id = ?');
  return ids.map((id) => asItem(row.get(id) as ItemColumns));
}

export function importProblems(db: Db, datasetId: number): { path: string; reason: string }[] {
  return db.prepare('SELECT path, reason FROM import_problems WHERE dataset_id = ? ORDER BY path').all(datasetId) as { path: string; reason: string }[];
}

/** The original file of an item, or undefined when there is no such item. */
export function itemFile(db: Db, id: number): string | undefined {
  const row = db.prepare('SELECT d.source, i.path FROM items i JOIN datasets d ON d.id = i.dataset_id WHERE i.id = ?').get(id) as { source: string; path: string } | undefined;
  return row && join(row.source, row.path);
}

/** A dataset's folder and its included pictures, or undefined when there is no such dataset. */
export function includedItems(db: Db, datasetId: number): { source: string; items: { id: number; path: string; hash: string }[] } | undefined {
  const dataset = db.prepare('SELECT source FROM datasets WHERE id = ?').get(datasetId) as { source: string } | undefined;
  if (!dataset) return undefined;
  const items = db.prepare('SELECT id, path, hash FROM items WHERE dataset_id = ? AND included = 1 ORDER BY path').all(datasetId) as { id: number; path: string; hash: string }[];
  return { source: dataset.source, items };
}
