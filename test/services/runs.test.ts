import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Studio } from '../../src/main/services/studio';
import { valueOf } from './studioValue';
import { presetConfig } from '../../src/shared/config/presets';
import type { Events, Responses } from '../../src/shared/contract';

const tiny = { model: { width: 0.125, latentDim: 8 }, data: { limit: 64 }, train: { batchSize: 8, steps: 4 }, monitor: { sampleEvery: 2, checkpointEvery: 2, evalEvery: 2, snapshotEvery: 2, evalSamples: 20 } };

function studioIn(workspace = mkdtempSync(join(tmpdir(), 'gan-runs-')), backend: 'wasm' | 'cpu' = 'wasm') {
  const studio = new Studio(workspace, backend, { kind: 'server' });
  const statuses: Events['training:status'][] = [];
  studio.subscribe((event, payload) => {
    if (event === 'training:status') statuses.push(payload as Events['training:status']);
  });
  const settled = async (runId: string, count: number): Promise<void> => {
    const done = () => statuses.filter((s) => s.runId === runId && ['finished', 'stopped', 'failed'].includes(s.status)).length >= count;
    while (!done()) await new Promise((r) => setTimeout(r, 50));
  };
  const value = valueOf(studio);
  return { studio, workspace, settled, value };
}

/** A run folder as a crashed or failed run leaves it, without training. */
function fakeRun(workspace: string, runId: string, steps: number, extra: (dir: string) => void = () => {}): void {
  const dir = join(workspace, runId);
  mkdirSync(join(dir, 'samples'), { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(presetConfig('mnist-quick')));
  for (let step = 1; step <= steps; step++) appendFileSync(join(dir, 'metrics.jsonl'), `${JSON.stringify({ step, lossD: 1 / step, lossG: step, dReal: 0.5, dFake: 0.4, imagesPerSec: 100 })}\n`);
  extra(dir);
}

describe('runs in the workspace', () => {
  it('lists a trained run, opens its charts and samples, and continues it from its checkpoint', async () => {
    const { studio, settled, value } = studioIn();
    await value('training:start', { preset: 'mnist-quick', runId: 'small', overrides: tiny });
    await settled('small', 1);

    const { runs } = await value<Responses['runs:list']>('runs:list', {});
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ runId: 'small', preset: 'mnist-quick', dataset: 'mnist', status: 'finished', step: 4, steps: 4, lastSample: 'samples/step-000004.png' });

    const detail = await value<Responses['runs:get']>('runs:get', { runId: 'small' });
    expect(detail.samples.map((s) => s.step)).toEqual([0, 2, 4]);
    expect(detail.series.lossD.map(([x]) => x)).toEqual([1, 2, 3, 4]);
    expect(detail.config.train.batchSize).toBe(8);
    // Measured at steps 2 and 4, each kept as a snapshot; the list shows the better one.
    expect(detail.quality.map((q) => [q.step, q.quality.space, q.quality.samples])).toEqual([[2, 'mnist-classifier', 20], [4, 'mnist-classifier', 20]]);
    expect(detail.snapshots.map((s) => s.step)).toEqual([2, 4]);
    const best = detail.quality.reduce((a, b) => (b.quality.kid < a.quality.kid ? b : a));
    expect(detail.snapshots.find((s) => s.best)!.step).toBe(best.step);
    expect(runs[0].best).toEqual({ step: best.step, kid: best.quality.kid, fid: best.quality.fid, space: 'mnist-classifier' });

    // The lab opens a snapshot, then the latest checkpoint again; a snapshot that is not kept is named.
    expect(await value('lab:open', { runId: 'small', snapshot: 2 })).toMatchObject({ step: 2, snapshot: 2 });
    expect(await value('lab:open', { runId: 'small', snapshot: 'best' })).toMatchObject({ step: best.step, snapshot: best.step });
    expect(await value('lab:open', { runId: 'small' })).toMatchObject({ step: 4 });
    expect(await studio.handle('lab:open', { runId: 'small', snapshot: 3 })).toMatchObject({ ok: false, error: { code: 'not-found', message: expect.stringMatching(/no snapshot at step 3 \(it keeps 2, 4\)/) } });

    // A snapshot continues as a new run; the original stays as it was.
    expect(await studio.handle('runs:continue', { runId: 'small', snapshot: 2 })).toMatchObject({ ok: false, error: { code: 'invalid-request', message: expect.stringMatching(/give both snapshot and into/) } });
    await value('runs:continue', { runId: 'small', snapshot: 2, into: 'small-from-2' });
    await settled('small-from-2', 1);
    const branch = await value<Responses['runs:get']>('runs:get', { runId: 'small-from-2' });
    expect(branch.summary).toMatchObject({ step: 4, status: 'finished' });
    expect(branch.series.lossD.map(([x]) => x)).toEqual([1, 2, 3, 4]);
    expect(branch.quality.map((q) => q.step)).toEqual([2, 4]);
    expect(await studio.handle('runs:continue', { runId: 'small', snapshot: 2, into: 'small-from-2' })).toMatchObject({ ok: false, error: { code: 'conflict' } });

    await value('runs:continue', { runId: 'small', steps: 6 });
    expect(await studio.handle('runs:continue', { runId: 'small' })).toMatchObject({ ok: false, error: { code: 'conflict' } });
    await settled('small', 2);
    const after = await value<Responses['runs:get']>('runs:get', { runId: 'small' });
    expect(after.summary).toMatchObject({ step: 6, lastSample: 'samples/step-000006.png' });
    expect(after.series.lossD.map(([x]) => x)).toEqual([1, 2, 3, 4, 5, 6]);
  }, 120_000);

  it('reads failed and crashed runs without losing them, and downsamples long histories', async () => {
    const { workspace, value, studio } = studioIn();
    fakeRun(workspace, 'crashed', 5000, (dir) => appendFileSync(join(dir, 'metrics.jsonl'), '{"step": 5001, "lossD'));
    fakeRun(workspace, 'broken', 3, (dir) => writeFileSync(join(dir, 'failure.json'), JSON.stringify({ message: 'out of memory', step: 3 })));
    mkdirSync(join(workspace, 'not-a-run'));

    const { runs } = await value<Responses['runs:list']>('runs:list', {});
    expect(Object.fromEntries(runs.map((r) => [r.runId, [r.status, r.step, r.message]]))).toEqual({
      crashed: ['stopped', 5000, undefined],
      broken: ['failed', 3, 'out of memory'],
    });
    const detail = await value<Responses['runs:get']>('runs:get', { runId: 'crashed', maxPoints: 100 });
    expect(detail.series.lossD.length).toBeLessThanOrEqual(100);
    expect(detail.series.lossD.length).toBeGreaterThan(40);
    // the merged curve keeps its shape: lossG = step, so y tracks x
    for (const [x, y] of detail.series.lossG) expect(y).toBeCloseTo(x, 6);
    expect(await studio.handle('runs:get', { runId: 'ghost' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await studio.handle('runs:continue', { runId: 'broken' })).toMatchObject({ ok: false, error: { code: 'not-found', message: expect.stringMatching(/no checkpoint/) } });
  });
});

describe('studio channels', () => {
  it('tells the host, refuses dialogs without a screen, and moves the workspace', async () => {
    const { studio, value, workspace } = studioIn(undefined, 'cpu');
    fakeRun(workspace, 'old', 2);
    expect(await value('studio:info', {})).toMatchObject({ host: 'server', workspace, canPickFolders: false, version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(await studio.handle('studio:pick-folder', {})).toMatchObject({ ok: false, error: { code: 'unsupported' } });
    expect(await studio.handle('studio:set-workspace', { path: 'relative/dir' })).toMatchObject({ ok: false, error: { code: 'invalid-request', message: expect.stringMatching(/absolute/) } });
    const elsewhere = mkdtempSync(join(tmpdir(), 'gan-moved-'));
    expect(await value('studio:set-workspace', { path: elsewhere })).toEqual({ workspace: elsewhere });
    expect(await value('runs:list', {})).toEqual({ runs: [] });
  });

  it('reports the backend training would use, probed in a worker', async () => {
    const { value } = studioIn(undefined, 'cpu');
    const info = await value<Responses['studio:backend']>('studio:backend', {});
    expect(info).toMatchObject({ name: 'cpu', gpu: false, description: expect.stringMatching(/cpu/) });
    // every backend is tried, so Settings can say what this machine has (the native one only where it was built)
    expect(info.probes.map((p) => p.name)).toEqual(['tensorflow', 'wasm', 'cpu']);
    expect(info.probes.find((p) => p.name === 'wasm')).toMatchObject({ available: true });
  });

  it('passes dialogs through to a host that has them', async () => {
    const asked: string[] = [];
    const studio = new Studio(mkdtempSync(join(tmpdir(), 'gan-dlg-')), 'cpu', { kind: 'electron', pickFolder: async (title) => (asked.push(title), '/home/me/pictures') });
    expect(await studio.handle('studio:pick-folder', { title: 'Pick pictures' })).toEqual({ ok: true, value: { path: '/home/me/pictures' } });
    expect(asked).toEqual(['Pick pictures']);
  });
});
