/**
 * Watches a run for what a person should hear about while it trains: its samples losing their variety (collapse),
 * D winning outright — D(G(z)) near 0 step after step — and G's gradients vanishing (what a saturating objective
 * does when D wins; measured for every objective). Each alarm says what was
 * measured and what to try, rings once, and rings again only after the run recovered. (Divergence, a loss turning
 * non-finite, is handled by the run loop: it restores and carries on.)
 */
import type { Config } from '../../../shared/config/schema';
import type { Alarm, QualityScores } from '../../../shared/quality';
import type { StepMetrics } from '../../../shared/metrics';
import { LOSSES } from './losses';

/** D(G(z)) below this, as a probability, counts as D winning. */
const D_WINS_BELOW = 0.01;
/** ‖∇G‖ below this share of its usual level in the run counts as vanished. */
const G_GRADS_VANISH_BELOW = 0.01;
/** ‖∇G‖'s usual level: the highest median over this many steps, so that a few spiky steps do not set the bar. */
const LEVEL_WINDOW = 25;

export class AlarmWatch {
  private losing = 0;
  private fading = 0;
  private recentNorms: number[] = [];
  private level = 0;
  private ringing = { collapse: false, 'd-wins': false, 'g-vanishing': false };

  constructor(private readonly config: Config) {}

  /** After every step: D(G(z)) as G saw it, and the norm of G's gradients. */
  afterStep(m: StepMetrics): Alarm[] {
    return [this.dWins(m), this.gVanishing(m)].filter((a) => a !== undefined);
  }

  /** D(G(z)) near 0 for alarmSteps steps (for the objectives whose D outputs a probability). */
  private dWins(m: StepMetrics): Alarm | undefined {
    if (!LOSSES[this.config.train.loss].probabilistic) return undefined;
    const seen = m.dFakeAfter ?? m.dFake;
    this.losing = seen < D_WINS_BELOW ? this.losing + 1 : 0;
    const { alarmSteps } = this.config.monitor;
    return this.ring('d-wins', this.losing >= alarmSteps, () => ({
      kind: 'd-wins',
      message: `D wins outright: it scored generated pictures below ${D_WINS_BELOW} (D(G(z)) ${seen.toExponential(1)}) for ${alarmSteps} steps in a row, so G's gradients have all but vanished`,
      advice: "try a lower D learning rate or one D update per G update, one-sided label smoothing (0.9) or instance noise; the non-saturating objective keeps G's gradients alive longest",
    }));
  }

  /** ‖∇G‖ below a hundredth of its usual level for alarmSteps steps (steps without a G update are skipped). */
  private gVanishing(m: StepMetrics): Alarm | undefined {
    const norm = m.gradNormG;
    if (norm == null || !Number.isFinite(norm)) return undefined;
    this.level = Math.max(this.level, this.usualLevel(norm));
    const bar = G_GRADS_VANISH_BELOW * this.level;
    this.fading = norm < bar ? this.fading + 1 : 0;
    const { alarmSteps } = this.config.monitor;
    return this.ring('g-vanishing', this.fading >= alarmSteps, () => ({
      kind: 'g-vanishing',
      message: `G's gradients vanished: their norm ${norm.toExponential(1)} stayed below ${G_GRADS_VANISH_BELOW * 100} % of its usual level in this run (${this.level.toExponential(1)}) for ${alarmSteps} steps in a row, so G has all but stopped learning`,
      advice: "switch a minimax objective to non-saturating (or hinge / WGAN-GP), lower D's learning rate or its updates per G update, or add instance noise or label flipping so that D cannot separate perfectly",
    }));
  }

  /**
   * The first norm the watch sees (an untrained D passes G healthy gradients, and a D that wins from the start leaves
   * no later level to compare with), then the median of each full window of recent norms.
   */
  private usualLevel(norm: number): number {
    const first = this.recentNorms.length === 0;
    this.recentNorms.push(norm);
    if (this.recentNorms.length > LEVEL_WINDOW) this.recentNorms.shift();
    if (first) return norm;
    if (this.recentNorms.length < LEVEL_WINDOW) return 0;
    const sorted = [...this.recentNorms].sort((a, b) => a - b);
    return sorted[LEVEL_WINDOW >> 1];
  }

  /** After every quality measurement: the samples' diversity against the training pictures'. */
  afterMeasurement(q: QualityScores): Alarm | undefined {
    const share = this.config.monitor.collapseShare;
    return this.ring('collapse', share > 0 && q.diversity < share, () => ({
      kind: 'collapse',
      message: `the samples are collapsing: their diversity is ${(q.diversity * 100).toFixed(0)} % of the training pictures' (below ${(share * 100).toFixed(0)} %), recall ${q.recall.toFixed(2)}`,
      advice: 'go back to the best snapshot and continue with a lower G learning rate, or try minibatch-friendly objectives (WGAN-GP, hinge), label flipping, or a larger batch',
    }));
  }

  private ring(kind: keyof AlarmWatch['ringing'], now: boolean, alarm: () => Alarm): Alarm | undefined {
    const rings = now && !this.ringing[kind];
    this.ringing[kind] = now;
    return rings ? alarm() : undefined;
  }
}
