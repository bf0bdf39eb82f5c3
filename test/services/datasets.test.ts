import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { openCatalogue } from '../../src/main/catalogue/db';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { startStudioServer } from '../../src/main/host/wsServer';
import { Studio } from '../../src/main/services/studio';
import { valueOf } from './studioValue';
import type { Events, JobInfo, Responses } from '../../src/shared/contract';

async function pictures(n: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'ds-in-'));
  for (let i = 0; i < n; i++) {
    const size = i % 2 ? 32 : 80;
    await sharp({ create: { width: size, height: size, channels: 3, background: { r: (i * 37) % 256, g: (i * 91) % 256, b: (i * 53) % 256 } } })
      .composite([{ input: Buffer.from(`<svg width="${size}" height="${size}"><circle cx="${(i * 7) % size}" cy="${(i * 13) % size}" r="${size / 4}" fill="white"/></svg>`) }])
      .png().toFile(join(dir, `pic ${String(i).padStart(3, '0')}.png`));
  }
  writeFileSync(join(dir, 'broken.png'), 'nope');
  return dir;
}

function studio() {
  const workspace = mkdtempSync(join(tmpdir(), 'ds-ws-'));
  const s = new Studio(workspace, 'cpu', { kind: 'server' });
  const jobs: Events['job:progress'][] = [];
  s.subscribe((event, payload) => event === 'job:progress' && jobs.push(payload as Events['job:progress']));
  const value = valueOf(s);
  const ended = async (jobId: number) => {
    while (!jobs.some((j) => j.jobId === jobId && j.status !== 'running')) await new Promise((r) => setTimeout(r, 20));
    return jobs.filter((j) => j.jobId === jobId).at(-1)!;
  };
  return { s, workspace, jobs, value, ended };
}

