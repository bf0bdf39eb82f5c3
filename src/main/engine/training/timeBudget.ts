/**
 * A run given minutes instead of steps (`train.minutes`). After a few probe steps on whatever backend runs, it plans
 * the step count that fills the budget from the wall-clock time per step so far (samples, checkpoints and quality
 * measurements included), and plans again as the run goes on — the probe knows nothing of the measurements to come.
 * The deadline is hard: once the time is up, the plan becomes the step just done.
 */
import type { BudgetPlan } from '../../../shared/metrics';

/** Steps timed before the first plan. */
export const PROBE_STEPS = 10;

export class TimeBudget {
  private nextPlanAt = PROBE_STEPS;
  private readonly deadline: number;
  /** Until the first plan the run's step count is unknown: train.steps must not end it. */
  probing = true;

  /**
   * Times are performance.now(): `runStartedAt` when the run began (data loading counts against the budget),
   * `loopStartedAt` when its steps began, at `firstStep` (0 for a new run), which the time per step is taken from.
   */
  constructor(readonly minutes: number, runStartedAt: number, private readonly loopStartedAt: number, private readonly firstStep = 0) {
    this.deadline = runStartedAt + minutes * 60_000;
  }

  /**
   * After each step (`measured`: a quality measurement was just taken): a new plan when one is due (the probe over,
   * the steps done doubled, a measurement's cost now known, the time up), else undefined.
   */
  afterStep(step: number, now: number, measured = false): BudgetPlan | undefined {
    const done = step - this.firstStep;
    const secondsPerStep = (now - this.loopStartedAt) / 1000 / Math.max(1, done);
    if (now >= this.deadline) return this.planned({ steps: step, minutes: this.minutes, secondsPerStep });
    if (done < PROBE_STEPS || (done < this.nextPlanAt && !measured)) return undefined;
    this.nextPlanAt = Math.max(this.nextPlanAt, done * 2);
    const more = Math.floor((this.deadline - now) / (secondsPerStep * 1000));
    return this.planned({ steps: step + Math.max(1, more), minutes: this.minutes, secondsPerStep });
  }

  private planned(plan: BudgetPlan): BudgetPlan {
    this.probing = false;
    return plan;
  }
}
