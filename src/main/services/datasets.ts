/**
 * The contract's dataset channels over the workspace's catalogue: list, import (a cancellable job reporting
 * job:progress), a page of items for the grid, bulk include / exclude / label / tag, and import problems.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatasetItem, DatasetSummary, ParsedRequestOf, Responses } from '../../shared/contract';
import { openCatalogue, type Db } from '../catalogue/db';
import { duplicateGroups, type DuplicateGroups } from '../catalogue/duplicates';
import { cropDatasetFor, recordCrops } from '../catalogue/crops';
import { labelByFolder, writeEmbedded } from '../catalogue/embedded';
import { importFolder } from '../catalogue/importer';
import { CascadeError, resolveCascade, type ResolvedCascade } from '../engine/faces/cascades';
import { readManifest, runCropJob } from './cropJob';
import { ServiceError, type EventListener } from './training';

/** Upper bounds of the size histogram's buckets (the shorter side, in px). */
const SIZE_BUCKETS = [32, 64, 96, 128, 256, 512, 1024, Number.MAX_SAFE_INTEGER];

interface ItemRow { id: number; path: string; hash: string; width: number; height: number; included: number; label: string | null; tags: string; source_item_id: number | null; box: string | null; sw: number | null; sh: number | null }

export class DatasetService {
  private db?: Db;
  private readonly jobs = new Map<number, AbortController>();
  /** Duplicate groups by dataset: a whole-dataset pass, kept until a job changes that dataset's items. */
  private readonly duplicateCache = new Map<number, DuplicateGroups>();

  constructor(private readonly workspace: string, private readonly emit: EventListener) {}

  get busy(): boolean {
    return this.jobs.size > 0;
  }

  close(): void {
    for (const job of this.jobs.values()) job.abort();
    this.db?.close();
  }

  private catalogue(): Db {
    this.db ??= openCatalogue(join(this.workspace, 'catalogue.sqlite'));
    return this.db;
  }

  list(): Responses['datasets:list'] {
    const db = this.catalogue();
    const rows = db.prepare('SELECT id, name, kind, source FROM datasets ORDER BY created_at DESC').all() as Pick<DatasetSummary, 'id' | 'name' | 'kind' | 'source'>[];
    return {
      datasets: rows.map((d) => {
        const counts = db.prepare('SELECT count(*) items, coalesce(sum(included), 0) included FROM items WHERE dataset_id = ?').get(d.id) as { items: number; included: number };
        const problems = (db.prepare('SELECT count(*) n FROM import_problems WHERE dataset_id = ?').get(d.id) as { n: number }).n;
        const labels = (db.prepare('SELECT DISTINCT label FROM items WHERE dataset_id = ? AND label IS NOT NULL ORDER BY label').all(d.id) as { label: string }[]).map((r) => r.label);
        const sides = db.prepare('SELECT min(width, height) side, count(*) n FROM items WHERE dataset_id = ? GROUP BY side').all(d.id) as { side: number; n: number }[];
        const sizes = SIZE_BUCKETS.map((upper, i): [number, number] => [upper, sides.filter((s) => s.side <= upper && s.side > (SIZE_BUCKETS[i - 1] ?? 0)).reduce((n, s) => n + s.n, 0)]);
        return { ...d, ...counts, problems, labels, sizes };
      }),
    };
  }

  async addEmbedded(r: ParsedRequestOf<'datasets:embedded'>): Promise<Responses['datasets:embedded']> {
    const dir = join(this.workspace, 'embedded', r.limit > 0 ? `${r.set}-${r.limit}` : r.set);
    await writeEmbedded(r.set, dir, r.limit);
    return this.startImport({ name: r.limit > 0 ? `${r.set} (${r.limit})` : r.set, dir, pattern: '**/*.png' }, labelByFolder);
  }

  /** `afterImport` runs on the catalogue before the job is reported finished (an embedded set's labels). */
  async startImport(r: ParsedRequestOf<'datasets:import'>, afterImport?: (db: Db, datasetId: number) => void): Promise<Responses['datasets:import']> {
    const controller = new AbortController();
    let ids: { jobId: number; datasetId: number } | undefined;
    let last = { done: 0, total: 0, problems: 0 };
    const progress = (status: 'running' | 'done' | 'cancelled' | 'failed', message?: string): void => {
      this.duplicateCache.delete(ids!.datasetId);
      this.emit('job:progress', { jobId: ids!.jobId, kind: 'import', datasetId: ids!.datasetId, ...last, status, message });
    };
    const finished = importFolder({
      db: this.catalogue(),
      name: r.name,
      dir: r.dir,
      pattern: r.pattern,
      thumbnails: join(this.workspace, 'thumbnails'),
      signal: controller.signal,
      onJob: (jobId, datasetId) => {
        ids = { jobId, datasetId };
        this.jobs.set(jobId, controller);
      },
      onProgress: (p) => {
        last = p;
        progress('running');
      },
    });
    if (!ids) {
      // Refused before its job existed (not a folder, a name already taken): the request fails with the reason.
      const reason = await finished.then(() => 'the import ended before it started', (err: Error) => err.message);
      throw new ServiceError('invalid-request', reason);
    }
    const job = ids;
    finished
      .then((s) => {
        afterImport?.(this.catalogue(), job.datasetId);
        progress(s.cancelled ? 'cancelled' : 'done');
      }, (err: Error) => progress('failed', err.message))
      .finally(() => this.jobs.delete(job.jobId));
    return job;
  }

