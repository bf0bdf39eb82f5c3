/**
 * The training config: ONE schema that gives validation, defaults and the types the engine reads.
 * Runs everywhere (main, worker, renderer): no Node, no DOM.
 */
import { z } from 'zod';
import { FEATURE_SPACES } from '../quality';

export const MODEL_KINDS = ['dcgan', 'dcgan-tf', 'resnet', 'fastgan', 'style', 'keras-dcgan', 'mlp', 'two-fc', 'began'] as const;
export const LOSS_KINDS = ['minimax', 'non-saturating', 'least-squares', 'wgan', 'wgan-gp', 'dragan', 'hinge', 'began'] as const;
export const DATA_SOURCES = ['mnist', 'fashion-mnist', 'emoji', 'cartoon-faces', 'folder', 'catalogue'] as const;

const isPowerOfTwo = (n: number): boolean => (n & (n - 1)) === 0;

// Each field's meta is what the Train form shows (`config/form.ts` reads it): a label and unit, its description
// (with the paper a trick comes from), whether a first-time user sees it (basic), and when it applies at all.
const modelSchema = z.strictObject({
  kind: z.enum(MODEL_KINDS).default('dcgan').meta({ description: "Architecture: DCGAN (Radford et al.; 4×4 kernels, powers of two), DCGAN-tensorflow's (5×5 kernels, sizes 16 × a base: 48, 64, 96), a ResNet (SNGAN / BigGAN-lite; with spectral norm and hinge), FastGAN (skip-layer excitation in G, a self-supervised D that rebuilds the real pictures; made for a few hundred pictures), a light style-based G (StyleGAN2's mapping network and modulated convolutions; the lab can move its w; DCGAN's D), the Keras-GAN DCGAN, fully connected layers, the alternating-training notes' small GAN (two dense + transposed convolutions; D with average pooling; sizes 4 × a base), or BEGAN's (D an auto-encoder whose reconstruction error is its score; ELU, no BatchNorm; sizes 8 × a power of two; with the 'began' objective)", label: 'Architecture' }),
  imageSize: z.number().int().min(8).max(256).default(64).meta({ description: 'Square image side in pixels', label: 'Picture size', unit: 'px', basic: true }),
  channels: z.union([z.literal(1), z.literal(3)]).default(3).meta({ description: '1 for grey pictures, 3 for colour', label: 'Colour channels', basic: true }),
  latentDim: z.number().int().min(1).max(1024).default(100).meta({ description: 'Length of the latent vector z', label: 'Latent size', unit: 'values' }),
  classes: z.number().int().min(0).max(1000).default(0).meta({ description: "Conditional GAN: G and D also see the picture's class among this many; 0 = unconditional. The dataset needs labels", label: 'Classes (conditional)', paper: 'Mirza & Osindero 2014' }),
  width: z.number().min(0.125).max(256).default(64).meta({ description: "Width: DCGAN's (and FastGAN's) ngf = ndf, the ResNet's and the style-based G's channel scale, the Keras model's filter scale, the MLP's hidden scale", label: 'Network width' }),
  bnMomentum: z.number().min(0).max(1).default(0.9).meta({ description: 'BatchNorm momentum as Keras counts it (share of the old running value kept)', label: 'BatchNorm momentum' }),
  dropout: z.number().min(0).lt(1).default(0).meta({ description: "Dropout in the discriminator's hidden layers", label: 'Dropout in D', unit: 'share' }),
  inputDropout: z.number().min(0).lt(1).default(0).meta({ description: "Dropout on the pictures D is shown, before its first layer (MATLAB's GAN example: 0.5)", label: "Dropout on D's input", unit: 'share' }),
  spectralNorm: z.boolean().default(false).meta({ description: "Spectral normalisation of D's weights: each layer's weight divided by its largest singular value (one power iteration a step, its vectors checkpointed); D's BatchNorm layers are left out", label: 'Spectral norm in D', paper: 'Miyato et al. 2018' }),
  minibatchStd: z.boolean().default(false).meta({ description: "A minibatch standard-deviation feature before D's last layer, so D sees when a batch lacks variety", label: 'Minibatch std in D', paper: 'Karras et al. 2018' }),
});