describe('datasets over the contract', () => {
  it('imports a folder as a job, lists it with counts and sizes, pages and filters its items, and edits them in bulk', async () => {
    const { value, ended, jobs } = studio();
    const { jobId, datasetId } = await value<Responses['datasets:import']>('datasets:import', { name: 'shapes', dir: await pictures(12) });
    const end = await ended(jobId);
    expect(end).toMatchObject({ kind: 'import', datasetId, status: 'done', done: 13, total: 13, problems: 1 });
    expect(jobs.filter((j) => j.status === 'running').length).toBeGreaterThan(1);

    const { datasets } = await value<Responses['datasets:list']>('datasets:list', {});
    expect(datasets).toHaveLength(1);
    expect(datasets[0]).toMatchObject({ name: 'shapes', kind: 'folder', items: 12, included: 12, problems: 1, labels: [] });
    expect(Object.fromEntries(datasets[0].sizes.filter(([, n]) => n > 0))).toEqual({ 32: 6, 96: 6 });

    const page = await value<Responses['datasets:items']>('datasets:items', { datasetId, offset: 2, limit: 4 });
    expect(page.total).toBe(12);
    expect(page.items.map((i) => i.path)).toEqual(['pic 002.png', 'pic 003.png', 'pic 004.png', 'pic 005.png']);
    expect(page.items[0]).toMatchObject({ width: 80, height: 80, included: true, label: null, tags: [], hash: expect.stringMatching(/^[0-9a-f]{64}$/) });

    const ids = page.items.map((i) => i.id);
    expect(await value('datasets:update', { datasetId, ids, included: false, label: 'circle', addTags: ['review'] })).toEqual({ updated: 4 });
    expect(await value('datasets:update', { datasetId: datasetId + 99, ids, included: true })).toEqual({ updated: 0 });
    const excluded = await value<Responses['datasets:items']>('datasets:items', { datasetId, status: 'excluded' });
    expect(excluded.items.map((i) => i.id)).toEqual(ids);
    expect(excluded.items[0]).toMatchObject({ label: 'circle', tags: ['review'] });
    expect((await value<Responses['datasets:items']>('datasets:items', { datasetId, minSide: 64, status: 'included' })).total).toBe(4);
    expect((await value<Responses['datasets:items']>('datasets:items', { datasetId, label: 'circle' })).total).toBe(4);
    expect((await value<Responses['datasets:list']>('datasets:list', {})).datasets[0]).toMatchObject({ included: 8, labels: ['circle'] });
    expect(await value('datasets:problems', { datasetId })).toEqual({ problems: [{ path: 'broken.png', reason: 'not a picture sharp can read' }] });
  });

  it('cancels an import, keeping what it finished; refuses a folder that is not there', async () => {
    const { value, ended, s } = studio();
    const { jobId, datasetId } = await value<Responses['datasets:import']>('datasets:import', { name: 'many', dir: await pictures(60) });
    await value('jobs:cancel', { jobId });
    const end = await ended(jobId);
    expect(end.status).toBe('cancelled');
    const kept = await value<Responses['datasets:items']>('datasets:items', { datasetId });
    expect(kept.total).toBeLessThan(60);
    expect(await s.handle('jobs:cancel', { jobId })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await s.handle('datasets:import', { name: 'x', dir: '/no/such/folder' })).toMatchObject({ ok: false, error: { code: 'invalid-request', message: "'/no/such/folder' is not a folder" } });
    expect(await s.handle('datasets:import', { name: 'a/b', dir: '/tmp' })).toMatchObject({ ok: false, error: { code: 'invalid-request', message: expect.stringMatching(/name: must be a name/) } });
  });

  it('serves thumbnails by hash to token holders only', async () => {
    const { value, ended, s } = studio();
    const { jobId, datasetId } = await value<Responses['datasets:import']>('datasets:import', { name: 'one', dir: await pictures(1) });
    await ended(jobId);
    const [item] = (await value<Responses['datasets:items']>('datasets:items', { datasetId })).items;
    const server = await startStudioServer({ host: '127.0.0.1', port: 0, pictures: (path) => s.pictureFile(path), handler: s });
    const base = new URL(server.url);
    const ok = await fetch(`http://${base.host}/thumbnails/${item.hash}.webp?token=${server.token}`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('image/webp');
    expect(ok.headers.get('cache-control')).toMatch(/immutable/); // named by content: a browser never asks twice
    expect((await sharp(Buffer.from(await ok.arrayBuffer())).metadata()).format).toBe('webp');
    expect((await fetch(`http://${base.host}/thumbnails/${item.hash}.webp`)).status).toBe(403);
    expect((await fetch(`http://${base.host}/thumbnails/../catalogue.sqlite?token=${server.token}`)).status).toBe(404);
    const original = await fetch(`http://${base.host}/items/${item.id}?token=${server.token}`);
    expect(original.headers.get('cache-control')).toBeNull(); // an item's file can change under the same id
    expect(original.headers.get('content-type')).toBe('image/png');
    expect((await sharp(Buffer.from(await original.arrayBuffer())).metadata()).width).toBe(80);
    expect((await fetch(`http://${base.host}/items/${item.id}`)).status).toBe(403);
    await server.close();
  });
});

const RENPY = '/usr/share/games/renpy/demo/game/images';
const ANIME = join(__dirname, '..', '..', '..', 'shared', 'data', 'lbpcascade_animeface.xml');

describe.skipIf(!existsSync(RENPY) || !existsSync(ANIME))('face cropping from the studio', () => {
  it('previews boxes on a few pictures, then crops a dataset into a new one whose items remember their source and box', async () => {
    const { value, ended, s, workspace } = studio();
    const dir = mkdtempSync(join(tmpdir(), 'ds-faces-'));
    for (const f of ['eileen happy.png', 'lucy happy.png', 'eileen concerned.png', 'bg whitehouse.jpg']) copyFileSync(join(RENPY, f), join(dir, f));
    const imported = await value<Responses['datasets:import']>('datasets:import', { name: 'sprites', dir });
    await ended(imported.jobId);

    const preview = await value<Responses['faces:preview']>('faces:preview', { datasetId: imported.datasetId, cascade: ANIME, params: {}, count: 3 });
    expect(preview.pictures).toHaveLength(3);
    // three of the four pictures, spread by name: bg whitehouse (no face), eileen concerned, eileen happy
    expect(preview.pictures.map((p) => p.boxes.length)).toEqual([0, 1, 1]);
    expect(await s.handle('faces:preview', { datasetId: imported.datasetId, cascade: 'cats', params: {} })).toMatchObject({ ok: false, error: { code: 'invalid-request', message: expect.stringMatching(/neither anime nor frontalface/) } });

    const crop = await value<Responses['faces:crop']>('faces:crop', { datasetId: imported.datasetId, name: 'faces', cascade: ANIME, params: { size: 64 } });
    expect(await ended(crop.jobId)).toMatchObject({ kind: 'crop', status: 'done', done: 4, total: 4, problems: 0 });
    const { datasets } = await value<Responses['datasets:list']>('datasets:list', {});
    expect(datasets.find((d) => d.name === 'faces')).toMatchObject({ kind: 'crops', items: 3, source: join(workspace, 'crops', 'faces') });
    const { items } = await value<Responses['datasets:items']>('datasets:items', { datasetId: crop.datasetId });
    expect(items.map((i) => [i.path, i.width, i.height])).toEqual([['eileen concerned-face1.png', 64, 64], ['eileen happy-face1.png', 64, 64], ['lucy happy-face1.png', 64, 64]]);
    expect(items[2].source).toMatchObject({ width: 420, height: 720, box: { x: expect.any(Number), y: expect.any(Number) } });
    expect(s.pictureFile(`items/${items[2].source!.itemId}`)).toBe(join(dir, 'lucy happy.png'));
    expect(s.pictureFile(`items/${items[2].id}`)).toBe(join(workspace, 'crops', 'faces', 'lucy happy-face1.png'));
    expect(s.pictureFile('items/999999')).toBeUndefined();
    const db = openCatalogue(join(workspace, 'catalogue.sqlite'));
    const row = db.prepare("SELECT s.path source, i.box FROM items i JOIN items s ON s.id = i.source_item_id WHERE i.path = 'lucy happy-face1.png'").get() as { source: string; box: string };
    db.close();
    expect(row.source).toBe('lucy happy.png');
    expect(JSON.parse(row.box)).toMatchObject({ x: expect.any(Number), width: expect.any(Number) });
    expect(await s.handle('faces:crop', { datasetId: imported.datasetId, name: 'sprites', cascade: ANIME, params: {} })).toMatchObject({ ok: false, error: { code: 'conflict' } });
  });
});

describe('embedded sets in the catalogue', () => {
  it('adds MNIST digits as a dataset labelled by class, written as files once', async () => {
    const { value, ended, workspace } = studio();
    const { jobId, datasetId } = await value<Responses['datasets:embedded']>('datasets:embedded', { set: 'mnist', limit: 40 });
    expect(await ended(jobId)).toMatchObject({ status: 'done', done: 40, problems: 0 });
    const { datasets } = await value<Responses['datasets:list']>('datasets:list', {});
    const mnist = datasets.find((d) => d.id === datasetId)!;
    expect(mnist).toMatchObject({ name: 'mnist (40)', items: 40, included: 40 });
    expect(mnist.labels.length).toBeGreaterThanOrEqual(8);
    const { items } = await value<Responses['datasets:items']>('datasets:items', { datasetId, label: '7' });
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((i) => i.path.startsWith('7/') && i.width === 28 && i.height === 28)).toBe(true);
    expect(existsSync(join(workspace, 'embedded', 'mnist-40', '7'))).toBe(true);
  });

  it('adds the cartoon faces labelled by style and tagged with what DiceBear picked', async () => {
    process.env.XDG_CACHE_HOME = mkdtempSync(join(tmpdir(), 'gan-cache-'));
    const { value, ended } = studio();
    const { jobId, datasetId } = await value<Responses['datasets:embedded']>('datasets:embedded', { set: 'cartoon-faces', limit: 30 });
    expect(await ended(jobId)).toMatchObject({ status: 'done', done: 30, problems: 0 });
    const faces = (await value<Responses['datasets:list']>('datasets:list', {})).datasets.find((d) => d.id === datasetId)!;
    expect(faces).toMatchObject({ name: 'cartoon-faces (30)', items: 30, labels: ['adventurer', 'lorelei', 'notionists'] });
    const { items } = await value<Responses['datasets:items']>('datasets:items', { datasetId, label: 'lorelei' });
    expect(items.map((i) => i.path)).toEqual(Array.from({ length: 10 }, (_, k) => `lorelei/${String(3 * k + 1).padStart(5, '0')}.png`));
    expect(items.every((i) => i.width === 64 && i.tags.some((t) => t.startsWith('hair:')) && i.tags.some((t) => t.startsWith('mouth:')))).toBe(true);
    const all = (await value<Responses['datasets:items']>('datasets:items', { datasetId })).items;
    expect(all.filter((i) => i.tags.includes('glasses')).length).toBeGreaterThan(0); // DiceBear's 10 % chance, seeded
    expect(all.filter((i) => i.tags.includes('glasses')).length).toBeLessThan(15);
  }, 60_000);
});

