/**
 * A sweep's local queue over the contract: its cells train as runs two at a time, the results table reads them back,
 * and each cell's run equals the same config trained one by one (same losses at every step, same best score); the
 * same spec again resumes (nothing trains twice); another spec under the same name is refused.
 */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Studio } from '../../src/main/services/studio';
import { startBackend } from '../../src/main/engine/runtime/backend';
import { trainRun } from '../../src/main/engine/training/run';
import { sweepCells, sweepSpecSchema } from '../../src/shared/sweep';
import type { JobInfo, Responses } from '../../src/shared/contract';
import { valueOf } from '../services/studioValue';

const SPEC = {
  name: 'q', preset: 'mnist-quick', parallel: 2, seeds: 2, grid: { 'train.loss': ['non-saturating', 'hinge'] },
  set: {
    'model.width': 0.125, 'model.latentDim': 8, 'data.limit': 64, 'train.batchSize': 8, 'train.minutes': 0, 'train.steps': 4,
    'monitor.evalEvery': 2, 'monitor.evalSamples': 20, 'monitor.snapshotEvery': 0, 'monitor.sampleEvery': 2, 'monitor.checkpointEvery': 2,
  },
};

const lossesOf = (dir: string): [number, number, number | null][] =>
  readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((l) => 'lossD' in l).map((l) => [l.step, l.lossD, l.lossG]);

describe('a sweep as a local queue', () => {
  const workspace = mkdtempSync(join(tmpdir(), 'gan-sweep-'));
  const studio = new Studio(workspace, 'wasm', { kind: 'server' });
  const jobs = new Map<number, JobInfo>();
  studio.subscribe((event, payload) => void (event === 'jobs:update' && jobs.set((payload as JobInfo).jobId, payload as JobInfo)));
  const value = valueOf(studio);
  const finished = async (jobId: number): Promise<JobInfo> => {
    while (jobs.get(jobId)?.status === 'running' || !jobs.has(jobId)) await new Promise((r) => setTimeout(r, 50));
    return jobs.get(jobId)!;
  };
  afterAll(() => studio.stopAll());

  it('trains every cell, tabulates them, and each run equals its cell trained alone', async () => {
    const started = await value<Responses['sweeps:start']>('sweeps:start', { spec: SPEC });
    expect(started.runs).toEqual(['q-000', 'q-001', 'q-002', 'q-003']);
    expect(await finished(started.jobId)).toMatchObject({ kind: 'sweep', status: 'done', done: 4, total: 4, message: '4 of 4 runs done' });
    expect(await value('sweeps:list', {})).toEqual({ sweeps: ['q'] });
    const results = await value<Responses['sweeps:results']>('sweeps:results', { name: 'q' });
    expect(results.cells.map((c) => [c.runId, c.status, c.step, c.seed, c.point['train.loss']])).toEqual([
      ['q-000', 'finished', 4, 1, 'non-saturating'], ['q-001', 'finished', 4, 2, 'non-saturating'], ['q-002', 'finished', 4, 1, 'hinge'], ['q-003', 'finished', 4, 2, 'hinge'],
    ]);
    expect(results.rows.map((r) => [r.point['train.loss'], r.runs, r.measured])).toEqual([['non-saturating', 2, 2], ['hinge', 2, 2]]);
    const listed = (await value<Responses['runs:list']>('runs:list', {})).runs.map((r) => r.runId).sort();
    expect(listed).toEqual(['q-000', 'q-001', 'q-002', 'q-003']);

    // the same cells, one by one, in this process
    await startBackend('wasm');
    const alone = mkdtempSync(join(tmpdir(), 'gan-sweep-alone-'));
    for (const cell of sweepCells(sweepSpecSchema.parse(SPEC))) {
      await trainRun({ dir: join(alone, cell.runId), config: cell.config });
      expect(lossesOf(join(workspace, cell.runId))).toEqual(lossesOf(join(alone, cell.runId)));
      const scores = readFileSync(join(alone, cell.runId, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.quality).map((l) => l.quality.kid);
      expect(results.cells[cell.index].best!.score).toBe(Math.min(...scores));
    }
  }, 300_000);

  it('resumes: the same spec again trains nothing; another spec under its name is refused', async () => {
    const before = statSync(join(workspace, 'q-002', 'metrics.jsonl')).mtimeMs;
    const again = await value<Responses['sweeps:start']>('sweeps:start', { spec: SPEC });
    expect(await finished(again.jobId)).toMatchObject({ status: 'done', message: '4 of 4 runs done' });
    expect(statSync(join(workspace, 'q-002', 'metrics.jsonl')).mtimeMs).toBe(before);
    const other = await studio.handle('sweeps:start', { spec: { ...SPEC, seeds: 3 } });
    expect(other).toMatchObject({ ok: false, error: { code: 'invalid-request', message: expect.stringMatching(/name: a different sweep named 'q' exists in this workspace/) } });
    const bad = await studio.handle('sweeps:start', { spec: { ...SPEC, name: 'r', grid: { 'train.loss': ['hinge', 'softmax'] } } });
    expect(bad).toMatchObject({ ok: false, error: { message: expect.stringMatching(/train\.loss: .*\(in cell 2\)/) } });
    expect(await studio.handle('sweeps:results', { name: 'nope' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
  }, 120_000);
});
