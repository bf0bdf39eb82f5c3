import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { startBackend } from '../../src/main/engine/runtime/backend';
import { readMetrics } from '../../src/main/engine/training/metricsFile';
import { runLayout, trainRun } from '../../src/main/engine/training/run';
import { PROBE_STEPS, TimeBudget } from '../../src/main/engine/training/timeBudget';
import { candidateWidths, chooseWidth, STEP_SHARE } from '../../src/main/engine/training/widthPlan';
import { presetConfig } from '../../src/shared/config/presets';
import type { BudgetPlan } from '../../src/shared/metrics';
import { tinyConfig } from './tinyRun';

describe('a time budget', () => {
  it('plans after the probe steps from the time per step, plans again as the steps double or a measurement is taken, and stops at the deadline', () => {
    // One minute; data loading took the first second; each step 100 ms.
    const budget = new TimeBudget(1, 0, 1000);
    expect(budget.afterStep(5, 1500)).toBeUndefined();
    expect(budget.afterStep(PROBE_STEPS, 2000)).toEqual({ steps: 10 + 580, minutes: 1, secondsPerStep: 0.1 });
    expect(budget.afterStep(11, 2100)).toBeUndefined();
    // A measurement cost 2.8 s: the time per step so far is 0.3 s, and the plan shrinks.
    expect(budget.afterStep(12, 4600, true)).toEqual({ steps: 12 + Math.floor(55_400 / 300), minutes: 1, secondsPerStep: 0.3 });
    expect(budget.afterStep(23, 5700)).toBeUndefined();
    const again = budget.afterStep(24, 5800)!;
    expect(again.steps).toBe(24 + 271); // 54.2 s left at 0.2 s per step
    expect(again.secondsPerStep).toBeCloseTo(0.2, 12);
    expect(budget.afterStep(47, 8100)).toBeUndefined();
    expect(budget.afterStep(48, 8200)).toBeDefined();
    // Time is up: the plan is the step just done, however few that is.
    expect(budget.afterStep(41, 60_000)).toMatchObject({ steps: 41 });
  });

  it('counts only the steps of this session after a resume', () => {
    const budget = new TimeBudget(1, 0, 0, 500);
    expect(budget.afterStep(505, 500)).toBeUndefined();
    expect(budget.afterStep(510, 1000)).toEqual({ steps: 510 + 590, minutes: 1, secondsPerStep: 0.1 });
  });

  it("is mnist-quick's default, and a step count asked for replaces it unless minutes are asked for too", () => {
    expect(presetConfig('mnist-quick').train).toMatchObject({ minutes: 4, steps: 800 });
    expect(presetConfig('mnist-quick', { train: { steps: 50 } }).train).toMatchObject({ minutes: 0, steps: 50 });
    expect(presetConfig('mnist-quick', { train: { steps: 50, minutes: 2 } }).train).toMatchObject({ minutes: 2, steps: 50 });
    expect(presetConfig('dcgan-64').train.minutes).toBe(0);
  });
});