const dataSchema = z.strictObject({
  source: z.enum(DATA_SOURCES).default('mnist').meta({ description: 'The pictures to learn from: an embedded set, a folder, or a curated dataset of the catalogue', label: 'Pictures', basic: true }),
  path: z.string().optional().meta({ description: "Folder of images, for source 'folder' (the studio fills in its catalogue for 'catalogue')", label: 'Folder', basic: true, when: { 'data.source': ['folder'] } }),
  dataset: z.string().max(100).optional().meta({ description: "Name of a curated dataset (its included pictures), for source 'catalogue'", label: 'Curated dataset', basic: true, when: { 'data.source': ['catalogue'] } }),
  flip: z.boolean().default(false).meta({ description: 'Mirror each picture left–right at random while training', label: 'Mirror at random', basic: true }),
  pattern: z.string().default('**/*.{png,jpg,jpeg,webp,gif,bmp,tif,tiff}').meta({ description: 'Glob of file names inside the folder, e.g. **/*.jpg', label: 'Files', when: { 'data.source': ['folder'] } }),
  background: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #ffffff').default('#ffffff').meta({ description: 'Colour transparent pictures (emoji) are composited on', label: 'Background', when: { 'data.source': ['emoji', 'folder', 'catalogue'] } }),
  limit: z.number().int().min(0).default(0).meta({ description: 'Use at most this many images (0: all; for the cartoon faces, how many to render: 0 is 5,000)', label: 'At most', unit: 'pictures' }),
});

const optimSchema = z.strictObject({
  lrG: z.number().positive().max(1).default(2e-4).meta({ description: "Generator's Adam learning rate", label: 'G learning rate' }),
  lrD: z.number().positive().max(1).default(2e-4).meta({ description: "Discriminator's Adam learning rate", label: 'D learning rate' }),
  beta1: z.number().min(0).lt(1).default(0.5).meta({ description: "Adam's β1 (DCGAN: 0.5)", label: 'Adam β1' }),
  beta2: z.number().min(0).lt(1).default(0.999).meta({ description: "Adam's β2", label: 'Adam β2' }),
  epsilon: z.number().positive().default(1e-8).meta({ description: "Adam's ε", label: 'Adam ε' }),
});