describe('duplicate review', () => {
  it('lists exact copies and near-duplicates as groups of items', async () => {
    const { value, ended } = studio();
    const dir = await pictures(4);
    copyFileSync(join(dir, 'pic 000.png'), join(dir, 'pic 000 copy.png'));
    await sharp(join(dir, 'pic 002.png')).resize(60, 60).jpeg({ quality: 92 }).toFile(join(dir, 'pic 002 smaller.jpg'));
    const { jobId, datasetId } = await value<Responses['datasets:import']>('datasets:import', { name: 'dups', dir });
    await ended(jobId);
    const groups = await value<Responses['datasets:duplicates']>('datasets:duplicates', { datasetId });
    expect(groups.exact.map((g) => g.map((i) => i.path).sort())).toEqual([['pic 000 copy.png', 'pic 000.png']]);
    expect(groups.near.map((g) => g.map((i) => i.path).sort())).toContainEqual(['pic 002 smaller.jpg', 'pic 002.png']);
    expect(groups.exact[0][0]).toMatchObject({ included: true, hash: expect.stringMatching(/^[0-9a-f]{64}$/) });

    // a re-import that brings a new copy is seen (groups are cached until a job changes the dataset)
    copyFileSync(join(dir, 'pic 001.png'), join(dir, 'pic 001 again.png'));
    await ended((await value<Responses['datasets:import']>('datasets:import', { name: 'dups', dir })).jobId);
    const after = await value<Responses['datasets:duplicates']>('datasets:duplicates', { datasetId });
    expect(after.exact.map((g) => g.map((i) => i.path).sort())).toContainEqual(['pic 001 again.png', 'pic 001.png']);
    expect((await value<Responses['datasets:items']>('datasets:items', { datasetId, duplicates: true })).items.map((i) => i.path)).toContain('pic 001 again.png');
  });
});

