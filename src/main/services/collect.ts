/**
 * datasets:collect: pictures from web pages into the workspace's collected/<name> folder, as a job (progress per
 * page, cancel). The job ends with a line that counts what came and names the first few things that did not; the
 * folder's collect.jsonl has every link. Running the same name again resumes the collection.
 */
import { join } from 'node:path';
import type { ParsedRequestOf, Responses } from '../../shared/contract';
import { collectPictures, expandPages, type CollectSummary } from '../collect/collector';
import { ServiceError } from './errors';
import type { JobRegistry } from './jobs';

export function startCollect(workspace: string, jobs: JobRegistry, r: ParsedRequestOf<'datasets:collect'>): Responses['datasets:collect'] {
  let pages: string[];
  try {
    pages = r.urls ?? expandPages(r.pagePattern!, r.pages!);
  } catch (err) {
    throw new ServiceError('invalid-request', (err as Error).message.replace('--page-pattern', 'pagePattern').replace('--pages', 'pages'));
  }
  const dir = join(workspace, 'collected', r.name);
  const stop = new AbortController();
  const job = jobs.start('collect', `collecting '${r.name}' from ${pages.length} page${pages.length === 1 ? '' : 's'}`, () => stop.abort(), pages.length);
  collectPictures({
    pages, select: r.select, attr: r.attr, out: dir, delayMs: r.delaySeconds * 1000, maxPictureBytes: r.maxPictureMB * 1e6,
    allowPrivate: r.allowPrivate, signal: stop.signal,
    onProgress: (p) => job.progress(p.pagesDone, p.pages),
  }).then(
    (summary) => job.end(summary.cancelled ? 'cancelled' : 'done', collectedLine(summary)),
    (err: Error) => job.end('failed', err.message),
  );
  return { jobId: job.jobId, dir };
}

/** "12 pictures (3.1 MB), 2 duplicates, 1 skipped, 0 failed — skipped https://…: robots.txt does not allow it" */
export function collectedLine(s: CollectSummary): string {
  const counts = `${s.downloaded} picture${s.downloaded === 1 ? '' : 's'} (${(s.bytes / 1e6).toFixed(1)} MB) from ${s.pagesRead} page${s.pagesRead === 1 ? '' : 's'}`
    + `${s.alreadyHad ? `, ${s.alreadyHad} had before` : ''}, ${s.duplicates} duplicate${s.duplicates === 1 ? '' : 's'}, ${s.skipped.length} skipped, ${s.failed.length} failed`;
  const examples = [...s.failed.map((f) => `failed ${f.reason}`), ...s.skipped.map((f) => `skipped ${f.reason}`)].slice(0, 3);
  return examples.length ? `${counts} — ${examples.join('; ')}` : counts;
}
