/**
 * The collector against an image board served on 127.0.0.1 by the test (nothing leaves the machine): each politeness
 * rule (robots.txt, one request at a time per host with a pause, the User-Agent, time-outs, retries with back-off,
 * resuming, no partial files, dedupe by content, size and type limits, http(s) only, no redirect to a private
 * address unless asked, redirect loops) is checked on what the server saw and what landed in the folder.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { collectPictures, COLLECT_MANIFEST, expandPages, readUrlList, USER_AGENT, type CollectOptions } from '../../src/main/collect/collector';
import { isPrivateAddress } from '../../src/main/collect/addressGuard';
import { pictureLinks } from '../../src/main/collect/links';
import { html, png, Site, solidPng } from './siteServer';

let red: Buffer, green: Buffer, blue: Buffer;
let site: Site;
let out: string;

beforeAll(async () => {
  [red, green, blue] = await Promise.all([solidPng(250), solidPng(120), solidPng(10)]);
});

beforeEach(async () => {
  site = await new Site().start();
  out = mkdtempSync(join(tmpdir(), 'collect-'));
  site.routes.set('/robots.txt', (_req, res) => void res.writeHead(200, { 'content-type': 'text/plain' }).end('User-agent: *\nDisallow: /private/\n'));
});

afterEach(async () => {
  await site.close();
});

/** The collection in these tests: fast pauses and back-off, the test server's own address allowed. */
const collect = (o: Partial<CollectOptions> & { pages: string[] }) =>
  collectPictures({ select: 'img.preview', out, delayMs: 20, backoffMs: 20, timeoutMs: 2000, allowPrivate: ['127.0.0.1'], ...o });

const stored = (): string[] => readdirSync(out).filter((f) => f !== COLLECT_MANIFEST).sort();

describe('what a page links to', () => {
  it('reads the selected elements with an HTML parser: relative, lazy and <base> links resolved, other schemes and repeats dropped', () => {
    const page = new URL('https://board.example/list/?page=2');
    const links = pictureLinks(`
      <div><img class="preview" src="a.png"><img class="preview" data-src="/lazy/b.jpg">
      <img class="other" src="skip.png"><img class="preview" src="javascript:alert(1)">
      <img class="preview" src="data:image/png;base64,AAAA"><img class="preview" src="a.png#again">
      <a class="preview" href="//cdn.example/c.webp">c</a><img class="preview" src="ftp://x/y.png"></div>`, page, '.preview');
    expect(links.map((u) => u.href)).toEqual(['https://board.example/list/a.png', 'https://board.example/lazy/b.jpg', 'https://cdn.example/c.webp']);
    expect(pictureLinks('<base href="https://img.example/s/"><img src="d.png">', page, 'img').map((u) => u.href)).toEqual(['https://img.example/s/d.png']);
    expect(pictureLinks('<img src="x.png" data-full="big/x.png">', page, 'img', 'data-full').map((u) => u.href)).toEqual(['https://board.example/list/big/x.png']);
  });

  it('expands a page pattern and reads a URL list, naming what is wrong', () => {
    expect(expandPages('https://b.example/?page={n}', '2-4')).toEqual(['https://b.example/?page=2', 'https://b.example/?page=3', 'https://b.example/?page=4']);
    expect(() => expandPages('https://b.example/', '1-2')).toThrow(/no \{n\}/);
    expect(() => expandPages('https://b.example/{n}', '5-2')).toThrow(/ends before it starts/);
    expect(() => expandPages('https://b.example/{n}', 'x')).toThrow(/--pages must be/);
    const list = join(out, 'urls.txt');
    writeFileSync(list, '# boards\nhttps://a.example/1\n\nnot a url\n');
    expect(() => readUrlList(list)).toThrow(`${list}, line 4: 'not a url' is not a URL`);
  });

  it('knows private and loopback addresses, IPv4-mapped ones included', () => {
    for (const a of ['127.0.0.1', '127.0.0.2', '10.0.0.8', '192.168.1.1', '172.16.0.1', '169.254.169.254', '::1', '::ffff:127.0.0.1', 'fd00::1', '0.0.0.0']) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ['8.8.8.8', '93.184.216.34', '2606:2800:220:1::1']) expect(isPrivateAddress(a), a).toBe(false);
  });
});

