/**
 * The training loop's step, readable top to bottom (after pytorch/examples dcgan/main.py):
 *   (1) Update D: k times, on a real batch and a generated batch, with the chosen objective;
 *   (2) Update G: once, through D, unless D is still being pre-trained.
 * The trainer owns the run's variables, optimisers and random source; it does no I/O.
 */
import * as tf from '../runtime/tf';
import type { Config } from '../../../shared/config/schema';
import type { StepMetrics } from '../../../shared/metrics';

export type { StepMetrics };
import { WeightAverage } from './ema';
import { Adam } from './optim';
import { Batcher, type BatcherState } from '../data/batcher';
import type { Dataset } from '../data/dataset';
import { LOSSES, gradientPenalty, penaltyPoints, r1Penalty, type GanLoss } from './losses';
import { buildGan, generateImages, type Gan, type Network } from '../models';
import { cyclingLabels, withLabelPlanes, withLabels } from '../models/network';
import { applyStatUpdates, inferenceContext, type ForwardContext } from '../models/layers';
import { AdaController, augment, type AugmentOp } from './augment';
import { EquilibriumController, type EquilibriumState } from './equilibrium';
import { Rng, type RngState } from './rng';
import { outsideTape } from './tapePause';
import { compiledPasses, type CompiledPasses, type CompileStatus, type Trace } from '../runtime/stepCompiler';

/** Everything a resumed run needs besides the network and optimiser tensors. */
export interface TrainerState {
  step: number;
  rng: RngState;
  data: BatcherState;
  adamSteps: { g: number; d: number };
  /** ADA's probability and its partial interval (train.augment 'ada'). */
  ada?: ReturnType<AdaController['state']>;
  /** BEGAN's k_t. */
  equilibrium?: EquilibriumState;
}

export interface RestoredRun {
  state: TrainerState;
  tensors: Map<string, Float32Array>;
  fixedLatents: Float32Array;
}

export class Trainer {
  readonly gan: Gan;
  readonly fixedLatents: Float32Array;
  step = 0;
  private readonly rng: Rng;
  private readonly batcher: Batcher;
  private readonly loss: GanLoss;
  private readonly adamG: Adam;
  private readonly adamD: Adam;
  /** G's weight average, when train.emaDecay > 0: samples are drawn from it. */
  private readonly ema?: WeightAverage;
  /** D's weights its updates change: all of them, or all but the first train.freezeD layers' (FreezeD). */
  private readonly dUpdated: Map<string, tf.Variable>;
  private readonly augmentOps: AugmentOp[];
  private readonly ada?: AdaController;
  private readonly equilibrium?: EquilibriumController;
  /** Step-by-step mode: the D update made since the last G update, reported with the step the G update completes. */
  private pendingD?: { lossD: number; dReal: number; dFake: number };
  /** Runs a step: as one function of the compiled step (native backend), else as it is. */
  private readonly compiled?: CompiledPasses;
  /** Draws samples compiled the same way. */
  private readonly compiledSampling?: CompiledPasses;

