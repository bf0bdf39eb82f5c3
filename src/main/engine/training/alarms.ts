/**
 * Watches a run for what a person should hear about while it trains: its samples losing their variety (collapse),
 * and D winning outright — D(G(z)) near 0 step after step, where G's gradients fade. Each alarm says what was
 * measured and what to try, rings once, and rings again only after the run recovered. (Divergence, a loss turning
 * non-finite, is handled by the run loop: it restores and carries on.)
 */
import type { Config } from '../../../shared/config/schema';
import type { Alarm, QualityScores } from '../../../shared/quality';
import type { StepMetrics } from '../../../shared/metrics';
import { LOSSES } from './losses';

/** D(G(z)) below this, as a probability, counts as D winning. */
const D_WINS_BELOW = 0.01;

export class AlarmWatch {
  private losing = 0;
  private ringing = { collapse: false, 'd-wins': false };

  constructor(private readonly config: Config) {}

  /** After every step: D(G(z)) as G saw it (for the objectives whose D outputs a probability). */
  afterStep(m: StepMetrics): Alarm | undefined {
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
