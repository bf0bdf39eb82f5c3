/**
 * The contract's dataset channels over the workspace's catalogue: list, import (a cancellable job reporting
 * job:progress), a page of items for the grid, bulk include / exclude / label / tag, and import problems.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatasetItem, EventListener, ParsedRequestOf, Responses } from '../../shared/contract';
import { openCatalogue, type Db } from '../catalogue/db';
import { duplicateGroups, type DuplicateGroups } from '../catalogue/duplicates';
import { cropDatasetFor, recordCrops } from '../catalogue/crops';
import { labelByFolder, tagByPath, writeEmbedded } from '../catalogue/embedded';
import { importFolder } from '../catalogue/importer';
import { datasetSummaries, importProblems, includedItems, itemFile, itemPage, itemsById, updateItems } from '../catalogue/items';
import { endJob, jobProgress, startJob } from '../catalogue/jobs';
import { CascadeError, resolveCascade, type ResolvedCascade } from '../engine/faces/cascades';
import { readManifest, runCropJob } from './cropJob';
import { notFound, ServiceError } from './errors';
import type { JobHandle, JobRegistry } from './jobs';

export class DatasetService {
  private db?: Db;
  /** This service's running jobs, to stop when the catalogue closes. */
  private readonly running = new Set<AbortController>();
  /** Duplicate groups by dataset: a whole-dataset pass, kept until a job changes that dataset's items. */
  private readonly duplicateCache = new Map<number, DuplicateGroups>();

  constructor(private readonly workspace: string, private readonly jobs: JobRegistry, private readonly emit: EventListener) {}

  close(): void {
    for (const job of this.running) job.abort();
    this.db?.close();
  }

  private catalogue(): Db {
    this.db ??= openCatalogue(join(this.workspace, 'catalogue.sqlite'));
    return this.db;
  }

  list(): Responses['datasets:list'] {
    return { datasets: datasetSummaries(this.catalogue()) };
  }

  async addEmbedded(r: ParsedRequestOf<'datasets:embedded'>): Promise<Responses['datasets:embedded']> {
    const dir = join(this.workspace, 'embedded', r.limit > 0 ? `${r.set}-${r.limit}` : r.set);
    const { tags } = await writeEmbedded(r.set, dir, r.limit);
    return this.startImport({ name: r.limit > 0 ? `${r.set} (${r.limit})` : r.set, dir, pattern: '**/*.png' }, (db, datasetId) => {
      labelByFolder(db, datasetId);
      if (tags) tagByPath(db, datasetId, tags);
    });
  }

  /** `afterImport` runs on the catalogue before the job is reported finished (an embedded set's labels). */
  async startImport(r: ParsedRequestOf<'datasets:import'>, afterImport?: (db: Db, datasetId: number) => void): Promise<Responses['datasets:import']> {
    const controller = new AbortController();
    let ids: { jobId: number; datasetId: number } | undefined;
    let job: JobHandle | undefined;
    let last = { done: 0, total: 0, problems: 0 };
    const progress = (status: 'running' | 'done' | 'cancelled' | 'failed', message?: string): void => {
      this.duplicateCache.delete(ids!.datasetId);
      if (status === 'running') job!.progress(last.done, last.total);
      else job!.end(status, message);
      this.emit('job:progress', { jobId: ids!.jobId, kind: 'import', datasetId: ids!.datasetId, ...last, status, message });
    };
    const finished = importFolder({
      db: this.catalogue(),
      name: r.name,
      dir: r.dir,
      pattern: r.pattern,
      thumbnails: join(this.workspace, 'thumbnails'),
      signal: controller.signal,
      onJob: (_catalogueJob, datasetId) => {
        job = this.jobs.start('import', `import of '${r.name}'`, () => controller.abort());
        ids = { jobId: job.jobId, datasetId };
        this.running.add(controller);
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
    const started = ids;
    finished
      .then((s) => {
        afterImport?.(this.catalogue(), started.datasetId);
        progress(s.cancelled ? 'cancelled' : 'done');
      }, (err: Error) => progress('failed', err.message))
      .finally(() => this.running.delete(controller));
    return started;
  }

  items(r: ParsedRequestOf<'datasets:items'>): Responses['datasets:items'] {
    const groups = r.duplicates ? this.duplicatesOf(r.datasetId) : undefined;
    return itemPage(this.catalogue(), r, groups && [...new Set([...groups.exact, ...groups.near].flat())]);
  }

  update(r: ParsedRequestOf<'datasets:update'>): Responses['datasets:update'] {
    return { updated: updateItems(this.catalogue(), r) };
  }

  private duplicatesOf(datasetId: number): DuplicateGroups {
    let groups = this.duplicateCache.get(datasetId);
    if (!groups) this.duplicateCache.set(datasetId, (groups = duplicateGroups(this.catalogue(), datasetId)));
    return groups;
  }

  duplicates(r: ParsedRequestOf<'datasets:duplicates'>): Responses['datasets:duplicates'] {
    const groups = this.duplicatesOf(r.datasetId);
    const items = (ids: number[]): DatasetItem[] => itemsById(this.catalogue(), ids);
    return { exact: groups.exact.slice(0, r.limit).map(items), near: groups.near.slice(0, r.limit).map(items) };
  }

  problems(r: ParsedRequestOf<'datasets:problems'>): Responses['datasets:problems'] {
    return { problems: importProblems(this.catalogue(), r.datasetId) };
  }

  /** The original file of a catalogue item, for the viewer. */
  itemFile(id: number): string | undefined {
    return itemFile(this.catalogue(), id);
  }

  /** The included pictures of a dataset: where they are and their ids. */
  private included(datasetId: number): { source: string; items: { id: number; path: string; hash: string }[] } {
    const found = includedItems(this.catalogue(), datasetId);
    if (!found) throw notFound(`no dataset ${datasetId}`);
    if (found.items.length === 0) throw new ServiceError('invalid-request', 'the dataset has no included pictures to crop');
    return found;
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
    const catalogueJob = startJob(db, 'crop', cropDatasetId, items.length);
    const controller = new AbortController();
    const job = this.jobs.start('crop', `face crop into '${r.name}'`, () => controller.abort(), items.length);
    const jobId = job.jobId;
    this.running.add(controller);
    let last = { done: 0, total: items.length, problems: 0 };
    const progress = (status: 'running' | 'done' | 'cancelled' | 'failed', message?: string): void => {
      this.duplicateCache.delete(cropDatasetId);
      if (status === 'running') job.progress(last.done, last.total);
      else job.end(status, message);
      this.emit('job:progress', { jobId, kind: 'crop', datasetId: cropDatasetId, ...last, status, message });
    };
    // Crops are fingerprinted and recorded one picture after another, in the order they finish.
    let recorded = Promise.resolve();
    const where = { cropDatasetId, sourceDatasetId: r.datasetId, outDir, thumbnails: join(this.workspace, 'thumbnails') };
    runCropJob({
      input: source, out: outDir, cascade, params: r.params, files: items.map((i) => i.path), signal: controller.signal,
      onProgress: (p) => {
        last = { done: p.done, total: p.total, problems: p.failed };
        jobProgress(db, catalogueJob, p.done, p.total);
        progress('running');
      },
      onRecord: (rec) => void (recorded = recorded.then(() => recordCrops(db, where, rec))),
    })
      .then(async (summary) => {
        await recorded;
        const status = summary.cancelled ? 'cancelled' : 'done';
        endJob(db, catalogueJob, status);
        progress(status);
      })
      .catch((err: Error) => {
        endJob(db, catalogueJob, 'failed', err.message);
        progress('failed', err.message);
      })
      .finally(() => this.running.delete(controller));
    return { jobId, datasetId: cropDatasetId };
  }

}