const trainSchema = z.strictObject({
  loss: z.enum(LOSS_KINDS).default('non-saturating').meta({ description: 'The GAN objective', label: 'Objective' }),
  gpWeight: z.number().min(0).default(10).meta({ description: 'Gradient-penalty weight λ for wgan-gp and dragan', label: 'Penalty weight λ', when: { 'train.loss': ['wgan-gp', 'dragan'] }, paper: 'Gulrajani et al. 2017; Kodali et al. 2017' }),
  beganGamma: z.number().gt(0).max(1).default(0.5).meta({ description: "BEGAN's diversity ratio γ = E[L(G(z))] / E[L(x)] that the controller holds: lower trades variety for sharper pictures", label: 'Diversity ratio γ', when: { 'train.loss': ['began'] }, paper: 'Berthelot et al. 2017' }),
  beganLambdaK: z.number().min(0).max(1).default(0.001).meta({ description: "BEGAN's proportional gain λ_k: k ← clip(k + λ_k·(γ·L(x) − L(G(z))), 0, 1) after each step", label: 'Controller gain λ_k', when: { 'train.loss': ['began'] }, paper: 'Berthelot et al. 2017' }),
  clip: z.number().positive().max(1).default(0.01).meta({ description: "WGAN's weight clipping: D's weights are held in [−c, c]", label: 'Weight clipping c', when: { 'train.loss': ['wgan'] }, paper: 'Arjovsky et al. 2017' }),
  steps: z.number().int().min(1).default(5000).meta({ description: 'Generator updates to train for (planned from the time budget when there is one)', label: 'Training steps', unit: 'G updates', basic: true, when: { 'train.minutes': [0] } }),
  minutes: z.number().min(0).max(10_080).default(0).meta({ description: 'A time budget instead of a step count: the run times its first steps on the backend that runs it, then plans the steps that fill this many minutes (measurements included) and stops when they are up (0: train.steps)', label: 'Time budget', unit: 'minutes', basic: true }),
  maxWidth: z.number().min(0).default(0).meta({ description: "A time budget may widen the model up to this width (model.width and every quarter of it above): the widest whose timed steps still leave train.minSteps in the budget; 0: model.width as it is", label: 'Widen up to', unit: 'width' }),
  minSteps: z.number().int().min(1).default(5000).meta({ description: 'The steps a widened model must still train in the time budget', label: 'Steps a wider model keeps', unit: 'G updates' }),
  compiledStep: z.enum(['auto', 'xla', 'off']).default('auto').meta({ description: "On the native backend, run each step as one TensorFlow function recorded from its first pass (auto), also compiled by XLA (xla), or op by op (off); any backend without it, or a step it cannot record, runs op by op", label: 'Compiled step' }),
  batchSize: z.number().int().min(1).max(4096).default(128).meta({ description: 'Pictures per batch', label: 'Batch size', unit: 'pictures', basic: true }),
  dSteps: z.number().int().min(1).max(100).default(1).meta({ description: 'k: discriminator updates per generator update', label: 'D updates per G update', unit: 'k', paper: 'Goodfellow et al. 2014' }),
  gSteps: z.number().int().min(1).max(10).default(1).meta({ description: "Generator updates per step, each on fresh latents (DCGAN-tensorflow updates G twice so that D's loss does not go to zero)", label: 'G updates per step', unit: 'updates' }),
  dPretrainSteps: z.number().int().min(0).default(0).meta({ description: 'Discriminator-only updates before the first generator update', label: 'D warm-up', unit: 'D updates' }),
  realLabel: z.number().gt(0).max(1).default(1).meta({ description: 'One-sided label smoothing: the target for real images (1 = off; 0.9 is usual)', label: 'Real label (smoothing)', when: { 'train.loss': ['minimax', 'non-saturating', 'least-squares'] }, paper: 'Salimans et al. 2016' }),
  realFlip: z.number().min(0).max(0.5).default(0).meta({ description: "The share of each real batch labelled generated in D's loss (MATLAB's GAN example: 0.3); unlike label flipping, generated pictures keep their label", label: 'Real labels flipped', unit: 'share', when: { 'train.loss': ['minimax', 'non-saturating', 'least-squares', 'dragan'] } }),
  labelFlip: z.number().min(0).max(0.5).default(0).meta({ description: "Label flipping: the share of each D batch whose real and generated pictures swap labels in D's loss (0 = off; 0.05 is usual)", label: 'Label flipping', unit: 'share', paper: 'Chintala et al., ganhacks 2016' }),
  instanceNoise: z.number().min(0).max(10).default(0).meta({ description: 'Instance noise: σ of Gaussian noise added to every picture D sees, falling linearly to 0 by the last step (0 = off)', label: 'Instance noise σ', paper: 'Sønderby et al. 2016' }),
  augment: z.enum(['none', 'diffaugment', 'ada']).default('none').meta({ description: "Differentiable augmentation of every picture D sees, real and generated: DiffAugment applies each operation to every picture; ADA applies each with a probability p that rises while D is too sure of the real pictures and falls when not (for small datasets: a few hundred or thousand pictures)", label: 'Augment what D sees', basic: true, paper: 'Zhao et al. 2020 (DiffAugment); Karras et al. 2020 (ADA)' }),
  augmentOps: z.string().regex(/^(color|translation|cutout)(,(color|translation|cutout))*$/, "must be a comma-separated list of color, translation, cutout (e.g. 'color,translation,cutout')").default('color,translation,cutout').meta({ description: 'The operations, in order: color (brightness, saturation, contrast), translation (up to 1/8 of the side), cutout (a square of half the side)', label: 'Augmentations', when: { 'train.augment': ['diffaugment', 'ada'] } }),
  adaTarget: z.number().gt(0).lt(1).default(0.6).meta({ description: "ADA's target for E[sign(D(real))]: above it D is overfitting and p rises", label: 'ADA target', when: { 'train.augment': ['ada'] }, paper: 'Karras et al. 2020' }),
  adaKimg: z.number().positive().default(100).meta({ description: 'How fast ADA moves p: from 0 to 1 in this many thousand real pictures at most (StyleGAN2-ADA: 500, for runs of millions)', label: 'ADA speed', unit: 'k pictures', when: { 'train.augment': ['ada'] } }),
  r1Gamma: z.number().min(0).default(0).meta({ description: "R1 penalty on D: γ/2 · E‖∇D(x)‖² at real pictures, lazily (every few D updates, scaled up to match); 0 = off, 1–10 usual (StyleGAN2: 10 at 256 px, less for smaller pictures)", label: 'R1 penalty γ', paper: 'Mescheder et al. 2018' }),
  r1Every: z.number().int().min(1).default(16).meta({ description: 'Lazy R1: applied every this many D updates, multiplied by it', label: 'R1 every', unit: 'D updates', paper: 'Karras et al. 2020 (StyleGAN2)' }),
  emaDecay: z.number().min(0).lt(1).default(0).meta({ description: "EMA of G's weights, sampled from and opened in the lab: average ← d·average + (1 − d)·weights (0 = off; 0.999 is usual)", label: 'EMA of G', paper: 'Yazıcı et al. 2019' }),
  init: z.string().min(1).optional().meta({ description: "Transfer: start from another run's weights (its folder); the models must match, the optimisers start afresh", label: 'Start from run', paper: 'Mo et al. 2020; Karras et al. 2020' }),
  initSnapshot: z.string().regex(/^(latest|best|\d+)$/, "must be 'latest', 'best' or a snapshot's step").default('latest').meta({ description: "Which weights of that run: its latest checkpoint, its best snapshot, or a snapshot's step", label: 'Start from' }),
  freezeD: z.number().int().min(0).default(0).meta({ description: "FreezeD: D's first k layers keep the weights they started with (with a transfer: the source run's)", label: "Freeze D's first layers", unit: 'layers', paper: 'Mo et al. 2020' }),
  seed: z.number().int().min(0).max(2 ** 32 - 1).default(1).meta({ description: 'Random seed: the same seed trains the same run', label: 'Random seed' }),
  recoverDivergence: z.number().int().min(0).max(20).default(3).meta({ description: 'When a loss or D score turns NaN or infinite: restore the newest snapshot (or checkpoint), multiply both learning rates by the factor below and carry on, at most this many times (0: stop the run at once)', label: 'Recover from divergence', unit: 'times' }),
  recoverLrFactor: z.number().gt(0).lt(1).default(0.5).meta({ description: 'What each recovery multiplies the learning rates by', label: 'Learning-rate factor on recovery' }),
});

