/**
 * Exports over the contract: a run's generator as ONNX / the web toy (with the run's z-space bookmarks), an
 * interpolation and a timelapse as videos, each video a job whose progress and end arrive as jobs:update events,
 * cancellable through jobs:cancel without leaving a file.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Studio } from '../../src/main/services/studio';
import { trainTinyRun, valueOf } from './studioValue';
import type { JobInfo, Responses } from '../../src/shared/contract';


describe('exports over the contract', () => {
  const workspace = mkdtempSync(join(tmpdir(), 'gan-exports-'));
  const studio = new Studio(workspace, 'wasm', { kind: 'server' });
  const jobs: JobInfo[] = [];
  studio.subscribe((event, payload) => {
    if (event === 'jobs:update') jobs.push(payload as JobInfo);
  });
  const value = valueOf(studio);

  beforeAll(async () => {
    await trainTinyRun(studio, 'digits');
  }, 120_000);
  afterAll(() => studio.stopAll());

  it('exports the generator as ONNX and as the web toy carrying the run\'s bookmarks', async () => {
    const onnx = await value<Responses['runs:export']>('runs:export', { runId: 'digits', format: 'onnx' });
    expect(onnx).toMatchObject({ file: 'runs/digits/exports/generator-4.onnx', step: 4, ema: false });
    expect(readFileSync(join(workspace, 'digits', 'exports', 'generator-4.onnx')).length).toBe(onnx.bytes);

    await value('bookmarks:add', { runId: 'digits', name: 'round one', latent: Array.from({ length: 8 }, (_, i) => i / 8) });
    const toy = await value<Responses['runs:export']>('runs:export', { runId: 'digits', format: 'toy' });
    expect(toy).toMatchObject({ file: 'runs/digits/exports/generator-4-toy', bookmarks: { kept: 1, skipped: 0 } });
    const script = readFileSync(join(workspace, 'digits', 'exports', 'generator-4-toy', 'model.js'), 'utf8');
    expect(script).toContain('"name":"round one"');
  }, 60_000);

  it('imports an exported generator as a run the lab opens and draws from; refusals leave nothing behind', async () => {
    const file = join(workspace, 'digits', 'exports', 'generator-4.onnx'); // written by the first test
    expect(await value('runs:import-generator', { path: file, runId: 'digits-onnx' })).toEqual({ runId: 'digits-onnx', format: 'onnx', latentDim: 8, classes: 0, imageShape: [28, 28, 1] });
    const listed = (await value<Responses['runs:list']>('runs:list', {})).runs.find((r) => r.runId === 'digits-onnx');
    expect(listed).toMatchObject({ status: 'finished', imported: { format: 'onnx', source: file } });
    expect(await value('runs:get', { runId: 'digits-onnx' })).toMatchObject({ summary: { imported: { format: 'onnx' } }, samples: [] });
    expect(await value('lab:open', { runId: 'digits-onnx' })).toMatchObject({ latentDim: 8, imageShape: [28, 28, 1], dataset: 'imported onnx: generator-4.onnx', ema: false });
    const latents = [Array.from({ length: 8 }, (_, i) => i / 8 - 0.5)];
    const [drawn] = (await value<Responses['lab:render']>('lab:render', { runId: 'digits-onnx', latents })).images;
    const [original] = (await value<Responses['lab:render']>('lab:render', { runId: 'digits', latents })).images;
    expect(drawn).toBe(original); // the same PNG: the imported graph draws what the run draws
    const nearest = await studio.handle('lab:nearest', { runId: 'digits-onnx', latent: latents[0] });
    expect(!nearest.ok && nearest.error.message).toMatch(/imported from .*: there are no training pictures to search/);

    const refused = async (payload: object, code: string, message: RegExp): Promise<void> => {
      const reply = await studio.handle('runs:import-generator', payload);
      expect(reply).toMatchObject({ ok: false, error: { code } });
      expect(!reply.ok && reply.error.message).toMatch(message);
    };
    await refused({ path: file, runId: 'digits-onnx' }, 'conflict', /a run named 'digits-onnx' exists already/);
    await refused({ path: 'generator-4.onnx', runId: 'relative' }, 'invalid-request', /must be an absolute path/);
    await refused({ path: join(workspace, 'digits', 'metrics.jsonl'), runId: 'not-a-model' }, 'invalid-request', /metrics\.jsonl' is not an ONNX model/);
    expect(existsSync(join(workspace, 'not-a-model'))).toBe(false);
  }, 60_000);

  it('refuses an export of a snapshot the run does not have, naming it', async () => {
    const reply = await studio.handle('runs:export', { runId: 'digits', format: 'tfjs', snapshot: 'best' });
    expect(reply).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });

  it('exports an interpolation as MP4 as a job that reports each frame, served as a run picture', async () => {
    jobs.length = 0;
    const latents = Array.from({ length: 6 }, (_, f) => Array.from({ length: 8 }, (_, i) => (f - i) / 4));
    const out = await value<Responses['lab:export']>('lab:export', { runId: 'digits', latents, kind: 'mp4', frameMs: 100 });
    expect(out.file).toMatch(/^runs\/digits\/exports\/mp4-\d+\.mp4$/);
    expect(existsSync(studio.pictureFile(out.file)!)).toBe(true);
    const mine = jobs.filter((j) => j.kind === 'export');
    expect(mine[0]).toMatchObject({ status: 'running', total: 6, cancellable: true });
    expect(mine.at(-1)).toMatchObject({ status: 'done', done: 6, total: 6 });
  }, 60_000);

  it('films the training as a WebM job, and a cancelled one ends cancelled with no file', async () => {
    jobs.length = 0;
    const film = await value<Responses['runs:timelapse']>('runs:timelapse', { runId: 'digits', format: 'webm', fps: 4 });
    expect(film.frames).toBe(3); // steps 0, 2, 4
    expect(existsSync(studio.pictureFile(film.file)!)).toBe(true);
    expect(jobs.at(-1)).toMatchObject({ kind: 'export', status: 'done', done: 3 });

    const before = readdirSync(join(workspace, 'digits', 'exports')).length;
    const cancelOnStart = studio.subscribe((event, payload) => {
      const job = payload as JobInfo;
      if (event === 'jobs:update' && job.kind === 'export' && job.status === 'running' && job.done === 0) void studio.handle('jobs:cancel', { jobId: job.jobId });
    });
    const reply = await studio.handle('runs:timelapse', { runId: 'digits', format: 'mp4', fps: 4 });
    cancelOnStart();
    expect(reply.ok).toBe(false);
    expect(jobs.at(-1)).toMatchObject({ kind: 'export', status: 'cancelled' });
    expect(readdirSync(join(workspace, 'digits', 'exports'))).toHaveLength(before);
  }, 60_000);
});
