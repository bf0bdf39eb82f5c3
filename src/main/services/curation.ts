/**
 * Curation that learns from a run, and the dataset map: the jobs behind datasets:score and datasets:map. They run in
 * the latent lab's worker (which holds a backend and the runs' networks) and land in the catalogue.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Config } from '../../shared/config/schema';
import type { ParsedRequestOf, Responses } from '../../shared/contract';
import { datasetItemFiles, mapPoints, saveItemPositions, saveItemScores } from '../catalogue/scores';
import { runFolder, runLayout } from '../engine/training/run';
import { snapshotStep } from '../engine/training/snapshots';
import { notFound, ServiceError } from './errors';
import type { JobRegistry } from './jobs';
import type { LatentService } from './latent';

export class CurationService {
  constructor(private readonly workspace: string, private readonly jobs: JobRegistry, private readonly latent: LatentService) {}

  /** Scores every item of the run's curated dataset by the run (a job); the scores land in the catalogue. */
  score(r: ParsedRequestOf<'datasets:score'>): Responses['datasets:score'] {
    const dir = runFolder(this.workspace, r.runId);
    const files = runLayout(dir);
    if (!existsSync(files.checkpoint)) throw notFound(`run '${r.runId}' has no checkpoint to score with`);
    const config = JSON.parse(readFileSync(files.config, 'utf8')) as Config;
    if (config.data.source !== 'catalogue' || !config.data.dataset) throw new ServiceError('invalid-request', `runId: run '${r.runId}' trained on ${config.data.source}, not on a curated dataset: curation scores a curated dataset's pictures`);
    const db = this.latent.catalogue();
    const dataset = datasetItemFiles(db, config.data.dataset);
    if (!dataset) throw notFound(`the catalogue has no dataset named '${config.data.dataset}' (run '${r.runId}' trained on it)`);
    let snapshot: number | undefined;
    try {
      snapshot = r.snapshot === undefined ? undefined : snapshotStep(dir, r.snapshot);
    } catch (err) {
      throw notFound((err as Error).message);
    }
    const lab = this.latent.worker();
    let callId = 0;
    const job = this.jobs.start('curation', `scoring '${config.data.dataset}' by '${r.runId}'`, () => lab.cancel(callId), dataset.items.length);
    const call = lab.call('curate', { dir, snapshot, files: dataset.items.map((i) => i.file), samples: r.samples, inversionSteps: r.inversionSteps }, (p) => job.progress(p.done, p.total));
    callId = call.id;
    call.reply.then(
      ({ scored, scores, cancelled }) => {
        if (cancelled) return job.end('cancelled');
        saveItemScores(db, r.runId, scored.map((index, k) => ({ itemId: dataset.items[index].id, realness: scores.realness[k], inversionError: scores.inversionError[k], nearestSample: scores.nearestSample[k] })));
        const unread = dataset.items.length - scored.length;
        job.end('done', unread > 0 ? `${unread} pictures could not be read at the run's size and have no scores` : undefined);
      },
      (err: Error) => job.end('failed', err.message),
    );
    return { jobId: job.jobId, datasetId: dataset.datasetId };
  }

  /** Places every item of a dataset on a 2-D map (a job); datasets:map-points reads it. */
  map(r: ParsedRequestOf<'datasets:map'>): Responses['datasets:map'] {
    const db = this.latent.catalogue();
    const dataset = datasetItemFiles(db, r.datasetId);
    if (!dataset) throw notFound(`datasetId: no dataset ${r.datasetId}`);
    const lab = this.latent.worker();
    let callId = 0;
    const job = this.jobs.start('map', `mapping dataset ${r.datasetId} (${r.space})`, () => lab.cancel(callId), dataset.items.length);
    const call = lab.call('map', { files: dataset.items.map((i) => i.file), space: r.space }, (p) => job.progress(p.done, p.total));
    callId = call.id;
    call.reply.then(
      ({ mapped, xy, cancelled }) => {
        if (cancelled) return job.end('cancelled');
        saveItemPositions(db, r.space, mapped.map((index, k) => ({ itemId: dataset.items[index].id, x: xy[k * 2], y: xy[k * 2 + 1] })));
        job.end('done');
      },
      (err: Error) => job.end('failed', err.message),
    );
    return { jobId: job.jobId };
  }

  points(r: ParsedRequestOf<'datasets:map-points'>): Responses['datasets:map-points'] {
    return { points: mapPoints(this.latent.catalogue(), r.datasetId, r.space) };
  }
}
