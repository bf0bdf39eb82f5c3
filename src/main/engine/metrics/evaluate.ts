/**
 * `gan-studio eval`: every quality score of a run's generator (its latest checkpoint or a snapshot) against its own
 * training pictures, in the run's feature space; for MNIST also the classifier's FCD against the test split and
 * its classifier score.
 */
import type { CuratedLoader } from '../data';
import { loadDataset } from '../data';
import { loadMnist } from '../data/mnist';
import { loadRunGenerator, type LoadedGenerator } from '../training/generator';
import { runLayout } from '../training/run';
import type { SnapshotChoice } from '../training/snapshots';
import { Rng } from '../training/rng';
import { FEATURE_SPACE_LABELS, type FeatureSpaceId, type QualityScores } from '../../../shared/quality';
import { MnistClassifier } from './classifier';
import { featureSpaceFor, openFeatureSpace } from './featureSpace';
import { classHistogram, classifierScore, fitGaussian, frechetDistance, type Gaussian } from './frechet';
import { measureQuality, referenceSet } from './quality';

export interface MnistScores {
  /** Fréchet distance to the MNIST test split in the classifier's 128 penultimate features. */
  fcd: number;
  /** exp(mean KL(p(y|x) ‖ p(y))); 10 at best for ten balanced, confident classes. */
  classifierScore: number;
  classHistogram: number[];
}

export interface EvalResult extends QualityScores {
  step: number;
  /** The snapshot scored; absent for the latest checkpoint. */
  snapshot?: number;
  /** Whether G's weight average was scored. */
  ema: boolean;
  spaceLabel: string;
  mnist?: MnistScores;
}

/** Statistics of MNIST's 10,000 test digits in the classifier's features. */
export function mnistTestGaussian(classifier: MnistClassifier): Gaussian {
  const test = loadMnist('test');
  return fitGaussian(classifier.embed(test.images, test.count).features, test.count, 128);
}

/** Scores `n` images (N × 28 × 28 × 1 in [-1, 1]) against MNIST's test statistics. */
export function scoreImages(classifier: MnistClassifier, reference: Gaussian, images: Float32Array, n: number): MnistScores {
  const { features, probs } = classifier.embed(images, n);
  return {
    fcd: frechetDistance(fitGaussian(features, n, 128), reference),
    classifierScore: classifierScore(probs, n, 10),
    classHistogram: classHistogram(probs, n, 10),
  };
}

function mnistScores(g: LoadedGenerator, n: number): MnistScores {
  const classifier = MnistClassifier.load();
  try {
    return scoreImages(classifier, mnistTestGaussian(classifier), g.generate(Rng.fromSeed(12345).normals(n * g.latentDim)), n);
  } finally {
    classifier.dispose();
  }
}

export interface EvalOptions {
  n: number;
  snapshot?: SnapshotChoice;
  /** Another feature space than the run's own. */
  space?: FeatureSpaceId;
  /** G's last weights, not its weight average (to see what the average gives). */
  lastWeights?: boolean;
  curated?: CuratedLoader;
}

export async function evaluateRun(dir: string, o: EvalOptions): Promise<EvalResult> {
  const g = loadRunGenerator(dir, { snapshot: o.snapshot, lastWeights: o.lastWeights });
  try {
    const spaceId = o.space ?? featureSpaceFor(g.config);
    const data = await loadDataset(g.config, o.curated);
    const space = openFeatureSpace(spaceId, { data, cacheDir: runLayout(dir).quality });
    let quality: QualityScores;
    try {
      quality = measureQuality(space, referenceSet(space, data, runLayout(dir).quality), o.n, g.imageShape, g.latentDim, (latents) => g.generate(latents));
    } finally {
      space.dispose();
    }
    const [h, w, c] = g.imageShape;
    const digits = g.config.data.source === 'mnist' && h === 28 && w === 28 && c === 1;
    return { step: g.step, snapshot: g.snapshot, ema: g.ema, ...quality, spaceLabel: FEATURE_SPACE_LABELS[spaceId], ...(digits && { mnist: mnistScores(g, o.n) }) };
  } finally {
    g.dispose();
  }
}