const monitorSchema = z.strictObject({
  sampleCount: z.number().int().min(1).max(256).default(25).meta({ description: 'How many fixed latent vectors the sample grid shows', label: 'Samples in the grid', unit: 'pictures' }),
  sampleEvery: z.number().int().min(1).default(200).meta({ description: 'Steps between sample grids', label: 'Sample grid every', unit: 'steps' }),
  tensorboard: z.boolean().default(true).meta({ description: "Also write TensorBoard's event files (scalars, quality scores, sample grids, the config) in the run's tensorboard/ folder: tensorboard --logdir on the workspace shows every run", label: 'TensorBoard logs' }),
  checkpointEvery: z.number().int().min(1).default(500).meta({ description: 'Steps between checkpoints', label: 'Checkpoint every', unit: 'steps' }),
  evalEvery: z.number().int().min(0).default(1000).meta({ description: "Steps between quality measurements (KID, FID, precision/recall against the training pictures; 0 = off)", label: 'Measure quality every', unit: 'steps', basic: true }),
  evalSamples: z.number().int().min(20).max(5000).default(256).meta({ description: 'Samples each quality measurement draws (fixed, so the scores of a run compare)', label: 'Samples per measurement', unit: 'pictures' }),
  featureSpace: z.enum(['auto', ...FEATURE_SPACES]).default('auto').meta({ description: "The network whose features the scores compare: 'general' (MobileNetV3) for any pictures, 'faces' (a face-recognition net) for faces, the MNIST classifier for digits; 'auto' picks the classifier for MNIST, else 'general'", label: 'Feature space' }),
  snapshotEvery: z.number().int().min(0).default(1000).meta({ description: 'Steps between kept snapshots of the weights, with their scores (0 = off; a multiple of the measurement interval)', label: 'Snapshot every', unit: 'steps' }),
  keepSnapshots: z.number().int().min(1).max(1000).default(3).meta({ description: 'Snapshots kept: the newest this many, and always the best-scoring one', label: 'Snapshots kept', unit: 'newest' }),
  collapseShare: z.number().min(0).max(1).default(0.5).meta({ description: "Collapse alarm: when the samples' diversity (their mean distance apart in the feature space) falls below this share of the training pictures' (0: off)", label: 'Collapse alarm below', unit: 'of real diversity' }),
  alarmSteps: z.number().int().min(1).default(200).meta({ description: 'D-wins alarm: when D scores generated pictures below 0.01 (BCE objectives) for this many steps in a row', label: 'D-wins alarm after', unit: 'steps' }),
});

