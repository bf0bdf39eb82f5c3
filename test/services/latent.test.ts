import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Studio } from '../../src/main/services/studio';
import { TINY_RUN, trainTinyRun, valueOf } from './studioValue';
import type { Events, Responses } from '../../src/shared/contract';

const pngOf = (dataUrl: string): Buffer => Buffer.from(dataUrl.replace(/^data:image\/png;base64,/, ''), 'base64');

describe('the latent lab over the contract', () => {
  const workspace = mkdtempSync(join(tmpdir(), 'gan-lab-'));
  const studio = new Studio(workspace, 'wasm', { kind: 'server' });
  const events: Events['lab:inversion'][] = [];
  studio.subscribe((event, payload) => {
    if (event === 'lab:inversion') events.push(payload as Events['lab:inversion']);
  });
  const value = valueOf(studio);

  beforeAll(async () => {
    await trainTinyRun(studio, 'lab');
  }, 120_000);
  afterAll(() => studio.stopAll());

  it('keeps a process alive while a request waits on the lab worker, and lets it end once idle', () => {
    // The idle worker is unref'd; were it while a request waits, a process with nothing else to do would end
    // without the reply (a command line, a bench).
    const script = `
      const { Studio } = require('./src/main/services/studio.ts');
      new Studio(${JSON.stringify(workspace)}, 'cpu', { kind: 'server' }).handle('lab:open', { runId: 'lab' }).then((r) => console.log(JSON.stringify(r)));`;
    const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, value: { runId: 'lab', latentDim: 8 } });
  }, 90_000);

  it("does not fail a new worker's requests when the worker it replaced reports its exit late", async () => {
    const service = (studio as unknown as { latent: { lab?: { worker: import('node:worker_threads').Worker } } }).latent;
    const render = () => studio.handle('lab:render', { runId: 'lab', latents: [Array.from({ length: 8 }, () => 0)] });
    expect(await render()).toMatchObject({ ok: true });
    const old = service.lab!.worker;
    old.emit('error', new Error('lost')); // as a crashing worker reports itself: the service lets it go
    const next = render(); // a successor starts
    await old.terminate(); // the old one's 'exit' arrives while the successor works
    expect(await next).toMatchObject({ ok: true });
    expect(service.lab).toBeDefined();
    expect(service.lab!.worker).not.toBe(old);
  }, 60_000);

  it('opens a run, draws a seeded sheet and renders latents, refusing ones of the wrong length', async () => {
    expect(await value('lab:open', { runId: 'lab' })).toMatchObject({ runId: 'lab', step: 4, latentDim: 8, imageShape: [28, 28, 1], preset: 'mnist-quick', dataset: 'mnist', ema: false });
    const sheet = await value<Responses['lab:sheet']>('lab:sheet', { runId: 'lab', seed: 3, count: 4 });
    expect(sheet.latents).toHaveLength(4);
    expect(sheet.latents[0]).toHaveLength(8);
    expect(await sharp(pngOf(sheet.images[0])).metadata()).toMatchObject({ format: 'png', width: 28, height: 28 });
    expect((await value<Responses['lab:sheet']>('lab:sheet', { runId: 'lab', seed: 3, count: 4 })).latents).toEqual(sheet.latents);
    expect((await value<Responses['lab:sheet']>('lab:sheet', { runId: 'lab', seed: 4, count: 4 })).latents).not.toEqual(sheet.latents);

    const rendered = await value<Responses['lab:render']>('lab:render', { runId: 'lab', latents: sheet.latents.slice(0, 2) });
    expect(rendered.images).toEqual(sheet.images.slice(0, 2));
    expect(await studio.handle('lab:render', { runId: 'lab', latents: [[1, 2, 3]] })).toMatchObject({ ok: false, error: { code: 'invalid-request', message: expect.stringMatching(/latents\[0\]: has 3 values, run 'lab' draws from 8/) } });
    expect(await studio.handle('lab:open', { runId: 'nothing-here' })).toMatchObject({ ok: false, error: { code: 'not-found', message: expect.stringMatching(/nothing-here/) } });
  });

  it('finds directions and exports a strip and a GIF into the run folder', async () => {
    const { directions } = await value<Responses['lab:directions']>('lab:directions', { runId: 'lab', count: 3, samples: 200 });
    expect(directions.map((d) => d.vector.length)).toEqual([8, 8, 8]);
    const { latents } = await value<Responses['lab:sheet']>('lab:sheet', { runId: 'lab', seed: 1, count: 5 });
    const strip = await value<Responses['lab:export']>('lab:export', { runId: 'lab', latents, kind: 'strip' });
    expect(strip.file).toMatch(/^runs\/lab\/exports\/strip-\d+\.png$/);
    expect(await sharp(studio.pictureFile(strip.file)!).metadata()).toMatchObject({ width: 5 * 28 + 6 * 2, height: 28 + 4 });
    const gif = await value<Responses['lab:export']>('lab:export', { runId: 'lab', latents, kind: 'gif', frameMs: 80 });
    expect(gif).toMatchObject({ file: expect.stringMatching(/^runs\/lab\/exports\/gif-\d+\.gif$/), frames: 5 });
    // (a 4-step generator draws nearly the same picture five times, and GIF merges equal frames: test/engine counts frames)
    expect(await sharp(studio.pictureFile(gif.file)!, { pages: -1 }).metadata()).toMatchObject({ format: 'gif', loop: 0 });
  });

  it('keeps bookmarks in the catalogue and round-trips them through their JSON file', async () => {
    const { latents } = await value<Responses['lab:sheet']>('lab:sheet', { runId: 'lab', seed: 9, count: 2 });
    const a = (await value<Responses['bookmarks:add']>('bookmarks:add', { runId: 'lab', name: 'man with glasses', latent: latents[0], tags: ['A'] })).bookmark;
    await value('bookmarks:add', { runId: 'lab', name: 'woman', latent: latents[1], tags: ['C'], origin: 'arithmetic' });
    expect(a).toMatchObject({ name: 'man with glasses', runId: 'lab', step: 4, tags: ['A'], origin: 'sample', thumbnail: expect.stringMatching(/^data:image\/png;base64,/) });
    a.latent.forEach((x, i) => expect(x).toBeCloseTo(latents[0][i], 6));

    const { file } = await value<Responses['bookmarks:export']>('bookmarks:export', {});
    const json = JSON.parse(JSON.stringify(file)) as unknown; // as it travels in a file
    expect(await value('bookmarks:delete', { ids: (await value<Responses['bookmarks:list']>('bookmarks:list', {})).bookmarks.map((b) => b.id) })).toEqual({ deleted: 2 });
    expect(await value('bookmarks:import', { file: json })).toEqual({ imported: 2 });
    const back = (await value<Responses['bookmarks:list']>('bookmarks:list', { runId: 'lab' })).bookmarks;
    expect(back.map((b) => [b.name, b.tags, b.origin])).toEqual([['man with glasses', ['A'], 'sample'], ['woman', ['C'], 'arithmetic']]);
    expect(back[0].latent).toEqual(a.latent);
    expect(back[0].thumbnail).toBe(a.thumbnail);
    // a file written before w space existed holds z latents
    const older = { ...(json as { bookmarks: object[] }), bookmarks: (json as { bookmarks: Record<string, unknown>[] }).bookmarks.map(({ space: _space, ...b }) => b) };
    expect(await value('bookmarks:import', { file: older })).toEqual({ imported: 2 });
    const all = (await value<Responses['bookmarks:list']>('bookmarks:list', { runId: 'lab' })).bookmarks;
    expect(all.map((b) => b.space)).toEqual(['z', 'z', 'z', 'z']);
    await value('bookmarks:delete', { ids: all.slice(2).map((b) => b.id) });
    expect(await studio.handle('bookmarks:import', { file: { format: 'something-else', version: 1, bookmarks: [] } })).toMatchObject({ ok: false, error: { code: 'invalid-request', message: expect.stringMatching(/file\.format/) } });
    // a bookmark's run id follows the run-id rule: '../other' would open a checkpoint outside the workspace
    for (const runId of ['../other', '..', 'a/b']) {
      const hostile = { ...(json as { bookmarks: unknown[] }), bookmarks: [{ ...(json as { bookmarks: object[] }).bookmarks[0], runId }] };
      expect(await studio.handle('bookmarks:import', { file: hostile }), runId).toMatchObject({ ok: false, error: { code: 'invalid-request', message: expect.stringMatching(/file\.bookmarks\.0\.runId: must be a run name/) } });
    }
    expect((await value<Responses['bookmarks:list']>('bookmarks:list', {})).bookmarks).toHaveLength(2);
  });

  it('serves a conditional run: class names, a sheet cycling through the classes, renders and bookmarks with their class', async () => {
    await value('training:start', { preset: 'mnist-cgan', runId: 'cgan', overrides: TINY_RUN });
    while ((await value<Responses['runs:list']>('runs:list', {})).runs.find((r) => r.runId === 'cgan')?.status !== 'finished') await new Promise((r) => setTimeout(r, 100));
    const model = await value<Responses['lab:open']>('lab:open', { runId: 'cgan' });
    expect(model.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect((await value<Responses['lab:open']>('lab:open', { runId: 'lab' })).classes).toEqual([]);

    const oneHot = (k: number) => Array.from({ length: 10 }, (_, i) => (i === k ? 1 : 0));
    const { latents } = await value<Responses['lab:sheet']>('lab:sheet', { runId: 'cgan', seed: 2, count: 2 });
    const z = latents[0];
    const [three, seven] = (await value<Responses['lab:render']>('lab:render', { runId: 'cgan', latents: [z, z], labels: [oneHot(3), oneHot(7)] })).images;
    expect(three).not.toBe(seven); // the same latent, another class: another picture
    expect(await studio.handle('lab:render', { runId: 'cgan', latents: [z] })).toMatchObject({ ok: false, error: { code: 'invalid-request', message: expect.stringMatching(/labels: run 'cgan' is conditional: give each picture's 10 class weights/) } });
    expect(await studio.handle('lab:render', { runId: 'cgan', latents: [z], labels: [[1, 0]] })).toMatchObject({ ok: false, error: { message: expect.stringMatching(/labels\[0\]: has 2 values, run 'cgan' has 10 classes/) } });
    expect(await studio.handle('lab:render', { runId: 'lab', latents: [latents[0].slice(0, 8)], labels: [oneHot(1)] })).toMatchObject({ ok: false, error: { message: expect.stringMatching(/run 'lab' is not conditional/) } });

    const { bookmark } = await value<Responses['bookmarks:add']>('bookmarks:add', { runId: 'cgan', name: 'a seven', latent: z, label: oneHot(7) });
    expect(bookmark.label).toEqual(oneHot(7));
    expect(bookmark.thumbnail).toBe(seven);
    const { directions } = await value<Responses['lab:directions']>('lab:directions', { runId: 'cgan', count: 2, samples: 100, label: oneHot(7) });
    expect(directions).toHaveLength(2);
  }, 60_000);

  it('inverts a picture with progress events and finds the nearest training pictures', async () => {
    const { latents, images } = await value<Responses['lab:sheet']>('lab:sheet', { runId: 'lab', seed: 21, count: 1 });
    const picture = join(workspace, 'drawn.png');
    writeFileSync(picture, pngOf(images[0]));
    expect(await studio.handle('lab:invert', { runId: 'lab', path: picture, itemId: 3 })).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    expect(await studio.handle('lab:invert', { runId: 'lab', path: join(workspace, 'missing.png') })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await studio.handle('jobs:cancel', { jobId: 999 })).toMatchObject({ ok: false, error: { code: 'not-found' } });

    const { jobId } = await value<Responses['lab:invert']>('lab:invert', { runId: 'lab', path: picture, steps: 120, restarts: 3 });
    while (!events.some((e) => e.jobId === jobId && e.status !== 'running')) await new Promise((r) => setTimeout(r, 50));
    const mine = events.filter((e) => e.jobId === jobId);
    expect(mine.filter((e) => e.status === 'running').map((e) => e.step).slice(0, 2)).toEqual([10, 20]);
    const end = mine.at(-1)!;
    expect(end).toMatchObject({ status: 'done', step: 120, image: expect.stringMatching(/^data:image\/png/) });
    expect(end.error).toBeLessThanOrEqual(end.initialError!); // (a 4-step generator draws nearly one picture: test/engine checks the ≥ 10× recovery)
    expect(end.latent).toHaveLength(8);
    expect(latents[0]).toHaveLength(8);

    const { neighbours } = await value<Responses['lab:nearest']>('lab:nearest', { runId: 'lab', latent: end.latent!, count: 3 });
    expect(neighbours).toHaveLength(3);
    expect(neighbours[0].distance).toBeLessThanOrEqual(neighbours[1].distance);
    expect(neighbours.every((n) => n.index >= 0 && n.index < 64)).toBe(true); // the run's 64 training digits
  }, 60_000);

  it("explores a style-based run in z or w with a truncation ψ, and keeps each bookmark's space", async () => {
    await value('training:start', { preset: 'mnist-quick', runId: 'style', overrides: { ...TINY_RUN, model: { kind: 'style', imageSize: 32, width: 1, latentDim: 8 } } });
    while ((await value<Responses['runs:list']>('runs:list', {})).runs.find((r) => r.runId === 'style')?.status !== 'finished') await new Promise((r) => setTimeout(r, 100));
    expect(await value('lab:open', { runId: 'style' })).toMatchObject({ spaces: ['z', 'w'], space: 'z', truncation: 1 });
    expect(await studio.handle('lab:open', { runId: 'lab', space: 'w' })).toMatchObject({ ok: false, error: { code: 'invalid-request', message: expect.stringMatching(/space: run 'lab' has no w space: only a style-based generator/) } });
    const inZ = await value<Responses['lab:sheet']>('lab:sheet', { runId: 'style', seed: 5, count: 3 });
    await value('bookmarks:add', { runId: 'style', name: 'in z', latent: inZ.latents[0] });

    // In w the same seed's sheet is the same pictures: w = mapping(z) of the same z.
    expect(await value('lab:open', { runId: 'style', space: 'w' })).toMatchObject({ space: 'w', truncation: 1 });
    const inW = await value<Responses['lab:sheet']>('lab:sheet', { runId: 'style', seed: 5, count: 3 });
    expect(inW.latents).not.toEqual(inZ.latents);
    expect(inW.images).toEqual(inZ.images);
    expect((await value<Responses['lab:render']>('lab:render', { runId: 'style', latents: inW.latents.slice(0, 1) })).images[0]).toBe(inZ.images[0]);
    const { bookmark } = await value<Responses['bookmarks:add']>('bookmarks:add', { runId: 'style', name: 'in w', latent: inW.latents[1] });
    expect(bookmark).toMatchObject({ space: 'w', thumbnail: inZ.images[1] });
    expect((await value<Responses['bookmarks:list']>('bookmarks:list', { runId: 'style' })).bookmarks.map((b) => [b.name, b.space])).toEqual([['in z', 'z'], ['in w', 'w']]);
    const { directions } = await value<Responses['lab:directions']>('lab:directions', { runId: 'style', count: 2, samples: 100 });
    expect(directions.map((d) => d.vector.length)).toEqual([8, 8]);

    // ψ = 0: every latent draws the picture of w's mean; the setting holds for later calls until changed.
    expect(await value('lab:open', { runId: 'style', truncation: 0 })).toMatchObject({ space: 'w', truncation: 0 });
    const truncated = await value<Responses['lab:sheet']>('lab:sheet', { runId: 'style', seed: 5, count: 3 });
    expect(new Set(truncated.images).size).toBe(1);
    expect(truncated.images[0]).not.toBe(inZ.images[0]);
    expect(await value('lab:open', { runId: 'style', space: 'z', truncation: 1 })).toMatchObject({ space: 'z', truncation: 1 });
    expect((await value<Responses['lab:sheet']>('lab:sheet', { runId: 'style', seed: 5, count: 3 })).images).toEqual(inZ.images);
  }, 90_000);
});
