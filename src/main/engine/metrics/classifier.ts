/**
 * The quality yardstick: a small LeNet-style MNIST classifier. Its penultimate layer (128 features) is the
 * embedding for the Fréchet distance; its softmax gives the classifier score and the class histogram.
 * Weights live in resources/mnist-classifier.bin, made by scripts/train-classifier.ts.
 */
import { join } from 'node:path';
import * as tf from '../runtime/tf';
import { ParamStore, conv2d, dense, flatten, relu, sequential, type ForwardContext, type Layer } from '../models/layers';
import { loadWeights, saveWeights } from '../models/weightsFile';
import { Rng } from '../training/rng';
import { argmaxRows } from './frechet';

const MAGIC = 'GANCLF01';
export const CLASSIFIER_FILE = join(__dirname, '..', '..', '..', '..', 'resources', 'mnist-classifier.bin');

const maxPool2: Layer = (x) => tf.maxPool(x as tf.Tensor4D, 2, 2, 'same');

export class MnistClassifier {
  readonly params: ParamStore;
  private readonly features: Layer;
  private readonly head: Layer;

  constructor(seed = 1) {
    const p = new ParamStore(Rng.fromSeed(seed));
    this.params = p;
    this.features = sequential(
      conv2d(p, 'conv1', 5, 1, 16, 1, 'same'), relu, maxPool2, // 16 × 14 × 14
      conv2d(p, 'conv2', 5, 16, 32, 1, 'same'), relu, maxPool2, // 32 × 7 × 7
      flatten,
      dense(p, 'fc1', 7 * 7 * 32, 128), relu, // 128 features
    );
    this.head = dense(p, 'fc2', 128, 10); // 10 logits
  }

  /** Logits and penultimate features for a batch of N × 28 × 28 × 1 images in [-1, 1]. */
  apply(x: tf.Tensor, ctx: ForwardContext): { features: tf.Tensor2D; logits: tf.Tensor2D } {
    const features = this.features(x, ctx) as tf.Tensor2D;
    return { features, logits: this.head(features, ctx) as tf.Tensor2D };
  }

  /** Features and class probabilities of many images, in chunks. */
  embed(images: Float32Array, count: number): { features: Float32Array; probs: Float32Array } {
    const features = new Float32Array(count * 128);
    const probs = new Float32Array(count * 10);
    const ctx: ForwardContext = { training: false, rng: Rng.fromSeed(0) };
    for (let i = 0; i < count; i += 500) {
      const n = Math.min(500, count - i);
      tf.tidy(() => {
        const x = tf.tensor4d(images.subarray(i * 784, (i + n) * 784), [n, 28, 28, 1]);
        const out = this.apply(x, ctx);
        features.set(out.features.dataSync(), i * 128);
        probs.set(tf.softmax(out.logits).dataSync(), i * 10);
      });
    }
    return { features, probs };
  }

  /** Share of `labels` the classifier gets right on these images. */
  accuracy(images: Float32Array, labels: Int32Array): number {
    const { probs } = this.embed(images, labels.length);
    const predicted = argmaxRows(probs, 10);
    return predicted.filter((p, i) => p === labels[i]).length / labels.length;
  }

  save(file = CLASSIFIER_FILE): void {
    saveWeights(file, MAGIC, this.params);
  }

  static load(file = CLASSIFIER_FILE): MnistClassifier {
    const c = new MnistClassifier();
    loadWeights(file, MAGIC, c.params, 'the MNIST classifier');
    return c;
  }

  dispose(): void {
    this.params.dispose();
  }
}