  constructor(readonly config: Config, readonly data: Dataset, restored?: RestoredRun) {
    const { train, optim, model, monitor } = config;
    const [h, w, c] = data.shape;
    if (h !== model.imageSize || w !== model.imageSize || c !== model.channels) {
      throw new Error(`dataset images are ${h}×${w}×${c}, the model wants ${model.imageSize}×${model.imageSize}×${model.channels}`);
    }
    if (model.classes > 0) checkLabels(data, model.classes);
    // One seed drives weights, latents, dropout and data order, each from its own stream.
    const seeds = Rng.fromSeed(train.seed);
    const initRng = Rng.fromSeed(seeds.nextUint32());
    const fixedRng = Rng.fromSeed(seeds.nextUint32());
    const dataSeed = seeds.nextUint32();
    this.rng = restored ? Rng.fromState(restored.state.rng) : Rng.fromSeed(seeds.nextUint32());

    this.gan = buildGan(model, initRng);
    this.loss = LOSSES[train.loss];
    this.adamG = new Adam({ lr: optim.lrG, beta1: optim.beta1, beta2: optim.beta2, epsilon: optim.epsilon }, this.gan.generator.params.trainable);
    this.dUpdated = withoutFirstLayers(this.gan.discriminator.params.trainable, train.freezeD);
    this.adamD = new Adam({ lr: optim.lrD, beta1: optim.beta1, beta2: optim.beta2, epsilon: optim.epsilon }, this.dUpdated);
    if (train.emaDecay > 0) this.ema = new WeightAverage(train.emaDecay, this.gan.generator.params.trainable);
    this.augmentOps = train.augment === 'none' ? [] : (train.augmentOps.split(',') as AugmentOp[]);
    if (train.augment === 'ada') this.ada = new AdaController(0, train.adaTarget, train.adaKimg, train.batchSize);
    if (this.loss.equilibrium) this.equilibrium = new EquilibriumController(train.beganGamma, train.beganLambdaK);
    this.fixedLatents = restored?.fixedLatents ?? fixedRng.normals(monitor.sampleCount * model.latentDim);
    this.batcher = new Batcher(data, dataSeed, restored?.state.data, config.data.flip);
    if (train.compiledStep !== 'off') {
      this.compiled = compiledPasses(tf.backend(), 'step', train.compiledStep === 'xla');
      this.compiledSampling = compiledPasses(tf.backend(), 'sampling');
    }
    if (restored) this.restore(restored);
  }

  /** One training step: k discriminator updates, then one generator update. */
  trainStep(): StepMetrics {
    const { batchSize, dSteps, dPretrainSteps } = this.config.train;
    const started = performance.now();
    const updateG = this.step >= dPretrainSteps;

    // The step runs as one pass of the compiled step where the backend has it: everything up to the read-back.
    const step = (): number[] => {
      const metrics = tf.tidy(() => this.stepTensors(updateG));
      const out = Array.from(metrics.dataSync());
      metrics.dispose();
      return out;
    };
    const values = this.compiled ? this.compiled.run(step) : step();

    this.step += 1;
    const augmentP = this.augmentP(); // the p this step used, before ADA moves it
    this.ada?.observe(values[6]);
    const began = this.equilibrium?.observe(values[2], values[3]); // mean L(x), L(G(z)) of the step's last D update
    const stepMs = performance.now() - started;
    return {
      step: this.step,
      epoch: this.batcher.epoch,
      lossD: values[0],
      lossG: updateG ? values[1] : null,
      dReal: values[2],
      dFake: values[3],
      dFakeAfter: updateG ? values[4] : null,
      gradNormG: updateG ? values[5] : null,
      ...(this.augmentOps.length > 0 && { augmentP }),
      ...(began && { beganK: began.k, convergence: began.convergence }),
      stepMs,
      imagesPerSec: (batchSize * dSteps * 1000) / stepMs, // real images consumed, as PyTorch's reference counts
    };
  }

