/** One registry of long jobs: one id counter, one update event, one cancel, one list, whatever kind of job. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Events, JobInfo } from '../../src/shared/contract';
import { JobRegistry } from '../../src/main/services/jobs';
import { Studio } from '../../src/main/services/studio';

describe('the job registry', () => {
  it('numbers jobs of every kind from one counter, lists the running ones, and announces each move', () => {
    const updates: JobInfo[] = [];
    const jobs = new JobRegistry((event, payload) => event === 'jobs:update' && updates.push(payload as JobInfo));
    let cancelled = 0;
    const a = jobs.start('import', "import of 'faces'", () => cancelled++);
    const b = jobs.start('native-build', 'build', undefined, 4);
    expect([a.jobId, b.jobId]).toEqual([1, 2]);
    a.progress(3, 10);
    expect(jobs.list()).toEqual([
      { jobId: 1, kind: 'import', title: "import of 'faces'", done: 3, total: 10, status: 'running', cancellable: true },
      { jobId: 2, kind: 'native-build', title: 'build', done: 0, total: 4, status: 'running', cancellable: false },
    ]);
    expect(jobs.cancel(1)).toEqual({ jobId: 1 });
    expect(cancelled).toBe(1);
    expect(() => jobs.cancel(2)).toThrow(/job 2 \(native-build\) cannot be cancelled/);
    a.end('cancelled');
    a.progress(4, 10); // a late report after the end changes nothing
    expect(() => jobs.cancel(1)).toThrow(/no job 1 is running/);
    expect(jobs.list().map((j) => j.jobId)).toEqual([2]);
    expect(updates.map((u) => [u.jobId, u.status, u.done])).toEqual([[1, 'running', 0], [2, 'running', 0], [1, 'running', 3], [1, 'cancelled', 3]]);
    expect(jobs.busy).toBe(true);
    b.end('done');
    expect(jobs.busy).toBe(false);
  });

  it("lists a studio's import while it runs and cancels it through jobs:cancel", async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'gan-jobs-'));
    const folder = mkdtempSync(join(tmpdir(), 'gan-jobs-in-'));
    await Promise.all(Array.from({ length: 300 }, (_, i) => sharp({ create: { width: 64, height: 64, channels: 3, background: { r: i % 256, g: 40, b: 90 } } }).png().toFile(join(folder, `p${i}.png`))));
    const studio = new Studio(workspace, 'cpu', { kind: 'server' });
    const updates: Events['jobs:update'][] = [];
    studio.subscribe((event, payload) => event === 'jobs:update' && updates.push(payload as Events['jobs:update']));
    const started = await studio.handle('datasets:import', { name: 'many', dir: folder });
    expect(started.ok).toBe(true);
    const { jobId } = (started as { value: { jobId: number } }).value;
    const listed = await studio.handle('jobs:list', {});
    expect(listed).toMatchObject({ ok: true, value: { jobs: [{ jobId, kind: 'import', title: "import of 'many'", status: 'running', cancellable: true }] } });
    expect(await studio.handle('jobs:cancel', { jobId })).toEqual({ ok: true, value: { jobId } });
    while (!updates.some((u) => u.jobId === jobId && u.status !== 'running')) await new Promise((r) => setTimeout(r, 20));
    expect(updates.at(-1)).toMatchObject({ jobId, status: 'cancelled' });
    expect(updates.at(-1)!.done).toBeLessThan(300);
    expect(await studio.handle('jobs:list', {})).toEqual({ ok: true, value: { jobs: [] } });
    expect(await studio.handle('jobs:cancel', { jobId })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    await studio.stopAll();
  });
});
