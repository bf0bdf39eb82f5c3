import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/main/engine/runtime/tf';
import { startBackend } from '../../src/main/engine/runtime/backend';
import { manifoldScores } from '../../src/main/engine/metrics/manifold';
import { AlarmWatch } from '../../src/main/engine/training/alarms';
import { loadCheckpoint, saveCheckpoint } from '../../src/main/engine/training/checkpoint';
import { readAlarms, readMetrics } from '../../src/main/engine/training/metricsFile';
import { runLayout, trainRun } from '../../src/main/engine/training/run';
import { Trainer } from '../../src/main/engine/training/trainer';
import { Rng } from '../../src/main/engine/training/rng';
import type { Config } from '../../src/shared/config/schema';
import type { QualityScores } from '../../src/shared/quality';
import type { StepMetrics } from '../../src/shared/metrics';
import { tinyConfig, tinyData } from './tinyRun';

beforeAll(async () => {
  await startBackend('wasm');
});

const fresh = (): string => join(mkdtempSync(join(tmpdir(), 'gan-alarms-')), 'run');
const withMonitor = (config: Config, monitor: Partial<Config['monitor']>): Config => ({ ...config, monitor: { ...config.monitor, ...monitor } });

/** Scales D's weights in a checkpoint far past float range in a forward pass (finite in the file): the next step diverges. */
async function poisonCheckpoint(file: string, config: Config): Promise<void> {
  const trainer = new Trainer(config, await tinyData(config), loadCheckpoint(file));
  for (const v of trainer.gan.discriminator.params.trainable.values()) tf.tidy(() => v.assign(tf.mul(v, tf.scalar(1e30))));
  saveCheckpoint(file, trainer);
  trainer.dispose();
}

