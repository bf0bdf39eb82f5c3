/**
 * The semi-supervised GAN of Salimans et al. 2016 ("Improved techniques for training GANs", §5): D is a classifier
 * over K + 1 classes — the K of the dataset and "generated" — written as K logits l with the generated class's
 * logit fixed at 0, so that D(x) = Z/(Z + 1), Z = Σ exp(l_k). D learns from a few labelled pictures (cross-entropy
 * over the K classes) and from all the others without labels (real vs generated); G learns by feature matching
 * (the batch mean of D's last hidden layer on G's pictures towards its mean on real ones). The networks are the
 * paper's MNIST ones: D 1000-500-250-250-250 with Gaussian noise on every layer's input (σ 0.3 on the picture, 0.5
 * after), G 500-500 softplus with BatchNorm; weight normalisation is left out. The baseline is the same D trained
 * as a plain classifier on the labelled pictures alone, for as many updates.
 */
import * as tf from '../runtime/tf';
import type { Dataset } from '../data/dataset';
import { ParamStore, applyStatUpdates, batchNorm, inferenceContext, type ForwardContext, type Layer } from '../models/layers';
import { Adam } from './optim';
import { Rng } from './rng';

export interface SemiSupervisedOptions {
  train: Dataset;
  test: Dataset;
  /** How many training pictures keep their labels: the same number of each class. */
  labelled: number;
  steps: number;
  batchSize?: number;
  /** Adam's learning rate: 3e-4 (the paper's 0.003 relies on weight normalisation; without it the baseline collapsed). */
  lr?: number;
  seed?: number;
  latentDim?: number;
  /** Test accuracy of both classifiers every this many steps (0: only at the end). */
  evalEvery?: number;
  signal?: AbortSignal;
  onProgress?(p: { step: number; steps: number; ganAccuracy?: number; baselineAccuracy?: number }): void;
}

export interface SemiSupervisedResult {
  labelled: number;
  steps: number;
  /** D of the semi-supervised GAN as a classifier on the test split. */
  ganAccuracy: number;
  /** The same network trained on the labelled pictures alone. */
  baselineAccuracy: number;
  history: { step: number; ganAccuracy: number; baselineAccuracy: number }[];
  /** 100 of G's pictures at the end (N × H × W × C in [-1, 1]). */
  samples: Float32Array;
  seconds: { gan: number; baseline: number };
}

/** `perClass` indices of each of the K classes, drawn with `rng`: the pictures that keep their labels. */
export function labelledSubset(labels: Int32Array, classes: number, count: number, rng: Rng): Int32Array {
  if (count % classes !== 0) throw new Error(`labelled: ${count} is not a multiple of the ${classes} classes (the same number of each)`);
  const perClass = count / classes;
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  labels.forEach((y, i) => byClass[y].push(i));
  const picked: number[] = [];
  byClass.forEach((indices, k) => {
    if (indices.length < perClass) throw new Error(`labelled: class ${k} has only ${indices.length} pictures, ${perClass} asked for`);
    for (let i = 0; i < perClass; i++) {
      const j = i + rng.below(indices.length - i);
      [indices[i], indices[j]] = [indices[j], indices[i]];
      picked.push(indices[i]);
    }
  });
  return Int32Array.from(picked);
}

/** log Σ exp(l) over the classes, per row (N). */
const logSumExp = (logits: tf.Tensor): tf.Tensor => tf.logSumExp(logits, 1);

/**
 * The D loss of the K + 1 formulation: cross-entropy of the labelled logits against their classes, plus
 * −E log D(x) over unlabelled real pictures and −E log(1 − D(G(z))) over generated ones, where
 * log D(x) = LSE(l) − softplus(LSE(l)) and log(1 − D(x)) = −softplus(LSE(l)).
 */
export function semiSupervisedLoss(labelledLogits: tf.Tensor, labels: tf.Tensor, unlabelledLogits: tf.Tensor, fakeLogits: tf.Tensor): { supervised: tf.Scalar; unsupervised: tf.Scalar } {
  const supervised = crossEntropy(labelledLogits, labels);
  const zReal = logSumExp(unlabelledLogits);
  const zFake = logSumExp(fakeLogits);
  const unsupervised = tf.add(tf.neg(tf.mean(tf.sub(zReal, tf.softplus(zReal)))), tf.mean(tf.softplus(zFake))) as tf.Scalar;
  return { supervised, unsupervised };
}

/** Mean cross-entropy of softmax(logits) against the classes `labels` (int32, N). */
export function crossEntropy(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  const picked = tf.sum(tf.mul(logits, tf.oneHot(tf.cast(labels, 'int32'), logits.shape[1]!)), 1);
  return tf.mean(tf.sub(logSumExp(logits), picked)) as tf.Scalar;
}

