/**
 * Quality scores of a run's samples against its training pictures, and the feature spaces they are measured in.
 * Scores from different spaces never compare: every score carries the space that produced it.
 */
export const FEATURE_SPACES = ['general', 'faces', 'mnist-classifier', 'own'] as const;
export type FeatureSpaceId = (typeof FEATURE_SPACES)[number];

export const FEATURE_SPACE_LABELS: Record<FeatureSpaceId, string> = {
  general: 'MobileNetV3 (COCO-trained CenterNet backbone, 720 features)',
  faces: 'face-recognition MobileNet (HSE faceres, 1,024 features)',
  'mnist-classifier': "our MNIST classifier (128 features; MNIST's test split)",
  own: "an encoder trained on this run's own pictures (128 features; compares runs on this dataset only)",
};

/** Training pictures (at most) that stand for the dataset in every score: a fixed, seeded choice. */
export const REFERENCE_PICTURES = 1000;

export interface QualityScores {
  space: FeatureSpaceId;
  /** Generated samples scored, and training pictures they were compared with. */
  samples: number;
  reference: number;
  fid: number;
  /** KID: mean and standard deviation over subsets; the score snapshots are ranked by (lower is better). */
  kid: number;
  kidStd: number;
  precision: number;
  recall: number;
  density: number;
  coverage: number;
  /** Share of samples nearer to a training picture than half the training set's median nearest-neighbour distance. */
  memorised: number;
  /** Mean distance between two samples over mean distance between two training pictures: near 0 when G draws one picture. */
  diversity: number;
  /** Time the measurement took. */
  seconds: number;
}

/** A metrics.jsonl line that holds a quality measurement rather than a step. */
export interface QualityRecord { step: number; quality: QualityScores }

/** A kept snapshot of a run: its step, its scores, and whether it is the run's best so far. */
export interface SnapshotInfo { step: number; quality?: QualityScores; best: boolean }

/** What an alarm watches: the losses turning non-finite, the samples losing their variety, D winning outright, G's gradients vanishing. */
export type AlarmKind = 'divergence' | 'collapse' | 'd-wins' | 'g-vanishing';

/** An alarm as the live view shows it and metrics.jsonl keeps it: what was measured, and what to try. */
export interface Alarm { kind: AlarmKind; message: string; advice: string }

/** A metrics.jsonl line that holds an alarm. */
export interface AlarmRecord { step: number; alarm: Alarm }
