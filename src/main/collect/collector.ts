/**
 * Collects pictures from web pages into a folder, politely: robots.txt obeyed, one request at a time with a pause
 * between two to the same host (the longer of ours and the site's Crawl-delay), a User-Agent that says who asks,
 * time-outs, retries with back-off on failures worth retrying, redirects followed by hand (each hop checked: a loop
 * ends it, a private address is refused), size and type limits, and each picture stored once under its content's
 * hash, written whole or not at all. `collect.jsonl` records every page and picture done, so a second run of the
 * same collection resumes: finished pages and pictures are skipped.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { removeTemporaries, writeFileAtomic } from '../engine/training/atomicFile';
import { AddressRefused, type PrivateAllowance } from './addressGuard';
import { pictureLinks } from './links';
import { get, TransientError, type Response } from './request';
import { RobotsCache } from './robots';
import { pictureType } from './pictureType';

export const COLLECT_MANIFEST = 'collect.jsonl';
export const USER_AGENT = 'GANStudioCollector/0.1 (gan-studio collect; picture collection for training on one\'s own machine; obeys robots.txt)';

export interface CollectOptions {
  /** The pages to read, in order. */
  pages: string[];
  /** CSS selector of the picture elements on a page. */
  select: string;
  /** The attribute holding the link (default: href on a, src or data-src elsewhere). */
  attr?: string;
  out: string;
  /** Pause between two requests to one host (robots.txt's Crawl-delay wins when longer). */
  delayMs?: number;
  timeoutMs?: number;
  /** Further tries of a request that timed out, dropped or got a 5xx / 429. */
  retries?: number;
  /** The first retry's wait; each next one doubles it (a Retry-After header wins when longer). */
  backoffMs?: number;
  maxPictureBytes?: number;
  maxPageBytes?: number;
  maxRedirects?: number;
  userAgent?: string;
  allowPrivate?: PrivateAllowance;
  signal?: AbortSignal;
  onProgress?(p: CollectProgress): void;
}

export interface CollectProgress { pagesDone: number; pages: number; downloaded: number; skipped: number; failed: number; current?: string }

export interface CollectSummary {
  out: string;
  pagesRead: number;
  /** Pages finished by an earlier run of the same collection. */
  pagesAlreadyDone: number;
  downloaded: number;
  bytes: number;
  /** Pictures an earlier run had stored. */
  alreadyHad: number;
  /** Pictures whose content was already stored under another link. */
  duplicates: number;
  /** Links not fetched, and why (robots.txt, a private address, not http). */
  skipped: { url: string; reason: string }[];
  /** Pages and pictures that failed after their tries. */
  failed: { url: string; reason: string }[];
  cancelled: boolean;
}

type ManifestLine =
  | { page: string; links: number }
  | { url: string; file: string; sha256: string; bytes: number; duplicate?: boolean };

const DEFAULTS = { delayMs: 1000, timeoutMs: 30_000, retries: 3, backoffMs: 1000, maxPictureBytes: 20e6, maxPageBytes: 5e6, maxRedirects: 5 };

/** Pages from a pattern with {n}: `https://x/?page={n}` and 2-4 → pages 2, 3 and 4. */
export function expandPages(pattern: string, range: string): string[] {
  if (!pattern.includes('{n}')) throw new Error(`--page-pattern '${pattern}' has no {n} for the page number`);
  const m = /^(\d+)(?:-(\d+))?$/.exec(range.trim());
  if (!m) throw new Error(`--pages must be a number or a range like 1-20, got '${range}'`);
  const [from, to] = [Number(m[1]), Number(m[2] ?? m[1])];
  if (to < from) throw new Error(`--pages '${range}' ends before it starts`);
  if (to - from >= 10_000) throw new Error(`--pages '${range}' is more than 10,000 pages`);
  return Array.from({ length: to - from + 1 }, (_, i) => pattern.replaceAll('{n}', String(from + i)));
}

