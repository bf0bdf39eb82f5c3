// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { useRunsStore } from '../../src/renderer/src/stores/runs';
import { CHART_CAPACITY, useTrainingStore } from '../../src/renderer/src/stores/training';
import type { RunDetail, RunSummary } from '../../src/shared/contract';
import { presetConfig } from '../../src/shared/config/presets';
import { fakeStudio, settle } from './fakeStudio';
import type { QualityScores } from '../../src/shared/quality';

const progress = (runId: string, step: number) => ({ runId, step, epoch: 0, lossD: 1 / step, lossG: step, dReal: 0.6, dFake: 0.3, stepMs: 300, imagesPerSec: 90, etaSeconds: 10 });
const summary = (runId: string, over: Partial<RunSummary> = {}): RunSummary => ({ runId, preset: 'mnist-quick', dataset: 'mnist', status: 'stopped', step: 40, steps: 800, lastSample: 'samples/step-000040.png', checkpoint: `/ws/${runId}/checkpoint.bin`, updatedAt: 1, best: null, ...over });

const scores = (step: number): QualityScores => ({ space: 'general', samples: 256, reference: 1000, fid: 100 / step, kid: 1 / step, kidStd: 0.1 / step, precision: 0.5, recall: 0.4, density: 0.9, coverage: 0.6, memorised: 0, diversity: 0.9, seconds: 3 });

describe('training store', () => {
  it('follows its own run only, charts at most once per frame, and keeps the timelapse', async () => {
    const studio = fakeStudio({ 'training:start': (r: { runId: string }) => ({ runId: r.runId, dir: `/ws/${r.runId}` }) });
    await studio.connected;
    const training = useTrainingStore();
    await training.start({ preset: 'mnist-quick', runId: 'mine', overrides: {}, steps: 800 });
    expect(studio.calls.at(-1)).toEqual({ channel: 'training:start', payload: { preset: 'mnist-quick', runId: 'mine', overrides: {} } });
    expect(training.status).toBe('starting');

    studio.emit('training:status', { runId: 'mine', status: 'running', step: 0, backend: { description: 'wasm', gpu: false } });
    for (let step = 1; step <= 3000; step++) studio.emit('training:progress', progress('mine', step));
    studio.emit('training:progress', progress('other', 9999));
    expect(training.progress).toBe(null); // not yet drawn: one redraw per burst
    await settle();
    expect(training.progress?.step).toBe(3000);
    expect(training.status).toBe('running');
    expect(training.backend).toEqual({ description: 'wasm', gpu: false });
    expect(training.series!.lossG.length).toBeLessThanOrEqual(CHART_CAPACITY + 1);
    expect(training.series!.lossG.at(-1)![0]).toBeGreaterThan(2990);

    studio.emit('training:sample', { runId: 'mine', step: 0, file: 'samples/step-000000.png' });
    studio.emit('training:sample', { runId: 'mine', step: 100, file: 'samples/step-000100.png' });
    expect(training.shownSample?.step).toBe(100);
    training.pinnedSample = 0;
    studio.emit('training:sample', { runId: 'mine', step: 200, file: 'samples/step-000200.png' });
    expect(training.shownSample?.step).toBe(0); // a pinned scrubber stays where the user left it

    studio.emit('training:status', { runId: 'mine', status: 'failed', step: 3000, message: 'out of memory', checkpoint: '/ws/mine/checkpoint.bin' });
    expect(training).toMatchObject({ status: 'failed', message: 'out of memory', checkpoint: '/ws/mine/checkpoint.bin', active: false });
  });

  it('shows a refused start as a message and stays idle', async () => {
    const studio = fakeStudio({ 'training:start': () => ({ error: { code: 'conflict', message: "a run named 'x' already exists" } }) });
    await studio.connected;
    const training = useTrainingStore();
    await training.start({ preset: 'mnist-quick', runId: 'x', overrides: {}, steps: 10 });
    expect(training.status).toBe('idle');
    expect(training.message).toBe("a run named 'x' already exists");
  });

  it('opens a stored run with its history and continues it', async () => {
    const studio = fakeStudio({ 'runs:continue': (r: { runId: string }) => ({ runId: r.runId, dir: '/ws/old' }) });
    await studio.connected;
    const training = useTrainingStore();
    const detail: RunDetail = {
      summary: summary('old'),
      config: presetConfig('mnist-quick'),
      series: { lossD: [[1, 2], [2, 1]], lossG: [[1, 1], [2, 2]], dReal: [], dFake: [], dFakeAfter: [], gradNormG: [], augmentP: [], convergence: [], beganK: [], imagesPerSec: [] },
      samples: [{ step: 0, file: 'samples/step-000000.png' }],
      quality: [],
      snapshots: [],
      alarms: [],
    };
    await training.open(detail, 900);
    expect(studio.calls.at(-1)).toEqual({ channel: 'runs:continue', payload: { runId: 'old', steps: 900 } });
    expect(training).toMatchObject({ runId: 'old', status: 'starting', steps: 900 });
    expect(training.series!.lossD).toEqual([[1, 2], [2, 1]]);
    studio.emit('training:progress', progress('old', 41));
    await settle();
    expect(training.series!.lossD.at(-1)).toEqual([41, 1 / 41]);
  });

  it("charts a run's quality as it is measured, and continues a snapshot as a new run with the history up to it", async () => {
    const studio = fakeStudio({ 'runs:continue': (r: { into: string }) => ({ runId: r.into, dir: `/ws/${r.into}` }) });
    await studio.connected;
    const training = useTrainingStore();
    const detail: RunDetail = {
      summary: summary('old', { step: 600 }),
      config: presetConfig('mnist-quick'),
      series: { lossD: [[100, 2], [400, 1], [600, 0.5]], lossG: [], dReal: [], dFake: [], dFakeAfter: [], gradNormG: [], augmentP: [], convergence: [], beganK: [], imagesPerSec: [] },
      samples: [{ step: 200, file: 'samples/step-000200.png' }, { step: 500, file: 'samples/step-000500.png' }],
      quality: [200, 400, 600].map((step) => ({ step, quality: scores(step) })),
      snapshots: [{ step: 400, quality: scores(400), best: true }, { step: 600, quality: scores(600), best: false }],
      alarms: [],
    };
    await training.branch(detail, 400, 'old-from-400');
    expect(studio.calls.at(-1)).toEqual({ channel: 'runs:continue', payload: { runId: 'old', snapshot: 400, into: 'old-from-400' } });
    expect(training.runId).toBe('old-from-400');
    expect(training.series!.lossD).toEqual([[100, 2], [400, 1]]);
    expect(training.samples.map((s) => s.step)).toEqual([200]);
    expect(training.quality.map((q) => q.step)).toEqual([200, 400]);
    studio.emit('training:quality', { runId: 'old-from-400', step: 600, quality: scores(600), snapshot: true });
    studio.emit('training:quality', { runId: 'someone-else', step: 800, quality: scores(800), snapshot: false });
    expect(training.quality.map((q) => q.step)).toEqual([200, 400, 600]);
  });

  it('follows the run that is training when the page opens, and nothing otherwise', async () => {
    const detail = (runId: string): RunDetail => ({ summary: summary(runId, { status: 'running' }), config: presetConfig('mnist-quick'), series: { lossD: [[1, 1]], lossG: [], dReal: [], dFake: [], dFakeAfter: [], gradNormG: [], augmentP: [], convergence: [], beganK: [], imagesPerSec: [] }, samples: [], quality: [], snapshots: [], alarms: [] });
    let listed = [summary('done', { status: 'finished' }), summary('live', { status: 'running' })];
    const studio = fakeStudio({ 'runs:list': () => ({ runs: listed }), 'runs:get': (r: { runId: string }) => detail(r.runId) });
    await studio.connected;
    const training = useTrainingStore();
    await training.followActive();
    expect(training).toMatchObject({ runId: 'live', status: 'running' });
    studio.emit('training:progress', progress('live', 2));
    await settle();
    expect(training.series!.lossD).toEqual([[1, 1], [2, 0.5]]);

    const quiet = fakeStudio({ 'runs:list': () => ({ runs: listed }) });
    await quiet.connected;
    listed = [summary('done', { status: 'finished' })];
    const idle = useTrainingStore();
    await idle.followActive();
    expect(idle).toMatchObject({ runId: null, status: 'idle' });
  });
});