/** ‖E f(x) − E f(G(z))‖² / width: G's feature-matching loss on D's last hidden layer. */
export function featureMatchingLoss(realFeatures: tf.Tensor, fakeFeatures: tf.Tensor): tf.Scalar {
  return tf.mean(tf.square(tf.sub(tf.mean(realFeatures, 0), tf.mean(fakeFeatures, 0)))) as tf.Scalar;
}

/** A dense layer with He initialisation (N(0, 2/fan-in)): deep ReLU stacks train from the first step. */
function heDense(p: ParamStore, name: string, inDim: number, outDim: number): Layer {
  const w = p.normal(`${name}.weight`, [inDim, outDim], 0, Math.sqrt(2 / inDim));
  const b = p.zeros(`${name}.bias`, [outDim]);
  return (x) => tf.add(tf.matMul(x as tf.Tensor2D, w), b);
}

/** N(0, σ²) added while training (its seed from the run's random source), nothing at inference. */
const gaussianNoise = (sigma: number): Layer => (x, ctx) => (ctx.training ? tf.add(x, tf.randomNormal(x.shape, 0, sigma, 'float32', ctx.rng.nextUint32())) : x);

interface Classifier { params: ParamStore; logits: Layer; features: Layer }

function buildClassifier(inDim: number, classes: number, rng: Rng): Classifier {
  const p = new ParamStore(rng);
  const widths = [inDim, 1000, 500, 250, 250, 250];
  const hidden: Layer[] = [];
  widths.slice(1).forEach((w, i) => hidden.push(gaussianNoise(i === 0 ? 0.3 : 0.5), heDense(p, `fc${i + 1}`, widths[i], w), (x) => tf.relu(x)));
  const out = heDense(p, 'logits', 250, classes);
  const features: Layer = (x, ctx) => hidden.reduce((h, layer) => layer(h, ctx), tf.reshape(x, [x.shape[0]!, inDim]));
  return { params: p, features, logits: (x, ctx) => out(tf.add(features(x, ctx), ctx.training ? tf.randomNormal([x.shape[0]!, 250], 0, 0.5, 'float32', ctx.rng.nextUint32()) : 0), ctx) };
}

function buildGenerator(latentDim: number, shape: [number, number, number], rng: Rng): { params: ParamStore; apply: Layer } {
  const p = new ParamStore(rng);
  const size = shape[0] * shape[1] * shape[2];
  const layers: Layer[] = [
    heDense(p, 'fc1', latentDim, 500), batchNorm(p, 'fc1.bn', 500, 0.9, 1e-5), (x) => tf.softplus(x),
    heDense(p, 'fc2', 500, 500), batchNorm(p, 'fc2.bn', 500, 0.9, 1e-5), (x) => tf.softplus(x),
    heDense(p, 'out', 500, size), (x) => tf.tanh(x), (x) => tf.reshape(x, [x.shape[0]!, ...shape]),
  ];
  return { params: p, apply: (x, ctx) => layers.reduce((h, layer) => layer(h, ctx), x) };
}

/** Share of `data`'s pictures whose largest logit is their class (inference: no noise), in chunks. */
export function testAccuracy(classifier: Pick<Classifier, 'logits'>, data: Dataset): number {
  const [h, w, c] = data.shape;
  const ctx = inferenceContext(Rng.fromSeed(0));
  let right = 0;
  for (let i = 0; i < data.count; i += 1000) {
    const n = Math.min(1000, data.count - i);
    const predicted = tf.tidy(() => tf.argMax(classifier.logits(tf.tensor4d(data.images.subarray(i * h * w * c, (i + n) * h * w * c), [n, h, w, c]), ctx), 1));
    const values = predicted.dataSync();
    predicted.dispose();
    for (let j = 0; j < n; j++) if (values[j] === data.labels![i + j]) right++;
  }
  return right / data.count;
}

