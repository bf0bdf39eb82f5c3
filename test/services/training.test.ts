import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Studio } from '../../src/main/services/studio';
import { parseRequest, type Events, type EventName } from '../../src/shared/contract';

type Seen = { event: EventName; payload: Events[EventName] };

function service() {
  const seen: Seen[] = [];
  const waiters: { test: (s: Seen) => boolean; resolve: () => void }[] = [];
  const svc = new Studio(mkdtempSync(join(tmpdir(), 'gan-ws-')), 'wasm', { kind: 'server' });
  svc.subscribe((event, payload) => {
    const s = { event, payload } as Seen;
    seen.push(s);
    for (const w of waiters.filter((x) => x.test(s))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  const until = (test: (s: Seen) => boolean): Promise<void> =>
    seen.some(test) ? Promise.resolve() : new Promise((resolve) => waiters.push({ test, resolve }));
  return { svc, seen, until };
}

const small = { model: { width: 0.125, latentDim: 8 }, data: { limit: 128 }, train: { batchSize: 8, steps: 10_000 }, monitor: { sampleEvery: 5 } };

describe('the contract', () => {
  it('refuses unknown channels and invalid requests with a typed error naming the field', () => {
    expect(parseRequest('training:launch', {})).toEqual({ ok: false, error: { code: 'unknown-channel', message: "unknown channel 'training:launch'" } });
    const bad = parseRequest('training:start', { preset: 'mnist-quick', runId: '../etc' });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toMatchObject({ code: 'invalid-request', message: expect.stringMatching(/runId: must be a run name/) });
    expect(parseRequest('training:start', { preset: 'mnist-quick', runId: 'a', extra: 1 }).ok).toBe(false);
  });
});

describe('training service (runs in a worker thread)', () => {
  it('starts a run, streams progress and samples, pauses, resumes and stops with a checkpoint', async () => {
    const { svc, seen, until } = service();
    const started = await svc.handle('training:start', { preset: 'mnist-quick', runId: 'first', overrides: small });
    expect(started).toMatchObject({ ok: true, value: { runId: 'first' } });
    const dir = started.ok ? (started.value as { dir: string }).dir : '';

    // main's event loop stays free while the worker trains: a timer keeps firing
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    await until((s) => s.event === 'training:progress' && (s.payload as Events['training:progress']).step >= 6);
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(5);
    await until((s) => s.event === 'training:sample');

    const paused = await svc.handle('training:pause', { runId: 'first' });
    expect(paused.ok).toBe(true);
    const pausedAt = paused.ok ? (paused.value as { step: number }).step : -1;
    const progressCount = seen.filter((s) => s.event === 'training:progress').length;
    await new Promise((r) => setTimeout(r, 1500));
    expect(seen.filter((s) => s.event === 'training:progress').length).toBe(progressCount);

    expect((await svc.handle('training:resume', { runId: 'first' })).ok).toBe(true);
    await until((s) => s.event === 'training:progress' && (s.payload as Events['training:progress']).step > pausedAt + 2);

    const stopped = await svc.handle('training:stop', { runId: 'first' });
    expect(stopped.ok).toBe(true);
    const { step, checkpoint } = stopped.ok ? (stopped.value as { step: number; checkpoint: string }) : { step: 0, checkpoint: '' };
    expect(step).toBeGreaterThan(pausedAt + 2);
    expect(existsSync(checkpoint)).toBe(true);
    expect(readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(step);
    expect(seen.map((s) => s.event === 'training:status' && (s.payload as Events['training:status']).status).filter(Boolean))
      .toEqual(['starting', 'running', 'paused', 'running', 'stopped']);
  });

  it('trains each run on the backend it asks for, and stopAll stops every run with a checkpoint (what serve does on Ctrl-C)', async () => {
    const { svc, seen, until } = service();
    expect((await svc.handle('training:start', { preset: 'mnist-quick', runId: 'a', overrides: small })).ok).toBe(true);
    expect((await svc.handle('training:start', { preset: 'mnist-quick', runId: 'b', overrides: small, backend: 'cpu' })).ok).toBe(true);
    expect(await svc.handle('training:start', { preset: 'mnist-quick', runId: 'c', backend: 'gpu' })).toMatchObject({ ok: false, error: { message: expect.stringMatching(/backend/) } });
    for (const runId of ['a', 'b']) await until((s) => s.event === 'training:progress' && (s.payload as Events['training:progress']).runId === runId);
    const backendOf = (runId: string) => seen.map((s) => s.payload as Events['training:status']).find((p) => p.runId === runId && p.backend)?.backend?.description;
    expect(backendOf('a')).toMatch(/^wasm/); // the studio's own choice
    expect(backendOf('b')).toMatch(/^cpu/);
    await svc.stopAll();
    for (const runId of ['a', 'b']) {
      await until((s) => s.event === 'training:status' && (s.payload as Events['training:status']).runId === runId && (s.payload as Events['training:status']).status === 'stopped');
    }
    expect(await svc.handle('training:pause', { runId: 'a' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
  }, 60_000);

  it('steps a paused run by hand: a D update, then a G update that the charts and the metrics file count as a step', async () => {
    const { svc, seen, until } = service();
    expect((await svc.handle('training:start', { preset: 'mnist-quick', runId: 'hand', overrides: { ...small, monitor: { sampleEvery: 5, sampleCount: 6 } } })).ok).toBe(true);
    await until((s) => s.event === 'training:progress');
    expect(await svc.handle('training:step', { runId: 'hand', network: 'D' })).toMatchObject({ ok: false, error: { code: 'invalid-request', message: 'pause the run first: stepping by hand works on a paused run' } });
    const paused = await svc.handle('training:pause', { runId: 'hand' });
    const at = paused.ok ? (paused.value as { step: number }).step : -1;
    expect(await svc.handle('training:step', { runId: 'hand', network: 'G' })).toMatchObject({ ok: false, error: { message: /step D first/ } });
    const d = await svc.handle('training:step', { runId: 'hand', network: 'D' });
    expect(d).toMatchObject({ ok: true, value: { network: 'D', step: at } });
    const dValue = d.ok ? (d.value as { scores: number[]; samples: string[] }) : { scores: [], samples: [] };
    expect(dValue.scores).toHaveLength(6);
    expect(dValue.samples).toHaveLength(6);
    expect(dValue.samples[0]).toMatch(/^data:image\/png;base64,/);
    const g = await svc.handle('training:step', { runId: 'hand', network: 'G' });
    expect(g).toMatchObject({ ok: true, value: { network: 'G', step: at + 1, g: { lossG: expect.any(Number) } } });
    await until((s) => s.event === 'training:progress' && (s.payload as Events['training:progress']).step === at + 1);
    const look = await svc.handle('training:saliency', { runId: 'hand', index: 5 });
    expect(look).toMatchObject({ ok: true, value: { step: at + 1, picture: expect.stringMatching(/^data:image\/png/), overlay: expect.stringMatching(/^data:image\/png/) } });
    expect(await svc.handle('training:saliency', { runId: 'hand', index: 6 })).toMatchObject({ ok: false, error: { message: 'index: the grid has 6 samples, not 7' } });
    // still paused after the step made by hand: no step happens on its own
    const count = seen.filter((s) => s.event === 'training:progress').length;
    await new Promise((r) => setTimeout(r, 800));
    expect(seen.filter((s) => s.event === 'training:progress').length).toBe(count);
    const stopped = await svc.handle('training:stop', { runId: 'hand' });
    expect(stopped).toMatchObject({ ok: true, value: { step: at + 1 } });
    const steps = readFileSync(join(svc.workspaceDir, 'hand', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((l) => 'lossD' in l).map((l) => l.step);
    expect(steps.at(-1)).toBe(at + 1);
  }, 60_000);

  it('refuses a bad config before any worker starts, and unknown runs', async () => {
    const { svc, seen } = service();
    const bad = await svc.handle('training:start', { preset: 'mnist-quick', runId: 'x', overrides: { train: { batchSize: -3 } } });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-request', message: expect.stringMatching(/train\.batchSize/) } });
    const group = await svc.handle('training:start', { preset: 'mnist-quick', runId: 'y', overrides: { trian: {} } });
    expect(group).toMatchObject({ ok: false, error: { message: expect.stringMatching(/trian: is not a config group/) } });
    const init = await svc.handle('training:start', { preset: 'mnist-quick', runId: 'z', overrides: { train: { init: 'no-such-run' } } });
    expect(init).toMatchObject({ ok: false, error: { code: 'invalid-request', message: expect.stringMatching(/^train\.init: '.*no-such-run' holds no run with a checkpoint to start from$/) } });
    const climbing = await svc.handle('training:start', { preset: 'mnist-quick', runId: 'z', overrides: { train: { init: '../elsewhere' } } });
    expect(climbing).toMatchObject({ ok: false, error: { code: 'invalid-request', message: expect.stringMatching(/^train\.init: run id '\.\.\/elsewhere'/) } });
    expect(seen).toHaveLength(0);
    expect(await svc.handle('training:pause', { runId: 'nope' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });
});