describe('curation that learns from a run', () => {
  it("scores a curated dataset's pictures by a run, sorts them by each score, and refuses a run not trained on one", async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'ds-curate-'));
    const s = new Studio(workspace, 'wasm', { kind: 'server' });
    const events: { event: string; payload: unknown }[] = [];
    s.subscribe((event, payload) => events.push({ event, payload }));
    const value = valueOf(s);
    const job = async (jobId: number) => {
      const end = () => events.find((e) => e.event === 'jobs:update' && (e.payload as JobInfo).jobId === jobId && (e.payload as JobInfo).status !== 'running')?.payload as JobInfo | undefined;
      while (!end()) await new Promise((r) => setTimeout(r, 50));
      return end()!;
    };
    const trained = async (runId: string) => {
      while (!events.some((e) => e.event === 'training:status' && (e.payload as { runId: string; status: string }).runId === runId && ['finished', 'failed'].includes((e.payload as { status: string }).status))) await new Promise((r) => setTimeout(r, 50));
    };
    const imported = await value<Responses['datasets:import']>('datasets:import', { name: 'shapes', dir: await pictures(12) });
    await job(imported.jobId);
    const tiny = { model: { width: 0.125, latentDim: 8 }, train: { batchSize: 4, steps: 4 }, monitor: { featureSpace: 'mnist-classifier' } };
    await value('training:start', { preset: 'mnist-quick', runId: 'on-shapes', overrides: { ...tiny, data: { source: 'catalogue', dataset: 'shapes' } } });
    await value('training:start', { preset: 'mnist-quick', runId: 'on-digits', overrides: { ...tiny, data: { limit: 64 } } });
    await Promise.all([trained('on-shapes'), trained('on-digits')]);

    expect(await s.handle('datasets:score', { runId: 'on-digits' })).toMatchObject({ ok: false, error: { code: 'invalid-request', message: expect.stringMatching(/trained on mnist, not on a curated dataset/) } });
    const { jobId, datasetId } = await value<Responses['datasets:score']>('datasets:score', { runId: 'on-shapes', samples: 50, inversionSteps: 10 });
    expect(datasetId).toBe(imported.datasetId);
    expect(await job(jobId)).toMatchObject({ kind: 'curation', status: 'done', done: 36, total: 36 });

    expect((await value<Responses['datasets:list']>('datasets:list', {})).datasets[0].scoredBy).toEqual(['on-shapes']);
    for (const sortBy of ['realness', 'inversionError', 'nearestSample'] as const) {
      const { items } = await value<Responses['datasets:items']>('datasets:items', { datasetId, scores: { runId: 'on-shapes', sortBy, order: 'asc' } });
      const values = items.map((i) => i.scores![sortBy]);
      expect(values).toHaveLength(12);
      expect(values).toEqual([...values].sort((a, b) => a - b));
      const down = await value<Responses['datasets:items']>('datasets:items', { datasetId, limit: 3, offset: 1, scores: { runId: 'on-shapes', sortBy, order: 'desc' } });
      expect(down.items.map((i) => i.scores![sortBy])).toEqual([...values].reverse().slice(1, 4));
      // A threshold keeps the items before it in the order: at most it ascending, at least it descending.
      const low = await value<Responses['datasets:items']>('datasets:items', { datasetId, scores: { runId: 'on-shapes', sortBy, order: 'asc', upTo: values[4] } });
      expect(low.items.map((i) => i.scores![sortBy])).toEqual(values.filter((v) => v <= values[4]));
      expect(low.total).toBe(low.items.length);
      const high = await value<Responses['datasets:items']>('datasets:items', { datasetId, limit: 2, scores: { runId: 'on-shapes', sortBy, order: 'desc', upTo: values[7] } });
      expect(high.total).toBe(values.filter((v) => v >= values[7]).length);
      expect(high.items.map((i) => i.scores![sortBy])).toEqual([...values].reverse().slice(0, 2));
    }
    // Without a score order, items come by name and carry no scores.
    const plain = await value<Responses['datasets:items']>('datasets:items', { datasetId, limit: 2 });
    expect(plain.items.map((i) => [i.path, i.scores])).toEqual([['pic 000.png', undefined], ['pic 001.png', undefined]]);

    // The dataset's map: every readable picture placed once, the same places when made again (seeded).
    expect((await value<Responses['datasets:map-points']>('datasets:map-points', { datasetId })).points).toEqual([]);
    await job((await value<Responses['datasets:map']>('datasets:map', { datasetId })).jobId);
    const { points } = await value<Responses['datasets:map-points']>('datasets:map-points', { datasetId });
    expect(points).toHaveLength(12);
    expect(points.every((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && p.included)).toBe(true);
    await job((await value<Responses['datasets:map']>('datasets:map', { datasetId })).jobId);
    expect((await value<Responses['datasets:map-points']>('datasets:map-points', { datasetId })).points).toEqual(points);
    expect(await s.handle('datasets:map', { datasetId: 99 })).toMatchObject({ ok: false, error: { code: 'not-found', message: 'datasetId: no dataset 99' } });
  }, 240_000);
});
