/** What a linear probe of a run's D found (gan-studio probe, runs:probe; kept as the run's probe.json). */
export interface ProbeScores { accuracy: number; features: number }

export interface ProbeReport {
  /** The checkpoint (or snapshot) step whose D was probed. */
  step: number;
  dataset: string;
  classes: string[];
  trainCount: number;
  testCount: number;
  /** The linear classifier's test accuracy on D's features, on the raw pixels, and on an untrained D's features. */
  trained: ProbeScores;
  pixels: ProbeScores;
  untrained: ProbeScores;
  /** The share of the most common class among the test pictures: what always guessing it scores. */
  majority: number;
}