  /** The step's tensors: (1) D's updates, (2) G's; returns its metrics stacked (read back by trainStep). */
  private stepTensors(updateG: boolean): tf.Tensor1D {
    const { batchSize, dSteps, gSteps } = this.config.train;
    const G = this.gan.generator;
    const D = this.gan.discriminator;
    let d: DiscriminatorStep | undefined;
    // (1) Update D on fresh batches (G held fixed) — all k updates while D is pre-trained, else all but the last.
    for (let i = 0; i < dSteps - (updateG ? 1 : 0); i++) {
      d?.dispose();
      const y = this.fakeLabels(batchSize);
      d = this.discriminatorStep(G.apply(withLabels(this.latents(batchSize), y), this.untrackedContext()), y);
    }
    let lossG: tf.Scalar | undefined;
    let dFakeAfter: tf.Scalar | undefined;
    let gradNormG: tf.Scalar | undefined;
    if (updateG) {
      const ctxG = this.trainingContext();
      const { value, grads } = tf.variableGrads(() => {
        // G's forward runs once a step, on the tape (as pytorch/examples reuses `fake`): the last D update
        // sees it detached, then (2) G's loss flows back through the updated D into it.
        const y = this.fakeLabels(batchSize);
        const fake = G.apply(withLabels(this.latents(batchSize), y), ctxG);
        d?.dispose();
        d = outsideTape(() => this.discriminatorStep(fake, y));
        const judged = D.apply(withLabelPlanes(this.seenByD(fake), y), this.untrackedContext());
        dFakeAfter = tf.keep(this.meanScore(judged));
        return this.loss.generator(judged);
      }, [...G.params.trainable.values()]);
      gradNormG = this.updateGenerator(grads, ctxG);
      lossG = value;
      // More G updates, each on fresh latents against the same D (the last one's loss and norm are reported).
      for (let i = 1; i < gSteps; i++) [lossG, gradNormG] = this.generatorStep();
    }
    const metrics = tf.stack([d!.loss, lossG ?? tf.scalar(NaN), d!.dReal, d!.dFake, dFakeAfter ?? tf.scalar(NaN), gradNormG ?? tf.scalar(NaN), d!.realSign]) as tf.Tensor1D;
    d!.dispose();
    dFakeAfter?.dispose();
    return metrics;
  }

  /** One more G update through D on fresh latents: G's loss and gradient norm. */
  private generatorStep(): [tf.Scalar, tf.Scalar] {
    const { batchSize } = this.config.train;
    const G = this.gan.generator;
    const ctx = this.trainingContext();
    const { value, grads } = tf.variableGrads(() => {
      const y = this.fakeLabels(batchSize);
      const fake = G.apply(withLabels(this.latents(batchSize), y), ctx);
      return this.loss.generator(this.gan.discriminator.apply(withLabelPlanes(this.seenByD(fake), y), this.untrackedContext()));
    }, [...G.params.trainable.values()]);
    return [value, this.updateGenerator(grads, ctx)];
  }

  /** Applies G's gradients (Adam, its weight average, BN statistics); their global norm. */
  private updateGenerator(grads: tf.NamedTensorMap, ctx: ForwardContext): tf.Scalar {
    const norm = globalNorm(Object.values(grads));
    this.adamG.apply(byOurNames(this.gan.generator.params.trainable, grads));
    this.ema?.update(this.adamG.step);
    applyStatUpdates(ctx);
    return norm;
  }