describe('a time budget that may widen the model (train.maxWidth)', () => {
  it('tries model.width × (1 + k/4) up to maxWidth, widest first', () => {
    expect(candidateWidths(32, 64)).toEqual([64, 56, 48, 40, 32]);
    expect(candidateWidths(32, 50)).toEqual([48, 40, 32]);
    expect(candidateWidths(0.125, 0.25)).toEqual([0.25, 0.21875, 0.1875, 0.15625, 0.125]);
    expect(candidateWidths(32, 32)).toEqual([32]);
  });

  it('chooses the widest whose minSteps fit in the time left (timing costs time), timing no narrower one, else model.width untimed', async () => {
    // 100 s left; a step at width w takes w / 1000 s (w² would do as well); each timing spends 10 s.
    let left = 100;
    const timedWidths: number[] = [];
    const time = async (w: number): Promise<number> => {
      timedWidths.push(w);
      left -= 10;
      return w / 1000;
    };
    const choose = (minSteps: number, signal?: AbortSignal): Promise<number> => {
      left = 100;
      timedWidths.length = 0;
      return chooseWidth(32, 64, minSteps, () => left, time, signal);
    };
    // 1,500 steps: 64 needs 96 s of 0.8 × 90 = 72, 56 needs 84 of 64, 48 needs 72 of 56, 40 needs 60 of 48: none fits
    expect(await choose(1500)).toBe(32);
    expect(timedWidths).toEqual([64, 56, 48, 40]); // model.width is left to the budget's own probe
    expect(await choose(1000)).toBe(64); // 64 s of 72: the first fits, nothing narrower is timed
    expect(timedWidths).toEqual([64]);
    expect(await choose(1150)).toBe(48); // 73.6 of 72, 64.4 of 64, then 55.2 of 56
    expect(timedWidths).toEqual([64, 56, 48]);
    expect(STEP_SHARE).toBe(0.8);
    // A cancel stops the timing: model.width, nothing more timed.
    const stop = new AbortController();
    const timing = choose(1500, stop.signal);
    stop.abort();
    expect(await timing).toBe(32);
    expect(timedWidths).toEqual([64]);
  });
});

describe('a run with a time budget', () => {
  beforeAll(async () => {
    await startBackend('wasm');
  });

  it('trains to its plan, writes the plan into config.json, and a resume continues to the planned steps only', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'gan-budget-')), 'run');
    const config = { ...tinyConfig({ steps: 5 }), train: { ...tinyConfig().train, steps: 5, minutes: 0.05 } }; // 3 s
    const plans: BudgetPlan[] = [];
    const ends: number[] = [];
    const result = await trainRun({ dir, config, onPlan: (p) => plans.push(p), onStep: (_m, _eta, steps) => ends.push(steps) });
    expect(plans.length).toBeGreaterThanOrEqual(1);
    expect(plans[0].steps).toBeGreaterThan(PROBE_STEPS); // planned past the 5 steps of train.steps
    expect(result.step).toBe(plans.at(-1)!.steps);
    expect(readMetrics(runLayout(dir).metrics)).toHaveLength(result.step);
    expect(JSON.parse(readFileSync(runLayout(dir).config, 'utf8')).train.steps).toBe(result.step);
    expect(ends.slice(0, PROBE_STEPS - 1).every((s) => s === 5)).toBe(true); // before the probe: train.steps
    expect(ends.at(-1)).toBe(result.step);
    expect(config.train.steps).toBe(5); // the caller's config is left alone
    // A resume trains no further: the plan is kept with the checkpoint.
    expect((await trainRun({ dir })).step).toBe(result.step);
  }, 60_000);

  it("widens the model where the budget leaves room (train.maxWidth), writes the width into config.json and says it in the plan", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'gan-budget-')), 'run');
    const tiny = tinyConfig();
    // A week's budget and 1 step to keep: the widest candidate fits on any machine.
    const config = { ...tiny, train: { ...tiny.train, minutes: 10_080, maxWidth: 0.25, minSteps: 1 } };
    const stop = new AbortController();
    const plans: BudgetPlan[] = [];
    await trainRun({ dir, config, signal: stop.signal, onPlan: (p) => { plans.push(p); stop.abort(); } });
    expect(plans[0]).toMatchObject({ width: 0.25, minSteps: 1 });
    const written = JSON.parse(readFileSync(runLayout(dir).config, 'utf8'));
    expect(written.model.width).toBe(0.25);
    expect(config.model.width).toBe(0.125); // the caller's config is left alone
    // A budget too short for the steps to keep: every wider width is timed, none fits, model.width stays.
    const narrow = join(mkdtempSync(join(tmpdir(), 'gan-budget-')), 'run');
    const kept: BudgetPlan[] = [];
    await trainRun({ dir: narrow, config: { ...config, train: { ...config.train, minutes: 0.02, minSteps: 1_000_000 } }, onPlan: (p) => kept.push(p) });
    expect(JSON.parse(readFileSync(runLayout(narrow).config, 'utf8')).model.width).toBe(0.125);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.every((p) => p.width === 0.125)).toBe(true);
  }, 60_000);
});
