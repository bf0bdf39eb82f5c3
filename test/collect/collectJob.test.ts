/**
 * The collector as people start it: `gan-studio collect` (a progress line, a JSON summary, the same folder again
 * resumes) and datasets:collect over the contract (a job with progress, its end line, cancel, refusals naming the
 * field), both against a board served on 127.0.0.1 by the test.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Studio } from '../../src/main/services/studio';
import type { JobInfo, Responses } from '../../src/shared/contract';
import { valueOf } from '../services/studioValue';
import { html, png, Site, solidPng } from './siteServer';

const BIN = resolve(__dirname, '..', '..', 'bin', 'gan-studio.cjs');

/** The CLI run without blocking this process, which serves the board. */
function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

let site: Site;
const tmp = mkdtempSync(join(tmpdir(), 'collect-job-'));

beforeAll(async () => {
  site = await new Site().start();
  const shades = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => solidPng(i * 40)));
  site.routes.set('/robots.txt', (_req, res) => void res.writeHead(404).end());
  // page n links pictures 2n − 2 and 2n − 1
  site.routes.set('/list', (req, res, s) => {
    const n = Number(new URL(req.url!, 'http://x').searchParams.get('page'));
    return html(`<img class="preview" src="/img/${2 * n - 2}.png"><img class="preview" src="/img/${2 * n - 1}.png">`)(req, res, s);
  });
  shades.forEach((bytes, i) => site.routes.set(`/img/${i}.png`, png(bytes)));
});

afterAll(() => site.close());

describe('gan-studio collect', () => {
  it('collects a page pattern into a folder, prints a summary, and resumes the same folder', async () => {
    const out = join(tmp, 'cli');
    const args = ['collect', '--page-pattern', `${site.origin}/list?page={n}`, '--pages', '1-2', '--select', 'img.preview', '--out', out, '--delay', '0.01', '--allow-private', '127.0.0.1'];
    const first = await cli(...args);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ pagesRead: 2, downloaded: 4, failed: [], skipped: [] });
    expect(first.stderr).toMatch(/collecting from 2 pages as "GANStudioCollector/);
    expect(first.stderr).toMatch(/4 pictures \(0\.0 MB\) from 2 pages, 0 duplicates, 0 skipped, 0 failed/);
    expect(readdirSync(out).filter((f) => f.endsWith('.png'))).toHaveLength(4);

    const again = await cli(...args.map((a) => (a === '1-2' ? '1-3' : a)));
    expect(JSON.parse(again.stdout)).toMatchObject({ pagesAlreadyDone: 2, pagesRead: 1, downloaded: 2 });
  });

  it('refuses the loopback board unless allowed, and names a bad --urls line', async () => {
    const out = join(tmp, 'refused');
    const r = await cli('collect', '--page-pattern', `${site.origin}/list?page={n}`, '--pages', '1', '--out', out);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).skipped[0].reason).toMatch(/127\.0\.0\.1 is a private or loopback address/);
    const list = join(tmp, 'urls.txt');
    writeFileSync(list, `${site.origin}/list?page=1\nwww.example.com/no-scheme\n`);
    const bad = await cli('collect', '--urls', list, '--out', out);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain(`${list}, line 2: 'www.example.com/no-scheme' is not a URL`);
    const both = await cli('collect', '--urls', list, '--page-pattern', 'https://x/{n}', '--pages', '1', '--out', out);
    expect(both.stderr).toMatch(/either --urls FILE or --page-pattern/);
  });
});

describe('datasets:collect over the contract', () => {
  const workspace = join(tmp, 'workspace');
  const studio = new Studio(workspace, 'wasm', { kind: 'server' });
  const updates: JobInfo[] = [];
  studio.subscribe((event, payload) => void (event === 'jobs:update' && updates.push(payload as JobInfo)));
  const value = valueOf(studio);
  const ended = async (jobId: number): Promise<JobInfo> => {
    for (;;) {
      const last = updates.filter((u) => u.jobId === jobId).at(-1);
      if (last && last.status !== 'running') return last;
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  afterAll(() => studio.stopAll());

  it('runs as a job: progress per page, an end line counting what came, the pictures in the workspace', async () => {
    const started = await value<Responses['datasets:collect']>('datasets:collect', {
      name: 'board', urls: [`${site.origin}/list?page=1`, `${site.origin}/list?page=3`], select: 'img.preview', delaySeconds: 0.01, allowPrivate: ['127.0.0.1'],
    });
    expect(started.dir).toBe(join(workspace, 'collected', 'board'));
    const end = await ended(started.jobId);
    expect(end).toMatchObject({ kind: 'collect', status: 'done', done: 2, total: 2, message: expect.stringMatching(/^4 pictures .* from 2 pages, 0 duplicates, 0 skipped, 0 failed$/) });
    expect(updates.filter((u) => u.jobId === started.jobId).map((u) => u.done)).toContain(1);
    expect(readdirSync(started.dir).filter((f) => f.endsWith('.png'))).toHaveLength(4);
    // the folder imports as any other
    const imported = await value<Responses['datasets:import']>('datasets:import', { name: 'board', dir: started.dir });
    expect(imported.datasetId).toBeGreaterThan(0);
  });

  it('cancels through jobs:cancel, and refuses a request naming the field', async () => {
    const started = await value<Responses['datasets:collect']>('datasets:collect', {
      name: 'slow', pagePattern: `${site.origin}/list?page={n}`, pages: '1-3', select: 'img.preview', delaySeconds: 0.5, allowPrivate: true,
    });
    await new Promise((r) => setTimeout(r, 700));
    await value('jobs:cancel', { jobId: started.jobId });
    const end = await ended(started.jobId);
    expect(end.status).toBe('cancelled');
    expect(end.done).toBeLessThan(3);

    const both = await studio.handle('datasets:collect', { name: 'x', urls: ['https://a.example/'], pagePattern: 'https://a.example/{n}', pages: '1' });
    expect(both).toMatchObject({ ok: false, error: { code: 'invalid-request', message: expect.stringMatching(/urls: give either urls or pagePattern/) } });
    const noN = await studio.handle('datasets:collect', { name: 'x', pagePattern: 'https://a.example/', pages: '1-2' });
    expect(noN).toMatchObject({ ok: false, error: { message: expect.stringMatching(/pagePattern 'https:\/\/a\.example\/' has no \{n\}/) } });
    const ftp = await studio.handle('datasets:collect', { name: 'x', urls: ['ftp://a.example/'] });
    expect(ftp).toMatchObject({ ok: false, error: { message: expect.stringMatching(/urls\.0: must be an http\(s\) URL/) } });
  });
});
