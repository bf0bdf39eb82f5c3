/**
 * A time budget that may widen the model (train.maxWidth): the widest of model.width, and every quarter of it above
 * up to maxWidth, whose steps — timed on the backend that will train it — still leave train.minSteps in the budget.
 * Widths are tried widest first and the search stops at the first that fits; model.width itself is never timed
 * here (the budget's own probe times it).
 */
import type { Config } from '../../../shared/config/schema';
import type { Dataset } from '../data';
import { Trainer } from './trainer';

/**
 * Untimed steps per width, then timed ones, of which the median counts: the first steps pay for kernel set-up and
 * settle over about three (dcgan w32 on faces, native: 734, 345, 247, 237, then ~205 ms).
 */
const WARMUP_STEPS = 2;
const TIMED_STEPS = 5;
/** The share of the time left that the training steps may fill: the rest pays for samples, checkpoints and measurements. */
export const STEP_SHARE = 0.8;

/** The widths a budget may choose from, widest first: model.width × (1 + k/4) up to maxWidth (32 → 64: 64, 56, 48, 40, 32). */
export function candidateWidths(width: number, maxWidth: number): number[] {
  const wider: number[] = [];
  for (let k = 1; width * (1 + k / 4) <= maxWidth * (1 + 1e-9); k++) wider.unshift(width * (1 + k / 4));
  return [...wider, width];
}

/**
 * Times candidates widest first (`secondsPerStep` builds and runs one; `secondsLeft` reads the clock after each) and
 * returns the first whose minSteps fit in STEP_SHARE of the time left; model.width when none does, or once `signal`
 * is aborted (the run then stops as a cancelled run does).
 */
export async function chooseWidth(width: number, maxWidth: number, minSteps: number, secondsLeft: () => number, secondsPerStep: (width: number) => Promise<number>, signal?: AbortSignal): Promise<number> {
  for (const candidate of candidateWidths(width, maxWidth).slice(0, -1)) {
    if (signal?.aborted) break;
    const perStep = await secondsPerStep(candidate);
    if (minSteps * perStep <= STEP_SHARE * secondsLeft()) return candidate;
  }
  return width;
}

/**
 * Seconds per step of the run's model at `width`, timed on a trainer of its own (freed after). Yields between steps,
 * so that a cancel (an abort signal, Ctrl-C) is seen while wide models are timed on a slow backend.
 */
export async function secondsPerStepAt(config: Config, data: Dataset, width: number): Promise<number> {
  const trainer = new Trainer({ ...config, model: { ...config.model, width } }, data);
  const yieldToEvents = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  try {
    const seconds: number[] = [];
    for (let i = 0; i < WARMUP_STEPS + TIMED_STEPS; i++) {
      await yieldToEvents();
      const started = performance.now();
      trainer.trainStep();
      if (i >= WARMUP_STEPS) seconds.push((performance.now() - started) / 1000);
    }
    return seconds.sort((a, b) => a - b)[TIMED_STEPS >> 1];
  } finally {
    trainer.dispose();
  }
}