describe('divergence', () => {
  it('restores the newest snapshot, lowers the learning rates and carries on, keeping the event in the log', async () => {
    const dir = fresh();
    const config = withMonitor(tinyConfig({ steps: 8 }), { evalEvery: 4, snapshotEvery: 4, evalSamples: 20, featureSpace: 'mnist-classifier', collapseShare: 0 }); // an 8-step G is collapsed: not this test's point
    await trainRun({ dir, config, steps: 4 });
    await poisonCheckpoint(runLayout(dir).checkpoint, config); // the snapshot of step 4 stays good
    const heard: string[] = [];
    const result = await trainRun({ dir, onAlarm: (step, a) => heard.push(`${step} ${a.kind}`) });
    expect(result.step).toBe(8);
    expect(heard).toEqual(['4 divergence']);
    const [alarm] = readAlarms(runLayout(dir).metrics);
    expect(alarm.alarm.message).toMatch(/^the run diverged at step 5 \(D loss (NaN|Infinity).*\): restored step 4 and lowered the learning rates from G 0\.0004 \/ D 0\.0004 to G 0\.0002 \/ D 0\.0002 \(recovery 1 of 3\)$/);
    expect(readMetrics(runLayout(dir).metrics).map((m) => m.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(loadCheckpoint(runLayout(dir).checkpoint).config.optim.lrG).toBeCloseTo(2e-4, 12);
    expect(JSON.parse(readFileSync(runLayout(dir).config, 'utf8')).optim.lrD).toBeCloseTo(2e-4, 12);
    expect(existsSync(runLayout(dir).failure)).toBe(false);
  });

  it('stops when restoring does not help, after the recoveries allowed', async () => {
    const dir = fresh();
    const config = tinyConfig({ steps: 8, recoverDivergence: 2 });
    await trainRun({ dir, config, steps: 2 });
    await poisonCheckpoint(runLayout(dir).checkpoint, config); // no snapshot: every restore brings the poison back
    await expect(trainRun({ dir })).rejects.toThrow(/the run diverged at step 3, after 2 recoveries with lower learning rates,: D loss/);
    expect(readAlarms(runLayout(dir).metrics).map((a) => a.alarm.kind)).toEqual(['divergence', 'divergence']);
  });
});

describe('collapse', () => {
  const scores = (diversity: number): QualityScores => ({ space: 'general', samples: 256, reference: 1000, fid: 1, kid: 0.1, kidStd: 0.01, precision: 0.5, recall: 0.2, density: 1, coverage: 0.5, memorised: 0, diversity, seconds: 1 });

  it('rings when a generator draws one picture, and stays quiet for samples as varied as the data', () => {
    const rng = Rng.fromSeed(1);
    const real = rng.normals(100 * 16);
    const varied = manifoldScores(real, 100, rng.normals(100 * 16), 100, 16);
    const one = rng.normals(16);
    const collapsed = manifoldScores(real, 100, Float32Array.from({ length: 100 * 16 }, (_, i) => one[i % 16]), 100, 16);
    expect(varied.diversity).toBeGreaterThan(0.9);
    expect(collapsed.diversity).toBe(0);
    const watch = new AlarmWatch(tinyConfig());
    expect(watch.afterMeasurement({ ...scores(0), ...varied })).toBeUndefined();
    expect(watch.afterMeasurement({ ...scores(0), ...collapsed })).toMatchObject({ kind: 'collapse', message: expect.stringMatching(/diversity is 0 % of the training pictures' \(below 50 %\), recall 0\.00/) });
  });

  it('rings once while it lasts, and again after the run recovered', () => {
    const watch = new AlarmWatch(tinyConfig());
    expect([0.9, 0.3, 0.2, 0.8, 0.1].map((d) => watch.afterMeasurement(scores(d))?.kind)).toEqual([undefined, 'collapse', undefined, undefined, 'collapse']);
  });
});

describe('D wins outright', () => {
  it('rings when a starved G leaves D(G(z)) near 0 step after step', async () => {
    const dir = fresh();
    const config = withMonitor(tinyConfig({ steps: 40, dSteps: 5 }), { alarmSteps: 20 });
    config.optim.lrG = 1e-7;
    config.optim.lrD = 0.01;
    await trainRun({ dir, config });
    const alarms = readAlarms(runLayout(dir).metrics);
    expect(alarms.map((a) => a.alarm.kind)).toEqual(['d-wins']);
    expect(alarms[0].step).toBeGreaterThanOrEqual(20);
    expect(alarms[0].alarm.message).toMatch(/below 0\.01 .* for 20 steps in a row/);
  });

  it('stays quiet on a healthy run, and for objectives whose D scores are not probabilities', async () => {
    const healthy = fresh();
    await trainRun({ dir: healthy, config: withMonitor(tinyConfig({ steps: 40 }), { alarmSteps: 20 }) });
    expect(readAlarms(runLayout(healthy).metrics)).toEqual([]);
    const watch = new AlarmWatch(withMonitor(tinyConfig({ loss: 'wgan' }), { alarmSteps: 1 }));
    expect(watch.afterStep(step(1, { dFake: -50, dFakeAfter: -50 }))).toEqual([]);
  });
});

const step = (n: number, m: Partial<StepMetrics>): StepMetrics => ({ step: n, epoch: 0, lossD: 1, lossG: 1, dReal: 5, dFake: 0.5, dFakeAfter: 0.5, gradNormG: 1, stepMs: 1, imagesPerSec: 1, ...m });

describe("G's gradients vanish", () => {
  it('rings when a saturating objective meets a D that wins, and says by how much the norm fell', async () => {
    const dir = fresh();
    const config = withMonitor(tinyConfig({ steps: 60, dSteps: 5, loss: 'minimax' }), { alarmSteps: 20 });
    config.optim.lrG = 1e-7;
    config.optim.lrD = 0.01;
    await trainRun({ dir, config });
    const vanished = readAlarms(runLayout(dir).metrics).filter((a) => a.alarm.kind === 'g-vanishing');
    expect(vanished).toHaveLength(1);
    expect(vanished[0].step).toBeGreaterThanOrEqual(20);
    expect(vanished[0].alarm.message).toMatch(/^G's gradients vanished: their norm \S+ stayed below 1 % of its usual level in this run \(\S+\) for 20 steps in a row/);
    const norms = readMetrics(runLayout(dir).metrics).map((m) => m.gradNormG!);
    expect(norms[vanished[0].step - 1]).toBeLessThan(norms[0] / 100);
  });

  it('stays quiet on healthy runs, the saturating objective included', async () => {
    for (const loss of ['minimax', 'hinge'] as const) { // (minimax's norm dips to a tenth of its first here)
      const dir = fresh();
      await trainRun({ dir, config: withMonitor(tinyConfig({ steps: 100, loss }), { alarmSteps: 20 }) });
      expect(readAlarms(runLayout(dir).metrics), loss).toEqual([]);
      expect(readMetrics(runLayout(dir).metrics).every((m) => m.gradNormG! > 0), loss).toBe(true);
    }
  });

  it('takes its bar from the usual level, not from a spike, and rings again only after the run recovered', () => {
    const watch = new AlarmWatch(withMonitor(tinyConfig(), { alarmSteps: 3 }));
    const rung = (norms: number[], from: number): number[] => norms.flatMap((g, i) => (watch.afterStep(step(from + i, { gradNormG: g })).length ? [from + i] : []));
    expect(rung([...Array(30).fill(1), 1000, 0.02, 0.02, 0.02, 0.02], 1)).toEqual([]); // one spike: the bar stays at 0.01
    expect(rung([0.005, 0.005, 0.005, 0.005, 1, 0.005, 0.005, 0.005, null as unknown as number, 0.005], 36)).toEqual([38, 43]); // a step without G update neither counts nor breaks the run
  });
});