/** Trains the semi-supervised GAN and the baseline on the same labelled pictures; both tested on `test`. */
export function trainSemiSupervised(o: SemiSupervisedOptions): SemiSupervisedResult {
  const { train, test, steps } = o;
  const batch = o.batchSize ?? 100;
  const latentDim = o.latentDim ?? 100;
  const classes = train.classNames?.length ?? 0;
  if (!train.labels || !test.labels || classes < 2) throw new Error(`a semi-supervised GAN needs a labelled dataset with classes: '${train.name}' has none`);
  const seeds = Rng.fromSeed(o.seed ?? 1);
  const rng = Rng.fromSeed(seeds.nextUint32());
  const picked = labelledSubset(train.labels, classes, o.labelled, Rng.fromSeed(seeds.nextUint32()));
  const [h, w, c] = train.shape;
  const size = h * w * c;
  const rows = (indices: ArrayLike<number>): tf.Tensor4D => {
    const out = new Float32Array(indices.length * size);
    for (let i = 0; i < indices.length; i++) out.set(train.images.subarray(indices[i] * size, (indices[i] + 1) * size), i * size);
    return tf.tensor4d(out, [indices.length, h, w, c]);
  };
  const draw = (from: ArrayLike<number> | number, n: number): number[] => Array.from({ length: n }, () => (typeof from === 'number' ? rng.below(from) : from[rng.below(from.length)]));
  const labelsOf = (indices: number[]): tf.Tensor1D => tf.tensor1d(indices.map((i) => train.labels![i]), 'int32');
  const adam = (vars: Map<string, tf.Variable>) => new Adam({ lr: o.lr ?? 3e-4, beta1: 0.5, beta2: 0.999, epsilon: 1e-8 }, vars);

  const D = buildClassifier(size, classes, Rng.fromSeed(seeds.nextUint32()));
  const G = buildGenerator(latentDim, [h, w, c], Rng.fromSeed(seeds.nextUint32()));
  const baseline = buildClassifier(size, classes, Rng.fromSeed(seeds.nextUint32()));
  const adamD = adam(D.params.trainable);
  const adamG = adam(G.params.trainable);
  const adamBase = adam(baseline.params.trainable);
  const history: SemiSupervisedResult['history'] = [];
  const seconds = { gan: 0, baseline: 0 };
  const ctx = (): ForwardContext => ({ training: true, rng, statUpdates: [] });
  const named = (vars: Map<string, tf.Variable>, grads: tf.NamedTensorMap) => new Map([...vars].map(([k, v]) => [k, grads[v.name]]));

  try {
    for (let step = 1; step <= steps; step++) {
      if (o.signal?.aborted) throw new Error('cancelled');
      const lab = draw(picked, batch);
      const unl = draw(train.count, batch);
      let started = performance.now();
      tf.tidy(() => {
        const xLab = rows(lab);
        const yLab = labelsOf(lab);
        const xUnl = rows(unl);
        const z = () => tf.tensor2d(rng.normals(batch * latentDim), [batch, latentDim]);
        const gCtx = ctx();
        const fake = G.apply(z(), gCtx);
        const dCtx: ForwardContext = { training: true, rng };
        const d = tf.variableGrads(() => {
          const { supervised, unsupervised } = semiSupervisedLoss(D.logits(xLab, dCtx), yLab, D.logits(xUnl, dCtx), D.logits(fake, dCtx));
          return tf.add(supervised, unsupervised) as tf.Scalar;
        }, [...D.params.trainable.values()]);
        adamD.apply(named(D.params.trainable, d.grads));
        const g = tf.variableGrads(() => featureMatchingLoss(D.features(xUnl, dCtx), D.features(G.apply(z(), gCtx), dCtx)), [...G.params.trainable.values()]);
        adamG.apply(named(G.params.trainable, g.grads));
        applyStatUpdates(gCtx);
      });
      seconds.gan += (performance.now() - started) / 1000;
      started = performance.now();
      tf.tidy(() => {
        const bCtx: ForwardContext = { training: true, rng };
        const b = tf.variableGrads(() => crossEntropy(baseline.logits(rows(lab), bCtx), labelsOf(lab)), [...baseline.params.trainable.values()]);
        adamBase.apply(named(baseline.params.trainable, b.grads));
      });
      seconds.baseline += (performance.now() - started) / 1000;
      const measure = step === steps || ((o.evalEvery ?? 0) > 0 && step % o.evalEvery! === 0);
      if (measure) history.push({ step, ganAccuracy: testAccuracy(D, test), baselineAccuracy: testAccuracy(baseline, test) });
      o.onProgress?.({ step, steps, ...(measure && { ganAccuracy: history.at(-1)!.ganAccuracy, baselineAccuracy: history.at(-1)!.baselineAccuracy }) });
    }
    const samples = tf.tidy(() => G.apply(tf.tensor2d(Rng.fromSeed(7).normals(100 * latentDim), [100, latentDim]), inferenceContext(Rng.fromSeed(0))));
    const values = samples.dataSync() as Float32Array;
    samples.dispose();
    const last = history.at(-1)!;
    return { labelled: o.labelled, steps, ganAccuracy: last.ganAccuracy, baselineAccuracy: last.baselineAccuracy, history, samples: values, seconds };
  } finally {
    for (const x of [D.params, G.params, baseline.params]) x.dispose();
    for (const a of [adamD, adamG, adamBase]) a.dispose();
  }
}