/** The page URLs of a --urls file: one per line; blank lines and # comments are skipped. */
export function readUrlList(file: string): string[] {
  const lines = readFileSync(file, 'utf8').split(/\r?\n/);
  return lines.flatMap((line, i) => {
    const text = line.trim();
    if (!text || text.startsWith('#')) return [];
    try {
      return [new URL(text).href];
    } catch {
      throw new Error(`${file}, line ${i + 1}: '${text}' is not a URL`);
    }
  });
}

export async function collectPictures(options: CollectOptions): Promise<CollectSummary> {
  const o = { ...DEFAULTS, userAgent: USER_AGENT, allowPrivate: false as PrivateAllowance, ...options };
  const pages = o.pages.map((p) => parseHttpUrl(p, 'page'));
  const out = resolve(o.out);
  mkdirSync(out, { recursive: true });
  removeTemporaries(out);
  const manifest = join(out, COLLECT_MANIFEST);
  const earlier = readManifest(manifest);
  const pagesDone = new Set(earlier.flatMap((l) => ('page' in l ? [l.page] : [])));
  const urlsDone = new Set(earlier.flatMap((l) => ('url' in l ? [l.url] : [])));
  const stored = new Map(earlier.flatMap((l) => ('sha256' in l && !l.duplicate ? [[l.sha256, l.file] as const] : [])));
  const record = (line: ManifestLine): void => appendFileSync(manifest, `${JSON.stringify(line)}\n`);

  const summary: CollectSummary = {
    out, pagesRead: 0, pagesAlreadyDone: 0, downloaded: 0, bytes: 0, alreadyHad: 0, duplicates: 0, skipped: [], failed: [], cancelled: false,
  };
  const progress = (current?: string): void => o.onProgress?.({
    pagesDone: summary.pagesRead + summary.pagesAlreadyDone, pages: pages.length, downloaded: summary.downloaded,
    skipped: summary.skipped.length + summary.alreadyHad + summary.duplicates, failed: summary.failed.length, current,
  });

  const web = new PoliteClient(o);
  try {
    for (const page of pages) {
      if (pagesDone.has(page.href)) {
        summary.pagesAlreadyDone++;
        continue;
      }
      progress(page.href);
      const html = await web.fetch(page, { maxBytes: o.maxPageBytes, accept: 'text/html,application/xhtml+xml' }, summary);
      if (!html) continue;
      const links = pictureLinks(html.body.toString('utf8'), html.url, o.select, o.attr);
      let unfinished = 0;
      for (const link of links) {
        if (urlsDone.has(link.href)) {
          summary.alreadyHad++;
          continue;
        }
        progress(link.href);
        const res = await web.fetch(link, { maxBytes: o.maxPictureBytes, accept: 'image/*' }, summary);
        if (!res) {
          unfinished++;
          continue;
        }
        const type = pictureType(res.body, res.headers['content-type']);
        if ('problem' in type) {
          summary.skipped.push({ url: link.href, reason: type.problem });
          continue;
        }
        const sha256 = createHash('sha256').update(res.body).digest('hex');
        const known = stored.get(sha256);
        if (known) {
          summary.duplicates++;
          record({ url: link.href, file: known, sha256, bytes: res.body.length, duplicate: true });
        } else {
          const file = `${sha256.slice(0, 16)}.${type.extension}`;
          writeFileAtomic(join(out, file), res.body);
          stored.set(sha256, file);
          summary.downloaded++;
          summary.bytes += res.body.length;
          record({ url: link.href, file, sha256, bytes: res.body.length });
        }
        urlsDone.add(link.href);
      }
      summary.pagesRead++;
      // a page with pictures that failed stays unfinished, so the next run tries them again
      if (!unfinished) record({ page: page.href, links: links.length });
      progress();
    }
  } catch (err) {
    if (!o.signal?.aborted) throw err;
    summary.cancelled = true;
  }
  return summary;
}

/** Requests as the collector makes them: robots.txt first, the host's pause, retries, redirects checked. */
class PoliteClient {
  /** When each host's last request ended. */
  private readonly lastEnded = new Map<string, number>();
  private readonly robots: RobotsCache;