describe('runs store', () => {
  it('lists runs, refreshes when a run ends, and compares at most two', async () => {
    let listed: RunSummary[] = [summary('a')];
    const studio = fakeStudio({
      'runs:list': () => ({ runs: listed }),
      'runs:get': (r: { runId: string }) => ({ summary: summary(r.runId), config: presetConfig('mnist-quick'), series: { lossD: [], lossG: [], dReal: [], dFake: [], dFakeAfter: [], gradNormG: [], augmentP: [], convergence: [], beganK: [], imagesPerSec: [] }, samples: [] }),
    });
    await studio.connected;
    const runs = useRunsStore();
    await runs.refresh();
    expect(runs.runs.map((r) => r.runId)).toEqual(['a']);
    listed = [summary('b'), summary('a')];
    studio.emit('training:status', { runId: 'b', status: 'finished', step: 10 });
    await settle();
    expect(runs.runs.map((r) => r.runId)).toEqual(['b', 'a']);

    runs.toggleCompare('a');
    runs.toggleCompare('b');
    runs.toggleCompare('c');
    expect(runs.compareIds).toEqual(['b', 'c']);
    runs.toggleCompare('c');
    runs.toggleCompare('a');
    await runs.compare();
    expect(runs.compared.map((d) => d.summary.runId)).toEqual(['b', 'a']);
    expect(studio.listenerCount('training:status')).toBe(1);
  });

  it('shows a failed listing as an error', async () => {
    const studio = fakeStudio({ 'runs:list': () => ({ error: { code: 'internal', message: 'EACCES: permission denied, scandir /ws' } }) });
    await studio.connected;
    const runs = useRunsStore();
    await runs.refresh();
    expect(runs.error).toMatch(/EACCES/);
    expect(runs.loading).toBe(false);
  });
});
