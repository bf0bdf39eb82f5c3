/** `gan-studio collect`: pictures from web pages into a folder, a progress line, and one JSON summary on stdout. */
import { resolve } from 'node:path';
import { collectPictures, expandPages, readUrlList, USER_AGENT } from '../collect/collector';
import { collectedLine } from '../services/collect';
import { cancelOnInterrupt, ProgressPrinter } from './progressLine';

export interface CollectCommandOptions {
  urls?: string;
  pagePattern?: string;
  pages?: string;
  select: string;
  attr?: string;
  out: string;
  delaySeconds?: number;
  timeoutSeconds?: number;
  retries?: number;
  maxMB?: number;
  /** 'all', or host names separated by commas. */
  allowPrivate?: string;
  progress: ProgressPrinter;
}

export async function collectCommand(o: CollectCommandOptions): Promise<void> {
  if (Boolean(o.urls) === Boolean(o.pagePattern)) throw new Error('collect needs either --urls FILE or --page-pattern URL_WITH_{n} --pages A-B');
  if (o.pagePattern && !o.pages) throw new Error('--page-pattern needs --pages A-B');
  const pages = o.urls ? readUrlList(o.urls) : expandPages(o.pagePattern!, o.pages!);
  const allowPrivate = o.allowPrivate === undefined ? false : o.allowPrivate === 'all' ? true : o.allowPrivate.split(',').map((h) => h.trim()).filter(Boolean);
  const interrupt = cancelOnInterrupt('cancelling: the request in hand is dropped, what is stored stays');
  o.progress.note(`collecting from ${pages.length} page${pages.length === 1 ? '' : 's'} as "${USER_AGENT}"`);
  const summary = await collectPictures({
    pages, select: o.select, attr: o.attr, out: resolve(o.out), allowPrivate, signal: interrupt.signal,
    ...(o.delaySeconds !== undefined && { delayMs: o.delaySeconds * 1000 }),
    ...(o.timeoutSeconds !== undefined && { timeoutMs: o.timeoutSeconds * 1000 }),
    ...(o.retries !== undefined && { retries: o.retries }),
    ...(o.maxMB !== undefined && { maxPictureBytes: o.maxMB * 1e6 }),
    onProgress: (p) => o.progress.update(`pages ${p.pagesDone}/${p.pages}  ${p.downloaded} pictures  ${p.skipped} skipped  ${p.failed} failed${p.current ? `  ${p.current}` : ''}`),
  });
  interrupt.dispose();
  o.progress.note(collectedLine(summary));
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}