  /** One D update: minimise D's loss on a real batch and on `fake` of classes `fakeY` (no gradient reaches G). */
  private discriminatorStep(fake: tf.Tensor, fakeY: tf.Tensor2D | undefined): DiscriminatorStep {
    const { batchSize, gpWeight, clip, r1Gamma, r1Every } = this.config.train;
    const [h, w, c] = this.data.shape;
    const D = this.gan.discriminator;
    const batch = this.batcher.next(batchSize);
    const real = tf.tensor4d(batch.images, [batchSize, h, w, c]);
    const realY = fakeY && (tf.cast(tf.oneHot(tf.tensor1d(batch.labels!, 'int32'), this.gan.classes), 'float32') as tf.Tensor2D);
    const ctx = this.trainingContext();
    const scores: tf.Scalar[] = [];
    const flipped = this.flipMask(batchSize);
    const realTarget = this.realTargets(batchSize);
    const realSeen = this.seenByD(real);
    const lazyR1 = r1Gamma > 0 && this.adamD.step % r1Every === 0; // counted in D updates, which the checkpoint keeps
    const { value, grads } = tf.variableGrads(() => {
      // A self-supervised D (FastGAN) also rebuilds the real pictures it judges; that task's loss joins its own.
      const judged: { out: tf.Tensor; loss?: tf.Scalar } = D.selfSupervised ? D.selfSupervised(withLabelPlanes(realSeen, realY), ctx) : { out: D.apply(withLabelPlanes(realSeen, realY), ctx) };
      const outReal = judged.out;
      const outFake = D.apply(withLabelPlanes(this.seenByD(fake), fakeY), ctx);
      scores.push(tf.keep(this.meanScore(outReal)), tf.keep(this.meanScore(outFake)), tf.keep(tf.mean(tf.sign(outReal))));
      // Label flipping: the flipped pairs count as generated (the real picture) and as real (the generated one).
      let loss = flipped
        ? this.loss.discriminator(tf.where(flipped, outFake, outReal), tf.where(flipped, outReal, outFake), realTarget, this.equilibrium?.k)
        : this.loss.discriminator(outReal, outFake, realTarget, this.equilibrium?.k);
      // (a conditional critic is penalised on the mixed pictures with the real ones' classes)
      if (this.loss.penalty) loss = tf.add(loss, this.penalty(this.loss.penalty, D, real, fake, realY, gpWeight));
      if (judged.loss) loss = tf.add(loss, judged.loss);
      if (lazyR1) loss = tf.add(loss, tf.mul(r1Every, r1Penalty(this.gradientAt(D, realSeen, realY), r1Gamma)));
      return loss;
    }, [...this.dUpdated.values()]);
    this.adamD.apply(byOurNames(this.dUpdated, grads));
    if (this.loss.clipWeights) for (const v of this.dUpdated.values()) v.assign(tf.clipByValue(v, -clip, clip));
    applyStatUpdates(ctx);
    const loss = tf.keep(value);
    return { loss, dReal: scores[0], dFake: scores[1], realSign: scores[2], dispose: () => [loss, ...scores].forEach((t) => t.dispose()) };
  }

  /**
   * Step-by-step mode, half a step: one D update on a fresh real batch and fresh G pictures (G held fixed). The step
   * counter stays; the G update that follows (stepGenerator) completes the step.
   */
  stepDiscriminator(): { lossD: number; dReal: number; dFake: number } {
    const { batchSize } = this.config.train;
    const values = tf.tidy(() => {
      const y = this.fakeLabels(batchSize);
      const d = this.discriminatorStep(this.gan.generator.apply(withLabels(this.latents(batchSize), y), this.untrackedContext()), y);
      const out = tf.stack([d.loss, d.dReal, d.dFake]);
      d.dispose();
      return out;
    });
    const [lossD, dReal, dFake] = Array.from(values.dataSync());
    values.dispose();
    this.pendingD = { lossD, dReal, dFake };
    return this.pendingD;
  }

  /**
   * Step-by-step mode, the other half: one G update through D; the step counter advances and the step's metrics
   * are those of this update and of the last D update before it (there must be one).
   */
  stepGenerator(): StepMetrics {
    const d = this.pendingD;
    if (!d) throw new Error('a step is a D update, then a G update: step D first');
    const started = performance.now();
    const { batchSize } = this.config.train;
    const values = tf.tidy(() => {
      const [loss, norm] = this.generatorStep();
      const y = this.fakeLabels(batchSize);
      const fake = this.gan.generator.apply(withLabels(this.latents(batchSize), y), this.untrackedContext());
      return tf.stack([loss, norm, this.meanScore(this.gan.discriminator.apply(withLabelPlanes(this.seenByD(fake), y), this.untrackedContext()))]);
    });
    const [lossG, gradNormG, dFakeAfter] = Array.from(values.dataSync());
    values.dispose();
    this.pendingD = undefined;
    this.step += 1;
    const began = this.equilibrium?.observe(d.dReal, d.dFake);
    const stepMs = performance.now() - started;
    return {
      step: this.step, epoch: this.batcher.epoch, ...d, lossG, dFakeAfter, gradNormG,
      ...(began && { beganK: began.k, convergence: began.convergence }), stepMs, imagesPerSec: (batchSize * 1000) / stepMs,
    };
  }

