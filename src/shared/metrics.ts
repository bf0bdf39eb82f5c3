/** One training step, as the trainer measures it, metrics.jsonl keeps it, the worker sends it and the UI charts it. */
export interface StepMetrics {
  step: number;
  epoch: number;
  lossD: number;
  /** null while D is pre-trained (no G update that step). */
  lossG: number | null;
  /** Mean D(x) on real images: a probability for the BCE losses, the raw critic score otherwise. */
  dReal: number;
  /** Mean D(G(z)) in D's last update of the step, before that update: what D was trained against. */
  dFake: number;
  /**
   * Mean D(G(z)) after D's update, seen by G's update (pytorch/examples' D_G_z2): below dFake when D's step helped
   * it; null while D is pre-trained. Absent in runs written before it was measured.
   */
  dFakeAfter?: number | null;
  /** ‖∇G‖₂, the global norm of G's gradients in its update; null while D is pre-trained, absent in older runs. */
  gradNormG?: number | null;
  /** The augmentation probability p D's pictures were augmented with (ADA's moves as it adapts); absent when off. */
  augmentP?: number;
  /** BEGAN: the k_t this step's D loss used, and the convergence measure M (falls as the pictures improve). */
  beganK?: number;
  convergence?: number;
  stepMs: number;
  /** Training images consumed per second (batch × k per step). */
  imagesPerSec: number;
}

/** A time budget's plan (train.minutes): the step count it aims at now, from the time per step so far. */
export interface BudgetPlan {
  steps: number;
  minutes: number;
  secondsPerStep: number;
  /** The model width the budget chose, where it may widen the model (train.maxWidth)… */
  width?: number;
  /** …as the widest that still trains this many steps in it (train.minSteps). */
  minSteps?: number;
}

/**
 * A step on its way to the UI: its metrics, whose run it is, the time left, the step it trains to (which a time
 * budget plans as it goes) and that budget's latest plan.
 */
export type StepProgress = StepMetrics & { runId: string; etaSeconds: number; steps?: number; budget?: BudgetPlan };
