/**
 * What D learned, over the contract: runs:probe as a job (progress to 3/3) whose report runs:get then carries (kept
 * as probe.json), runs:inspect-d's pictures, and refusals that name what is wrong.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Studio } from '../../src/main/services/studio';
import type { JobInfo, Responses } from '../../src/shared/contract';
import { trainTinyRun, valueOf } from './studioValue';

describe('what D learned, over the contract', () => {
  const workspace = mkdtempSync(join(tmpdir(), 'gan-probe-'));
  const studio = new Studio(workspace, 'wasm', { kind: 'server' });
  const jobs: JobInfo[] = [];
  studio.subscribe((event, payload) => void (event === 'jobs:update' && jobs.push(payload as JobInfo)));
  const value = valueOf(studio);

  beforeAll(async () => {
    await trainTinyRun(studio, 'digits');
  }, 120_000);
  afterAll(() => studio.stopAll());

  it('probes D as a job and keeps the report with the run', async () => {
    const report = await value<Responses['runs:probe']>('runs:probe', { runId: 'digits' });
    expect(report).toMatchObject({ step: 4, dataset: expect.stringMatching(/mnist/), testCount: 12, trainCount: 52, classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] });
    for (const s of [report.trained, report.pixels, report.untrained]) expect(s.accuracy).toBeGreaterThanOrEqual(0);
    const job = jobs.filter((j) => j.kind === 'probe');
    expect(job.at(-1)).toMatchObject({ status: 'done', done: 3, total: 3 });
    expect(existsSync(join(workspace, 'digits', 'probe.json'))).toBe(true);
    expect((await value<Responses['runs:get']>('runs:get', { runId: 'digits' })).probe).toEqual(report);
  }, 120_000);

  it("draws D's filters and its stages for a picture, and names a picture that is not there", async () => {
    const inside = await value<Responses['runs:inspect-d']>('runs:inspect-d', { runId: 'digits', index: 3 });
    expect(inside.filters).toMatch(/^data:image\/png;base64,/);
    expect(inside.picture).toMatch(/^data:image\/png;base64,/);
    expect(inside.stages.length).toBeGreaterThan(0);
    expect(inside.stages[0].shape[0]).toBeLessThanOrEqual(28);
    const missing = await studio.handle('runs:inspect-d', { runId: 'digits', index: 5000 });
    expect(missing).toMatchObject({ ok: false, error: { code: 'invalid-request', message: "index: the run's dataset has 64 pictures, not 5001" } });
    const unknown = await studio.handle('runs:probe', { runId: 'nobody' });
    expect(unknown.ok).toBe(false);
  }, 60_000);
});