  /**
   * What D says of each of the fixed latents' pictures (the sample grid): its mean score as the charts show it
   * (a probability for the BCE objectives), with the pictures themselves (from G's weight average, when kept).
   */
  judgeSamples(): { scores: number[]; images: Float32Array } {
    const images = this.generate(this.fixedLatents);
    const [h, w, c] = this.gan.imageShape;
    const n = images.length / (h * w * c);
    const scores = tf.tidy(() => {
      const x = tf.tensor4d(images, [n, h, w, c]);
      const y = this.gan.classes > 0 ? (tf.tensor2d(cyclingLabels(n, this.gan.classes), [n, this.gan.classes]) as tf.Tensor2D) : undefined;
      const out = tf.reshape(this.gan.discriminator.apply(withLabelPlanes(x, y), inferenceContext(Rng.fromSeed(0))), [n]);
      return this.loss.probabilistic ? tf.sigmoid(out) : out;
    });
    const values = Array.from(scores.dataSync());
    scores.dispose();
    return { scores: values, images };
  }

  /**
   * A saliency map of D on sample `index` of the grid: |∂ D(x) / ∂x| summed over the colour channels and scaled to
   * [0, 1] — where a change to the picture would move D's verdict most, i.e. what D looks at (and dislikes) there.
   */
  saliency(index: number): { picture: Float32Array; map: Float32Array; score: number } {
    const [h, w, c] = this.gan.imageShape;
    const count = this.fixedLatents.length / this.gan.latentDim;
    if (!Number.isInteger(index) || index < 0 || index >= count) throw new Error(`index: the grid has ${count} samples, not ${index + 1}`);
    const latent = this.fixedLatents.subarray(index * this.gan.latentDim, (index + 1) * this.gan.latentDim);
    const label = this.gan.classes > 0 ? cyclingLabels(count, this.gan.classes).subarray(index * this.gan.classes, (index + 1) * this.gan.classes) : undefined;
    const picture = this.generate(latent, label);
    const ctx = inferenceContext(Rng.fromSeed(0));
    const [map, score] = tf.tidy(() => {
      const y = label && (tf.tensor2d(label, [1, this.gan.classes]) as tf.Tensor2D);
      const verdict = (x: tf.Tensor) => tf.sum(this.gan.discriminator.apply(withLabelPlanes(x, y), ctx));
      const x = tf.tensor4d(picture, [1, h, w, c]);
      const strength = tf.sum(tf.abs(tf.grad(verdict)(x)), 3);
      const scaled = tf.div(strength, tf.add(tf.max(strength), 1e-12));
      const s = verdict(x);
      return [tf.reshape(scaled, [h * w]), this.loss.probabilistic ? tf.sigmoid(s) : s];
    });
    const out = { picture, map: map.dataSync() as Float32Array, score: score.dataSync()[0] };
    tf.dispose([map, score]);
    return out;
  }

  /** G's images (N × H × W × C in [-1, 1]) for the given latents (and class weights), BatchNorm in inference mode; from G's weight average when there is one. */
  generate(latents: Float32Array, labels?: Float32Array): Float32Array {
    const draw = (): Float32Array => generateImages(this.gan, latents, labels, 1, this.compiledSampling);
    return this.ema ? this.ema.swappedIn(draw) : draw();
  }

  state(): TrainerState {
    return {
      step: this.step, rng: this.rng.state(), data: this.batcher.state(), adamSteps: { g: this.adamG.step, d: this.adamD.step },
      ...(this.ada && { ada: this.ada.state() }), ...(this.equilibrium && { equilibrium: this.equilibrium.state() }),
    };
  }

  /** Every tensor of the run by a stable name: weights, BN statistics, G's weight average, both optimisers' moments. */
  namedTensors(): Map<string, tf.Variable> {
    const all = new Map<string, tf.Variable>();
    const add = (prefix: string, m: Map<string, tf.Variable>): void => {
      for (const [k, v] of m) all.set(`${prefix}/${k}`, v);
    };
    add('G', this.gan.generator.params.trainable);
    add('G.stats', this.gan.generator.params.stats);
    if (this.ema) add('G.ema', this.ema.average);
    add('D', this.gan.discriminator.params.trainable);
    add('D.stats', this.gan.discriminator.params.stats);
    add('adamG.m', this.adamG.m);
    add('adamG.v', this.adamG.v);
    add('adamD.m', this.adamD.m);
    add('adamD.v', this.adamD.v);
    return all;
  }