describe('collecting from a site', () => {
  it('downloads the selected pictures of each page once, under their content hash, with its User-Agent, one request at a time per host with the pause between', async () => {
    site.routes.set('/board', html('<img class="preview" src="/img/red.png"><img class="preview" src="/img/green.png"><img class="avatar" src="/img/blue.png">'));
    site.routes.set('/board2', html('<img class="preview" src="/img/red-again.png"><img class="preview" src="/img/blue.png">'));
    site.routes.set('/img/red.png', png(red));
    site.routes.set('/img/red-again.png', png(red));
    site.routes.set('/img/green.png', png(green));
    site.routes.set('/img/blue.png', png(blue));
    const seen: number[] = [];
    const summary = await collect({ pages: [`${site.origin}/board`, `${site.origin}/board2`], delayMs: 150, onProgress: (p) => seen.push(p.pagesDone) });

    expect(summary).toMatchObject({ pagesRead: 2, downloaded: 3, duplicates: 1, failed: [], skipped: [], cancelled: false });
    expect(stored()).toHaveLength(3);
    const files = stored().map((f) => readFileSync(join(out, f)));
    expect(files.map((b) => b.toString('base64')).sort()).toEqual([red, green, blue].map((b) => b.toString('base64')).sort());
    expect(stored().every((f) => /^[0-9a-f]{16}\.png$/.test(f))).toBe(true);
    // the avatar on page 1 was not selected: blue came from page 2's link
    expect(site.hits.map((h) => h.path)).toEqual(['/robots.txt', '/board', '/img/red.png', '/img/green.png', '/board2', '/img/red-again.png', '/img/blue.png']);
    expect(site.hits.every((h) => h.userAgent === USER_AGENT)).toBe(true);
    expect(site.maxInFlight).toBe(1);
    const gaps = site.hits.slice(1).map((h, i) => h.start - site.hits[i].end);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(145);
    expect(seen.at(-1)).toBe(2);
  });

  it('obeys robots.txt: a disallowed picture is skipped unasked, Crawl-delay lengthens the pause, an unreadable robots.txt forbids the site', async () => {
    site.routes.set('/robots.txt', (_req, res) => void res.writeHead(200).end(`User-agent: *\nDisallow: /private/\nCrawl-delay: 0.3\n\nUser-agent: ${USER_AGENT.split('/')[0]}\nDisallow: /private/\nDisallow: /mine/\nCrawl-delay: 0.3\n`));
    site.routes.set('/board', html('<img class="preview" src="/private/red.png"><img class="preview" src="/mine/blue.png"><img class="preview" src="/img/green.png">'));
    site.routes.set('/private/red.png', png(red));
    site.routes.set('/mine/blue.png', png(blue));
    site.routes.set('/img/green.png', png(green));
    const summary = await collect({ pages: [`${site.origin}/board`] });
    expect(summary.downloaded).toBe(1);
    expect(summary.skipped.map((s) => s.url)).toEqual([`${site.origin}/private/red.png`, `${site.origin}/mine/blue.png`]);
    expect(summary.skipped[0].reason).toMatch(/robots\.txt does not allow it/);
    expect(site.count('/private/red.png') + site.count('/mine/blue.png')).toBe(0);
    const gaps = site.hits.slice(1).map((h, i) => h.start - site.hits[i].end);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(295);

    const broken = await new Site().start();
    try {
      broken.routes.set('/robots.txt', (_req, res) => void res.writeHead(500).end());
      broken.routes.set('/board', html('<img class="preview" src="/img/green.png">'));
      const refused = await collect({ pages: [`${broken.origin}/board`], retries: 1 });
      expect(refused.pagesRead).toBe(0);
      expect(refused.skipped[0].reason).toMatch(/robots\.txt could not be read \(.*500.*\), so nothing on/);
      expect(broken.hits.map((h) => h.path)).toEqual(['/robots.txt', '/robots.txt']);
    } finally {
      await broken.close();
    }
  });

  it('gives up on a slow answer after its time-out, and retries a failing one with a doubling back-off', async () => {
    let tries = 0;
    site.routes.set('/board', html('<img class="preview" src="/img/slow.png"><img class="preview" src="/img/flaky.png">'));
    site.routes.set('/img/slow.png', (_req, res) => void setTimeout(() => res.writeHead(200, { 'content-type': 'image/png' }).end(red), 1500));
    site.routes.set('/img/flaky.png', (req, res, s) => (++tries < 3 ? void res.writeHead(503).end('busy') : png(green)(req, res, s)));
    const summary = await collect({ pages: [`${site.origin}/board`], timeoutMs: 300, retries: 2, backoffMs: 100, delayMs: 0 });
    expect(summary.failed).toEqual([{ url: `${site.origin}/img/slow.png`, reason: expect.stringMatching(/timed out after 0\.3 s \(after 3 tries\)/) }]);
    expect(site.count('/img/slow.png')).toBe(3);
    expect(summary.downloaded).toBe(1);
    const flaky = site.hits.filter((h) => h.path === '/img/flaky.png');
    expect(flaky).toHaveLength(3);
    expect(flaky[1].start - flaky[0].end).toBeGreaterThanOrEqual(95);
    expect(flaky[2].start - flaky[1].end).toBeGreaterThanOrEqual(195);
    // the page had a failure, so a second run tries it again, and only what failed
    site.hits.length = 0;
    const again = await collect({ pages: [`${site.origin}/board`], timeoutMs: 300, retries: 0, delayMs: 0 });
    expect(again.alreadyHad).toBe(1);
    expect(site.hits.map((h) => h.path)).toEqual(['/robots.txt', '/board', '/img/slow.png']);
  });

  it('keeps no partial file of an interrupted download, and resumes: finished pages and pictures are not fetched again', async () => {
    let cut = true;
    site.routes.set('/board', html('<img class="preview" src="/img/red.png"><img class="preview" src="/img/cut.png">'));
    site.routes.set('/board2', html('<img class="preview" src="/img/blue.png">'));
    site.routes.set('/img/red.png', png(red));
    site.routes.set('/img/blue.png', png(blue));
    site.routes.set('/img/cut.png', (req, res, s) => {
      if (!cut) return png(green)(req, res, s);
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': green.length + 5000 });
      res.write(green);
      setTimeout(() => res.socket?.destroy(), 30);
    });
    const first = await collect({ pages: [`${site.origin}/board`, `${site.origin}/board2`], retries: 1 });
    expect(first.failed).toEqual([{ url: `${site.origin}/img/cut.png`, reason: expect.stringMatching(/closed after \d+ (of \d+ )?bytes/) }]);
    expect(stored()).toHaveLength(2);
    expect(readdirSync(out).some((f) => f.includes('.tmp'))).toBe(false);

    cut = false;
    site.hits.length = 0;
    const second = await collect({ pages: [`${site.origin}/board`, `${site.origin}/board2`] });
    expect(second).toMatchObject({ pagesRead: 1, pagesAlreadyDone: 1, downloaded: 1, alreadyHad: 1 });
    expect(site.hits.map((h) => h.path)).toEqual(['/robots.txt', '/board', '/img/cut.png']);
    expect(stored()).toHaveLength(3);

    site.hits.length = 0;
    const third = await collect({ pages: [`${site.origin}/board`, `${site.origin}/board2`] });
    expect(third).toMatchObject({ pagesRead: 0, pagesAlreadyDone: 2, downloaded: 0 });
    expect(site.hits).toEqual([]);
  });

  it('refuses files over the size limit (declared or streamed, without reading them whole) and bodies that are not pictures', async () => {
    let streamed = 0;
    site.routes.set('/board', html('<img class="preview" src="/img/huge.png"><img class="preview" src="/img/endless.png"><img class="preview" src="/img/page.png"><img class="preview" src="/img/fake.png">'));
    site.routes.set('/img/huge.png', (_req, res) => void res.writeHead(200, { 'content-type': 'image/png', 'content-length': 50e6 }).write(red));
    site.routes.set('/img/endless.png', (_req, res) => {
      res.writeHead(200, { 'content-type': 'image/png' });
      const chunk = Buffer.alloc(64 * 1024);
      const pump = (): void => {
        while (!res.destroyed && streamed < 100e6 && res.write(chunk)) streamed += chunk.length;
        if (!res.destroyed && streamed < 100e6) res.once('drain', pump);
      };
      pump();
    });
    site.routes.set('/img/page.png', html('a page, not a picture'));
    site.routes.set('/img/fake.png', (_req, res) => void res.writeHead(200, { 'content-type': 'image/png' }).end('GIF? no: plain text'));
    const summary = await collect({ pages: [`${site.origin}/board`], maxPictureBytes: 1e6 });
    expect(summary.downloaded).toBe(0);
    const reasons = Object.fromEntries([...summary.failed, ...summary.skipped].map((f) => [f.url.split('/').pop(), f.reason]));
    expect(reasons['huge.png']).toMatch(/50\.0 MB is over the limit of 1\.0 MB/);
    expect(reasons['endless.png']).toMatch(/more than 1\.0 MB, over the limit/);
    expect(reasons['page.png']).toMatch(/not a picture: the server calls it text\/html/);
    expect(reasons['fake.png']).toMatch(/not a picture the studio reads/);
    expect(streamed).toBeLessThan(20e6);
    expect(site.count('/img/huge.png')).toBe(1);
    expect(stored()).toEqual([]);
  });

  it('follows redirects by hand: a loop ends, a redirect to a private address is refused unless asked, http(s) only', async () => {
    site.routes.set('/board', html('<img class="preview" src="/go/loop-a"><img class="preview" src="/go/local"><img class="preview" src="/go/moved">'));
    site.routes.set('/go/loop-a', (_req, res) => void res.writeHead(302, { location: '/go/loop-b' }).end());
    site.routes.set('/go/loop-b', (_req, res) => void res.writeHead(301, { location: '/go/loop-a' }).end());
    site.routes.set('/go/local', (_req, res, s) => void res.writeHead(302, { location: `http://localhost:${s.port}/img/blue.png` }).end());
    site.routes.set('/go/moved', (_req, res) => void res.writeHead(308, { location: '/img/red.png' }).end());
    site.routes.set('/img/red.png', png(red));
    site.routes.set('/img/blue.png', png(blue));
    const summary = await collect({ pages: [`${site.origin}/board`] });
    expect(summary.downloaded).toBe(1);
    expect(summary.failed).toEqual([{ url: `${site.origin}/go/loop-a`, reason: `${site.origin}/go/loop-a: redirect loop at ${site.origin}/go/loop-a` }]);
    expect(summary.skipped).toEqual([{ url: `${site.origin}/go/local`, reason: expect.stringMatching(/^localhost resolves to (127\.0\.0\.1|::1), a private or loopback address \(allow it with --allow-private localhost\)$/) }]);
    expect(site.count('/img/blue.png')).toBe(0);

    const asked = await collect({ pages: [`${site.origin}/board`], allowPrivate: true, out: join(out, 'asked') });
    expect(asked.downloaded).toBe(2);

    const refused = await collect({ pages: [`${site.origin}/board`], allowPrivate: false, out: join(out, 'refused') });
    expect(refused.pagesRead).toBe(0);
    expect(refused.skipped[0].reason).toMatch(/127\.0\.0\.1 is a private or loopback address \(allow it with --allow-private 127\.0\.0\.1\)/);
    await expect(collect({ pages: ['ftp://files.example/board'] })).rejects.toThrow(/page 'ftp:\/\/files\.example\/board': only http and https/);
  });

  it('stops when cancelled, keeping what it finished', async () => {
    site.routes.set('/board', html('<img class="preview" src="/img/red.png"><img class="preview" src="/img/green.png"><img class="preview" src="/img/blue.png">'));
    site.routes.set('/img/red.png', png(red));
    site.routes.set('/img/green.png', png(green));
    site.routes.set('/img/blue.png', png(blue));
    const stop = new AbortController();
    const summary = await collect({
      pages: [`${site.origin}/board`], delayMs: 100, signal: stop.signal,
      onProgress: (p) => { if (p.downloaded === 1) stop.abort(); },
    });
    expect(summary).toMatchObject({ cancelled: true, downloaded: 1 });
    expect(stored()).toHaveLength(1);
    expect(existsSync(join(out, COLLECT_MANIFEST))).toBe(true);
    expect(site.count('/img/blue.png')).toBe(0);
  });
});