/** The config's groups, in the order the form shows them. */
export const CONFIG_GROUPS = {
  model: modelSchema,
  data: dataSchema,
  optim: optimSchema,
  train: trainSchema,
  monitor: monitorSchema,
} as const;
export type ConfigGroup = keyof typeof CONFIG_GROUPS;

export const configSchema = z
  .strictObject({
    preset: z.string().optional(),
    model: modelSchema.prefault({}),
    data: dataSchema.prefault({}),
    optim: optimSchema.prefault({}),
    train: trainSchema.prefault({}),
    monitor: monitorSchema.prefault({}),
  })
  .superRefine((c, ctx) => {
    const { kind, imageSize } = c.model;
    if ((kind === 'dcgan' || kind === 'resnet' || kind === 'fastgan' || kind === 'style') && (!isPowerOfTwo(imageSize) || imageSize < 32 || imageSize > 128)) {
      ctx.addIssue({ code: 'custom', path: ['model', 'imageSize'], message: `a ${{ dcgan: 'DCGAN', resnet: 'ResNet', fastgan: 'FastGAN', style: 'style-based G' }[kind]} needs a power of two from 32 to 128` });
    }
    if (kind === 'dcgan-tf' && (imageSize % 16 !== 0 || imageSize < 32 || imageSize > 256)) {
      ctx.addIssue({ code: 'custom', path: ['model', 'imageSize'], message: 'the DCGAN-tensorflow model doubles its size four times: a multiple of 16 from 32 to 256 (48, 64, 96, …)' });
    }
    if (kind === 'two-fc' && imageSize % 4 !== 0) {
      ctx.addIssue({ code: 'custom', path: ['model', 'imageSize'], message: 'the two-fc GAN doubles its size twice: a multiple of 4' });
    }
    if (kind === 'keras-dcgan' && imageSize % 4 !== 0) {
      ctx.addIssue({ code: 'custom', path: ['model', 'imageSize'], message: 'the Keras DCGAN upsamples twice: the size must be a multiple of 4' });
    }
    if ((kind === 'began') !== (c.train.loss === 'began')) {
      ctx.addIssue({ code: 'custom', path: kind === 'began' ? ['train', 'loss'] : ['model', 'kind'], message: "BEGAN's objective and its auto-encoder D go together: model.kind 'began' with train.loss 'began'" });
    }
    if (kind === 'began' && (imageSize < 8 || !isPowerOfTwo(imageSize / 8) || imageSize % 8 !== 0)) {
      ctx.addIssue({ code: 'custom', path: ['model', 'imageSize'], message: 'BEGAN doubles its size from 8 × 8: 8 × a power of two (32, 64, 128)' });
    }
    if (c.train.maxWidth > 0 && c.train.maxWidth < c.model.width) {
      ctx.addIssue({ code: 'custom', path: ['train', 'maxWidth'], message: `must be 0 (off) or at least model.width (${c.model.width}), got ${c.train.maxWidth}` });
    }
    if (c.data.source === 'folder' && !c.data.path) {
      ctx.addIssue({ code: 'custom', path: ['data', 'path'], message: "is required when data.source is 'folder'" });
    }
    const { evalEvery, snapshotEvery } = c.monitor;
    if (snapshotEvery > 0 && (evalEvery === 0 || snapshotEvery % evalEvery !== 0)) {
      ctx.addIssue({ code: 'custom', path: ['monitor', 'snapshotEvery'], message: `must be a multiple of monitor.evalEvery (${evalEvery}), so every snapshot has its scores; 0 turns snapshots off` });
    }
    if (c.data.source === 'catalogue' && !c.data.dataset) {
      ctx.addIssue({ code: 'custom', path: ['data', 'dataset'], message: "is required when data.source is 'catalogue'" });
    }
  });

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
export type ModelConfig = Config['model'];
export type LossKind = (typeof LOSS_KINDS)[number];

export class ConfigError extends Error {
  constructor(readonly issues: { field: string; message: string }[]) {
    super(`invalid config: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Validates and fills defaults; throws ConfigError naming every bad field. */
export function parseConfig(input: unknown): Config {
  const result = configSchema.safeParse(input);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((i) => ({ field: i.path.join('.') || '(config)', message: i.message })),
  );
}
