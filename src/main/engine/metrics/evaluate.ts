/** `gan-studio eval`: how close a run's samples are to real MNIST digits, in the yardstick classifier's eyes. */
import { loadMnist } from '../data/mnist';
import { loadRunGenerator, type LoadedGenerator } from '../training/generator';
import { Rng } from '../training/rng';
import { MnistClassifier } from './classifier';
import { classHistogram, classifierScore, fitGaussian, frechetDistance, type Gaussian } from './frechet';

export interface EvalResult {
  step: number;
  samples: number;
  /** Fréchet distance to the MNIST test split in the classifier's 128 penultimate features. */
  fcd: number;
  /** exp(mean KL(p(y|x) ‖ p(y))); 10 at best for ten balanced, confident classes. */
  classifierScore: number;
  classHistogram: number[];
}

/** Statistics of MNIST's 10,000 test digits in the classifier's features. */
export function mnistTestGaussian(classifier: MnistClassifier): Gaussian {
  const test = loadMnist('test');
  return fitGaussian(classifier.embed(test.images, test.count).features, test.count, 128);
}

/** Scores `n` images (N × 28 × 28 × 1 in [-1, 1]) against the reference statistics. */
export function scoreImages(classifier: MnistClassifier, reference: Gaussian, images: Float32Array, n: number) {
  const { features, probs } = classifier.embed(images, n);
  return {
    fcd: frechetDistance(fitGaussian(features, n, 128), reference),
    classifierScore: classifierScore(probs, n, 10),
    classHistogram: classHistogram(probs, n, 10),
  };
}

export function evaluateGenerator(g: LoadedGenerator, n: number, seed = 12345): EvalResult {
  const [h, w, c] = g.imageShape;
  if (h !== 28 || w !== 28 || c !== 1) throw new Error(`eval compares with MNIST digits (28×28 grey); this run draws ${h}×${w}×${c}`);
  const classifier = MnistClassifier.load();
  try {
    const reference = mnistTestGaussian(classifier);
    const images = g.generate(Rng.fromSeed(seed).normals(n * g.latentDim));
    return { step: g.step, samples: n, ...scoreImages(classifier, reference, images, n) };
  } finally {
    classifier.dispose();
  }
}

export async function evaluateRun(dir: string, n: number): Promise<EvalResult> {
  const g = loadRunGenerator(dir);
  try {
    return evaluateGenerator(g, n);
  } finally {
    g.dispose();
  }
}