  dispose(): void {
    this.gan.generator.params.dispose();
    this.gan.discriminator.params.dispose();
    this.adamG.dispose();
    this.adamD.dispose();
    this.ema?.dispose();
    this.compiled?.dispose();
    this.compiledSampling?.dispose();
  }

  /** The recordings its compiled steps run (for benchmarks that look inside them). */
  stepRecordings(): readonly Trace[] {
    return this.compiled?.traces ?? [];
  }

  /** How its steps ran: compiled (native backend), or op by op and why; undefined where there is no compiled step. */
  compileStatus(): CompileStatus | undefined {
    return this.compiled?.status();
  }

  private restore(r: RestoredRun): void {
    for (const [name, variable] of this.namedTensors()) {
      const values = r.tensors.get(name);
      if (!values) throw new Error(`checkpoint has no tensor '${name}' (was it written by another model?)`);
      if (values.length !== variable.size) throw new Error(`checkpoint tensor '${name}' has ${values.length} values, the model ${variable.size}`);
      tf.tidy(() => variable.assign(tf.tensor(values, variable.shape)));
    }
    this.step = r.state.step;
    this.adamG.step = r.state.adamSteps.g;
    this.adamD.step = r.state.adamSteps.d;
    if (this.ada && r.state.ada) this.ada.restore(r.state.ada);
    if (this.equilibrium && r.state.equilibrium) this.equilibrium.restore(r.state.equilibrium);
  }

  private latents(n: number): tf.Tensor2D {
    return tf.tensor2d(this.rng.normals(n * this.gan.latentDim), [n, this.gan.latentDim]);
  }

  /** One-hot classes drawn uniformly for generated pictures (none for an unconditional GAN: its random stream is unchanged). */
  private fakeLabels(n: number): tf.Tensor2D | undefined {
    const classes = this.gan.classes;
    if (classes === 0) return undefined;
    return tf.cast(tf.oneHot(tf.tensor1d(Array.from({ length: n }, () => this.rng.below(classes)), 'int32'), classes), 'float32') as tf.Tensor2D;
  }

  /** A picture as D sees it: augmented (train.augment), then with instance noise. */
  private seenByD(x: tf.Tensor): tf.Tensor {
    const p = this.augmentP();
    return this.withInstanceNoise(p > 0 ? augment(x as tf.Tensor4D, this.augmentOps, p, this.rng) : x);
  }

  /** The probability each augmentation is applied with: 1 for DiffAugment, ADA's current p, 0 when off. */
  augmentP(): number {
    if (this.augmentOps.length === 0) return 0;
    return this.ada ? this.ada.p : 1;
  }

  /** Instance noise: N(0, σ²) added to a picture D sees, σ falling linearly from train.instanceNoise to 0. */
  private withInstanceNoise(x: tf.Tensor): tf.Tensor {
    const sigma = instanceNoiseAt(this.config.train, this.step);
    return sigma > 0 ? tf.add(x, tf.randomNormal(x.shape, 0, sigma, 'float32', this.rng.nextUint32())) : x;
  }

  /** Which of a D batch's n real / generated pairs swap labels (N × 1, for D's N × 1 outputs); none when off. */
  private flipMask(n: number): tf.Tensor | undefined {
    const share = this.config.train.labelFlip;
    if (share === 0) return undefined;
    return tf.tensor2d(Array.from({ length: n }, () => (this.rng.uniform() < share ? 1 : 0)), [n, 1], 'bool');
  }