  items(r: ParsedRequestOf<'datasets:items'>): Responses['datasets:items'] {
    const db = this.catalogue();
    const where = ['dataset_id = @datasetId', 'min(width, height) >= @minSide'];
    if (r.status !== 'all') where.push(`included = ${r.status === 'included' ? 1 : 0}`);
    if (r.label !== undefined) where.push(r.label === '' ? 'label IS NULL' : 'label = @label');
    if (r.duplicates) {
      const groups = this.duplicatesOf(r.datasetId);
      const ids = [...new Set([...groups.exact, ...groups.near].flat())];
      where.push(`id IN (${ids.length ? ids.join(',') : 'NULL'})`);
    }
    const clause = where.join(' AND ');
    const params = { datasetId: r.datasetId, minSide: r.minSide, label: r.label };
    const total = (db.prepare(`SELECT count(*) n FROM items WHERE ${clause}`).get(params) as { n: number }).n;
    const rows = db.prepare(`SELECT i.id, i.path, i.hash, i.width, i.height, i.included, i.label, i.tags, i.source_item_id, i.box, s.width sw, s.height sh
      FROM (SELECT * FROM items WHERE ${clause} ORDER BY path LIMIT @limit OFFSET @offset) i LEFT JOIN items s ON s.id = i.source_item_id ORDER BY i.path`).all({ ...params, limit: r.limit, offset: r.offset }) as ItemRow[];
    const items: DatasetItem[] = rows.map(({ source_item_id: sourceId, box, sw, sh, ...row }) => ({
      ...row,
      included: row.included === 1,
      tags: JSON.parse(row.tags) as string[],
      ...(sourceId !== null && box && sw !== null && sh !== null && { source: { itemId: sourceId, width: sw, height: sh, box: JSON.parse(box) as NonNullable<DatasetItem['source']>['box'] } }),
    }));
    return { total, items };
  }

  update(r: ParsedRequestOf<'datasets:update'>): Responses['datasets:update'] {
    const db = this.catalogue();
    const select = db.prepare('SELECT id, tags FROM items WHERE dataset_id = ? AND id = ?');
    const setIncluded = db.prepare('UPDATE items SET included = ? WHERE id = ?');
    const setLabel = db.prepare('UPDATE items SET label = ? WHERE id = ?');
    const setTags = db.prepare('UPDATE items SET tags = ? WHERE id = ?');
    let updated = 0;
    db.transaction(() => {
      for (const id of r.ids) {
        const row = select.get(r.datasetId, id) as { id: number; tags: string } | undefined;
        if (!row) continue; // an id of another dataset is not touched
        if (r.included !== undefined) setIncluded.run(r.included ? 1 : 0, id);
        if (r.label !== undefined) setLabel.run(r.label, id);
        if (r.addTags) setTags.run(JSON.stringify([...new Set([...(JSON.parse(row.tags) as string[]), ...r.addTags])]), id);
        updated++;
      }
    })();
    return { updated };
  }

  private duplicatesOf(datasetId: number): DuplicateGroups {
    let groups = this.duplicateCache.get(datasetId);
    if (!groups) this.duplicateCache.set(datasetId, (groups = duplicateGroups(this.catalogue(), datasetId)));
    return groups;
  }

  duplicates(r: ParsedRequestOf<'datasets:duplicates'>): Responses['datasets:duplicates'] {
    const db = this.catalogue();
    const groups = this.duplicatesOf(r.datasetId);
    const row = db.prepare('SELECT id, path, hash, width, height, included, label, tags FROM items WHERE id = ?');
    const items = (ids: number[]): DatasetItem[] => ids.map((id) => {
      const it = row.get(id) as Omit<ItemRow, 'source_item_id' | 'box' | 'sw' | 'sh'>;
      return { ...it, included: it.included === 1, tags: JSON.parse(it.tags) as string[] };
    });
    return { exact: groups.exact.slice(0, r.limit).map(items), near: groups.near.slice(0, r.limit).map(items) };
  }

  problems(r: ParsedRequestOf<'datasets:problems'>): Responses['datasets:problems'] {
    return { problems: this.catalogue().prepare('SELECT path, reason FROM import_problems WHERE dataset_id = ? ORDER BY path').all(r.datasetId) as { path: string; reason: string }[] };
  }

  /** The original file of a catalogue item, for the viewer. */
  itemFile(id: number): string | undefined {
    const row = this.catalogue().prepare('SELECT d.source, i.path FROM items i JOIN datasets d ON d.id = i.dataset_id WHERE i.id = ?').get(id) as { source: string; path: string } | undefined;
    return row && join(row.source, row.path);
  }