  constructor(private readonly o: Required<Pick<CollectOptions, 'delayMs' | 'timeoutMs' | 'retries' | 'backoffMs' | 'maxRedirects' | 'userAgent' | 'allowPrivate'>> & { signal?: AbortSignal }) {
    this.robots = new RobotsCache(o.userAgent, async (url) => {
      const res = await this.follow(url, { maxBytes: 500_000, accept: 'text/plain' }, false);
      return { status: res.status, text: res.body.toString('utf8') };
    });
  }

  /** A 200 response, or undefined with the reason recorded in the summary. */
  async fetch(url: URL, limits: { maxBytes: number; accept: string }, summary: CollectSummary): Promise<Response | undefined> {
    try {
      const res = await this.follow(url, limits, true);
      if (res.status === 200) return res;
      summary.failed.push({ url: url.href, reason: `the server answered ${res.status}` });
    } catch (err) {
      if (this.o.signal?.aborted) throw err;
      const reason = (err as Error).message;
      if (err instanceof RobotsForbid || err instanceof AddressRefused) summary.skipped.push({ url: url.href, reason });
      else summary.failed.push({ url: url.href, reason });
    }
    return undefined;
  }

  /** GET `url`, following up to maxRedirects redirects, each hop allowed by robots.txt when `obeyRobots`. */
  private async follow(url: URL, limits: { maxBytes: number; accept: string }, obeyRobots: boolean): Promise<Response> {
    const visited = new Set<string>();
    let current = url;
    for (;;) {
      if (visited.has(current.href)) throw new Error(`${url.href}: redirect loop at ${current.href}`);
      if (visited.size > this.o.maxRedirects) throw new Error(`${url.href}: more than ${this.o.maxRedirects} redirects`);
      visited.add(current.href);
      let crawlDelay = 0;
      if (obeyRobots) {
        const rules = await this.robots.rules(current);
        if (rules.unreadable) throw new RobotsForbid(rules.unreadable);
        if (!rules.allows(current)) throw new RobotsForbid(`${current.href}: robots.txt does not allow it`);
        crawlDelay = rules.delayMs;
      }
      const res = await this.withRetries(current, limits, crawlDelay);
      const location = res.headers.location;
      if (res.status < 300 || res.status >= 400 || !location) return res;
      current = parseHttpUrl(new URL(location, current).href, `redirect from ${current.href}`);
    }
  }

  private async withRetries(url: URL, limits: { maxBytes: number; accept: string }, crawlDelay: number): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      await this.waitForHost(url.host, crawlDelay);
      try {
        return await get(url, { ...limits, userAgent: this.o.userAgent, timeoutMs: this.o.timeoutMs, allowPrivate: this.o.allowPrivate, signal: this.o.signal });
      } catch (err) {
        if (!(err instanceof TransientError) || attempt >= this.o.retries || this.o.signal?.aborted) {
          throw attempt > 0 && err instanceof TransientError ? new Error(`${err.message} (after ${attempt + 1} tries)`) : err;
        }
        await sleep(Math.max(this.o.backoffMs * 2 ** attempt, err.retryAfterMs ?? 0), this.o.signal);
      } finally {
        this.lastEnded.set(url.host, Date.now());
      }
    }
  }

  /** The pause since the host's last request: ours or its Crawl-delay, whichever is longer. */
  private async waitForHost(host: string, crawlDelay: number): Promise<void> {
    const wait = (this.lastEnded.get(host) ?? -Infinity) + Math.max(this.o.delayMs, crawlDelay) - Date.now();
    if (wait > 0) await sleep(wait, this.o.signal);
  }
}

class RobotsForbid extends Error {}

function parseHttpUrl(text: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`${what} '${text}' is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${what} '${text}': only http and https are fetched`);
  return url;
}

function readManifest(file: string): ManifestLine[] {
  if (!existsSync(file)) return [];
  // a line cut short by a crash is the last one; it is simply done again
  return readFileSync(file, 'utf8').split('\n').flatMap((line) => {
    try {
      return line ? [JSON.parse(line) as ManifestLine] : [];
    } catch {
      return [];
    }
  });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((done, fail) => {
    if (signal?.aborted) return fail(new Error('cancelled'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      done();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      fail(new Error('cancelled'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