  /** Each real picture's target in D's loss: train.realLabel, or 0 for the share train.realFlip flips (N × 1). */
  private realTargets(n: number): number | tf.Tensor {
    const { realLabel, realFlip } = this.config.train;
    if (realFlip === 0) return realLabel;
    return tf.tensor2d(Array.from({ length: n }, () => (this.rng.uniform() < realFlip ? 0 : realLabel)), [n, 1]);
  }

  private trainingContext(): ForwardContext {
    return { training: true, rng: this.rng, statUpdates: [] };
  }

  /** Training-mode forward that leaves the BN running statistics alone (each network moves them once a step). */
  private untrackedContext(): ForwardContext {
    return { training: true, rng: this.rng };
  }

  private meanScore(out: tf.Tensor): tf.Scalar {
    return tf.mean(this.loss.probabilistic ? tf.sigmoid(out) : out);
  }

  /** λ·E[(‖∇x̂ D(x̂)‖ − 1)²] at the objective's penalty points (WGAN-GP, DRAGAN). */
  private penalty(kind: NonNullable<GanLoss['penalty']>, D: Network, real: tf.Tensor, fake: tf.Tensor, labels: tf.Tensor2D | undefined, weight: number): tf.Scalar {
    const points = penaltyPoints(kind, real, fake, () => this.rng.nextUint32());
    return gradientPenalty(this.gradientAt(D, points, labels), weight);
  }

  /** ∇x D(x) per picture, as the gradient of the batch's summed scores (as the reference implementations take it). */
  private gradientAt(D: Network, x: tf.Tensor, labels: tf.Tensor2D | undefined): tf.Tensor {
    return tf.grad((input: tf.Tensor) => tf.sum(D.apply(withLabelPlanes(input, labels), this.untrackedContext())))(x);
  }
}

/** One D update's loss and mean scores, and the mean sign of its raw outputs on the real batch (what ADA watches). */
interface DiscriminatorStep { loss: tf.Scalar; dReal: tf.Scalar; dFake: tf.Scalar; realSign: tf.Scalar; dispose(): void }

/** Instance noise's σ at `step`: train.instanceNoise at the first step, 0 at the last. */
export function instanceNoiseAt(train: Config['train'], step: number): number {
  return train.instanceNoise * Math.max(0, 1 - step / train.steps);
}

/** A conditional GAN needs every picture's class, each below `classes`. */
function checkLabels(data: Dataset, classes: number): void {
  if (!data.labels) throw new Error(`model.classes is ${classes}, but the dataset '${data.name}' has no labels: label its pictures, or set model.classes to 0`);
  let top = -1;
  for (const l of data.labels) top = Math.max(top, l);
  if (top >= classes) throw new Error(`model.classes is ${classes}, but the dataset '${data.name}' has ${top + 1} classes${data.classNames ? ` (${data.classNames.slice(0, 12).join(', ')}${data.classNames.length > 12 ? ', …' : ''})` : ''}`);
}

/** The weights but those of the first `k` layers, in the order the network made them (a layer: its name before the first dot). */
function withoutFirstLayers(weights: Map<string, tf.Variable>, k: number): Map<string, tf.Variable> {
  if (k === 0) return weights;
  const layers = [...new Set([...weights.keys()].map((name) => name.split('.')[0]))];
  if (k >= layers.length) throw new Error(`train.freezeD is ${k}, but D has only ${layers.length} layers with weights (${layers.join(', ')}): nothing would learn`);
  const frozen = new Set(layers.slice(0, k));
  return new Map([...weights].filter(([name]) => !frozen.has(name.split('.')[0])));
}

/** ‖g‖₂ over every gradient together: how hard G is being pushed this step. */
function globalNorm(grads: tf.Tensor[]): tf.Scalar {
  return tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))) as tf.Scalar;
}

/** variableGrads keys gradients by tfjs's variable names; the optimiser knows our names. */
function byOurNames(vars: Map<string, tf.Variable>, grads: tf.NamedTensorMap): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const [name, v] of vars) out.set(name, grads[v.name]);
  return out;
}