  /** The included pictures of a dataset: where they are and their ids. */
  private included(datasetId: number): { source: string; items: { id: number; path: string; hash: string }[] } {
    const db = this.catalogue();
    const dataset = db.prepare('SELECT source FROM datasets WHERE id = ?').get(datasetId) as { source: string } | undefined;
    if (!dataset) throw new ServiceError('not-found', `no dataset ${datasetId}`);
    const items = db.prepare('SELECT id, path, hash FROM items WHERE dataset_id = ? AND included = 1 ORDER BY path').all(datasetId) as { id: number; path: string; hash: string }[];
    if (items.length === 0) throw new ServiceError('invalid-request', 'the dataset has no included pictures to crop');
    return { source: dataset.source, items };
  }

  private async cascade(spec: string): Promise<ResolvedCascade> {
    try {
      return await resolveCascade(spec, { cacheDir: join(this.workspace, 'cascades') });
    } catch (err) {
      if (err instanceof CascadeError) throw new ServiceError('invalid-request', err.message);
      throw err;
    }
  }

  async preview(r: ParsedRequestOf<'faces:preview'>): Promise<Responses['faces:preview']> {
    // Spread over the whole dataset, not its first few pictures (often alike: one folder, one scene).
    const all = this.included(r.datasetId);
    const items = Array.from({ length: Math.min(r.count, all.items.length) }, (_, i) => all.items[Math.floor((i * all.items.length) / Math.min(r.count, all.items.length))]);
    const source = all.source;
    const out = mkdtempSync(join(tmpdir(), 'gan-preview-'));
    try {
      await runCropJob({ input: source, out, cascade: await this.cascade(r.cascade), params: r.params, files: items.map((i) => i.path), workers: 1 });
      const records = new Map(readManifest(join(out, 'crops.jsonl')).map((rec) => [rec.source, rec]));
      return {
        pictures: items.map((item) => {
          const rec = records.get(item.path);
          if (!rec || !('crops' in rec)) return { itemId: item.id, hash: item.hash, width: 0, height: 0, boxes: [], error: rec && 'error' in rec ? rec.error : 'not cropped' };
          return { itemId: item.id, hash: item.hash, width: rec.width, height: rec.height, boxes: rec.crops.map((c) => c.box) };
        }),
      };
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }

  async startCrop(r: ParsedRequestOf<'faces:crop'>): Promise<Responses['faces:crop']> {
    const db = this.catalogue();
    const { source, items } = this.included(r.datasetId);
    const cascade = await this.cascade(r.cascade);
    const outDir = join(this.workspace, 'crops', r.name);
    let cropDatasetId: number;
    try {
      cropDatasetId = cropDatasetFor(db, r.name, outDir);
    } catch (err) {
      throw new ServiceError('conflict', (err as Error).message);
    }
    const now = Date.now();
    const jobId = Number(db.prepare(`INSERT INTO jobs (kind, dataset_id, status, total, started_at, updated_at) VALUES ('crop', ?, 'running', ?, ?, ?)`).run(cropDatasetId, items.length, now, now).lastInsertRowid);
    const controller = new AbortController();
    this.jobs.set(jobId, controller);
    let last = { done: 0, total: items.length, problems: 0 };
    const progress = (status: 'running' | 'done' | 'cancelled' | 'failed', message?: string): void => {
      this.duplicateCache.delete(cropDatasetId);
      this.emit('job:progress', { jobId, kind: 'crop', datasetId: cropDatasetId, ...last, status, message });
    };
    // Crops are fingerprinted and recorded one picture after another, in the order they finish.
    let recorded = Promise.resolve();
    const where = { cropDatasetId, sourceDatasetId: r.datasetId, outDir, thumbnails: join(this.workspace, 'thumbnails') };
    runCropJob({
      input: source, out: outDir, cascade, params: r.params, files: items.map((i) => i.path), signal: controller.signal,
      onProgress: (p) => {
        last = { done: p.done, total: p.total, problems: p.failed };
        db.prepare('UPDATE jobs SET done = ?, total = ?, updated_at = ? WHERE id = ?').run(p.done, p.total, Date.now(), jobId);
        progress('running');
      },
      onRecord: (rec) => void (recorded = recorded.then(() => recordCrops(db, where, rec))),
    })
      .then(async (summary) => {
        await recorded;
        const status = summary.cancelled ? 'cancelled' : 'done';
        db.prepare('UPDATE jobs SET status = ?, updated_at = ? WHERE id = ?').run(status, Date.now(), jobId);
        progress(status);
      })
      .catch((err: Error) => {
        db.prepare(`UPDATE jobs SET status = 'failed', message = ?, updated_at = ? WHERE id = ?`).run(err.message, Date.now(), jobId);
        progress('failed', err.message);
      })
      .finally(() => this.jobs.delete(jobId));
    return { jobId, datasetId: cropDatasetId };
  }

  cancel(jobId: number): Responses['jobs:cancel'] {
    const job = this.jobs.get(jobId);
    if (!job) throw new ServiceError('not-found', `no job ${jobId} is running`);
    job.abort();
    return { jobId };
  }
}
