/** Named starting points from the literature, plus a quick one for a first look on a laptop CPU. */
import { CONFIG_GROUPS, ConfigError, parseConfig, type Config, type ConfigGroup, type ConfigInput } from './schema';

export const PRESETS = {
  /** Keras-GAN's MNIST DCGAN (dcgan.py): Dense → 7×7×128 → upsample + conv, BN momentum 0.8, D dropout 0.25. */
  'mnist-dcgan': {
    model: { kind: 'keras-dcgan', imageSize: 28, channels: 1, latentDim: 100, width: 1, bnMomentum: 0.8, dropout: 0.25 },
    data: { source: 'mnist' },
    train: { loss: 'non-saturating', batchSize: 32, steps: 4000 },
    monitor: { sampleEvery: 200, checkpointEvery: 500, evalEvery: 500, snapshotEvery: 500 },
  },
  /** Radford et al. 2015 / pytorch/examples dcgan: 64×64 RGB, ngf = ndf = 64, batch 128. */
  'dcgan-64': {
    model: { kind: 'dcgan', imageSize: 64, channels: 3, latentDim: 100, width: 64, bnMomentum: 0.9 },
    data: { source: 'emoji', background: '#ffffff' },
    train: { loss: 'non-saturating', batchSize: 128, steps: 5000 },
    monitor: { sampleEvery: 200, checkpointEvery: 500 },
  },
  /** Goodfellow et al. 2014: fully connected G and D on MNIST. */
  'mnist-mlp': {
    model: { kind: 'mlp', imageSize: 28, channels: 1, latentDim: 100, width: 1, dropout: 0.3 },
    data: { source: 'mnist' },
    train: { loss: 'non-saturating', batchSize: 64, steps: 10000 },
    monitor: { sampleEvery: 500, checkpointEvery: 1000 },
  },
  /**
   * A narrow Keras DCGAN given four minutes on whatever backend runs it (a time budget: the steps are planned from
   * its speed): a quarter of the filters, no dropout and twice the learning rate, measured against longer, wider and
   * larger-batch variants. 800 steps where a step count is asked for instead.
   */
  'mnist-quick': {
    model: { kind: 'keras-dcgan', imageSize: 28, channels: 1, latentDim: 64, width: 0.25, bnMomentum: 0.8, dropout: 0 },
    data: { source: 'mnist' },
    optim: { lrG: 4e-4, lrD: 4e-4 },
    train: { loss: 'non-saturating', batchSize: 32, steps: 800, minutes: 4 },
    monitor: { sampleEvery: 100, checkpointEvery: 200, evalEvery: 200, snapshotEvery: 200 },
  },
  /** mnist-quick made conditional (Mirza & Osindero 2014): G and D see the digit's class, so a digit can be asked for. */
  'mnist-cgan': {
    model: { kind: 'keras-dcgan', imageSize: 28, channels: 1, latentDim: 64, width: 0.25, bnMomentum: 0.8, dropout: 0, classes: 10 },
    data: { source: 'mnist' },
    optim: { lrG: 4e-4, lrD: 4e-4 },
    train: { loss: 'non-saturating', batchSize: 32, steps: 1000 },
    monitor: { sampleEvery: 100, checkpointEvery: 200, evalEvery: 200, snapshotEvery: 200 },
  },
  /**
   * The anime-face pipeline's trainer, carpedm20/DCGAN-tensorflow as that pipeline runs it: 96 px face crops
   * (the crop job's, or any folder of them) at `--output_height 48`, 5×5 kernels, batch 64, Adam 2e-4 / β1 0.5,
   * G updated twice per D update (its trainer's guard against D's loss going to zero).
   * Until you point it at your crops it trains on the embedded cartoon faces.
   */
  'anime-48': {
    model: { kind: 'dcgan-tf', imageSize: 48, channels: 3, latentDim: 100, width: 64, bnMomentum: 0.9 },
    data: { source: 'cartoon-faces' },
    optim: { lrG: 2e-4, lrD: 2e-4, beta1: 0.5 },
    train: { loss: 'non-saturating', batchSize: 64, steps: 5000, minutes: 30, gSteps: 2 },
    monitor: { sampleEvery: 200, checkpointEvery: 500, evalEvery: 500, snapshotEvery: 500 },
  },
  /**
   * MATLAB's "Train Generative Adversarial Network (GAN)" example (flowers): z projected to 4×4×512, 5×5 transposed
   * convolutions to 64 px, dropout 0.5 on D's input, 30 % of the real labels flipped, Adam 2e-4 / 0.5 / 0.999,
   * batch 128, 25 fixed latents, its score plot (mean D score on real and generated). Trains on the embedded cartoon
   * faces until you give it a folder of flower photos.
   */
  'flowers-64': {
    model: { kind: 'dcgan-tf', imageSize: 64, channels: 3, latentDim: 100, width: 64, bnMomentum: 0.9, inputDropout: 0.5 },
    data: { source: 'cartoon-faces' },
    optim: { lrG: 2e-4, lrD: 2e-4, beta1: 0.5, beta2: 0.999 },
    train: { loss: 'non-saturating', batchSize: 128, steps: 5000, minutes: 30, realFlip: 0.3 },
    monitor: { sampleCount: 25, sampleEvery: 100, checkpointEvery: 500, evalEvery: 500, snapshotEvery: 500 },
  },
  /**
   * The small MNIST GAN of the alternating-training notes: G of 2 fully connected + 2 transposed convolution + 1
   * convolution layers, D of convolutions with average pooling, D pre-trained for 30 steps; a 10-minute budget.
   */
  'mnist-gan-2fc': {
    model: { kind: 'two-fc', imageSize: 28, channels: 1, latentDim: 100, width: 1, bnMomentum: 0.9 },
    data: { source: 'mnist' },
    optim: { lrG: 2e-4, lrD: 2e-4, beta1: 0.5 },
    train: { loss: 'non-saturating', batchSize: 64, steps: 3000, minutes: 10, dPretrainSteps: 30 },
    monitor: { sampleEvery: 100, checkpointEvery: 500, evalEvery: 500, snapshotEvery: 500 },
  },
  /**
   * Our small-data recipe for a face set of 1,000–10,000 pictures, as measured (README, "Small datasets: which trick
   * wins"): a width-32 DCGAN with DiffAugment on every picture D sees, which beat ADA, spectral norm, SNGAN's ResNet,
   * FastGAN, the style-based G and SN + DiffAugment + hinge + EMA on 1,000 cartoon faces at 7 minutes each; G's
   * weight average (EMA 0.999) scored better than the same run's last weights. A 20-minute budget, scored in the
   * `faces` space.
   */
  'faces-64': {
    model: { kind: 'dcgan', imageSize: 64, channels: 3, latentDim: 100, width: 32, bnMomentum: 0.9 },
    data: { source: 'cartoon-faces', flip: true },
    optim: { lrG: 2e-4, lrD: 2e-4, beta1: 0.5 },
    // Wider only where the budget still trains 5,000 steps: where our 20-minute run's KID flattened at width 32.
    train: { loss: 'non-saturating', batchSize: 32, steps: 5000, minutes: 20, augment: 'diffaugment', emaDecay: 0.999, maxWidth: 64, minSteps: 5000 },
    monitor: { sampleEvery: 200, checkpointEvery: 500, evalEvery: 500, snapshotEvery: 500, featureSpace: 'faces' },
  },
  /**
   * BEGAN (Berthelot et al. 2017) on faces: the auto-encoder D, γ = 0.5, λ_k = 0.001, Adam 1e-4 (β1 0.5), batch 16,
   * N_h = N_z = 64, as the paper; n = 32 filters (the paper's 64 or 128 are beyond a 2-core budget) and 20 minutes.
   */
  'began-64': {
    model: { kind: 'began', imageSize: 64, channels: 3, latentDim: 64, width: 32 },
    data: { source: 'cartoon-faces', flip: true },
    optim: { lrG: 1e-4, lrD: 1e-4, beta1: 0.5, beta2: 0.999 },
    train: { loss: 'began', beganGamma: 0.5, beganLambdaK: 0.001, batchSize: 16, steps: 5000, minutes: 20 },
    monitor: { sampleEvery: 200, checkpointEvery: 500, evalEvery: 500, snapshotEvery: 500, featureSpace: 'faces' },
  },
} satisfies Record<string, ConfigInput>;

export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

/** One line per preset for the Train view's picker. */
export const PRESET_NOTES: Record<PresetName, string> = {
  'mnist-quick': 'A narrow DCGAN on MNIST digits, given four minutes: its steps are planned from the speed of your machine',
  'mnist-dcgan': "Keras-GAN's MNIST DCGAN (28 px, batch 32)",
  'mnist-mlp': 'Goodfellow et al. 2014: fully connected G and D on MNIST',
  'dcgan-64': 'Radford et al. 2015: 64 px colour DCGAN on the emoji set (slow on a CPU)',
  'mnist-cgan': 'A conditional DCGAN on MNIST: G draws the digit you ask for (the sample grid cycles 0–9)',
  'mnist-gan-2fc': "The alternating-training notes' small MNIST GAN: dense + transposed convolutions, D with average pooling, D pre-trained 30 steps",
  'faces-64': 'Our small-data recipe for faces (DCGAN + DiffAugment, 20 minutes): the embedded cartoon faces, or your own folder of faces',
  'anime-48': "The anime-face pipeline's DCGAN-tensorflow recipe: 96 px face crops trained at 48 px, 5×5 kernels (point data at your crops; cartoon faces until then)",
  'began-64': 'BEGAN on faces: an auto-encoder D, the equilibrium controller k_t and the convergence measure M (charted), 20 minutes',
  'flowers-64': "MATLAB's GAN example: 64 px, dropout on D's input, 30 % of real labels flipped, batch 128 (cartoon faces until you give it flower photos)",
};

export function isPresetName(name: string): name is PresetName {
  return Object.hasOwn(PRESETS, name);
}

type Overrides = { [K in keyof ConfigInput]?: ConfigInput[K] extends infer V ? (V extends object ? Partial<V> : V) : never };

/** A preset with some fields changed, validated. A step count asked for replaces the preset's time budget, unless minutes are asked for too. */
export function presetConfig(name: string, overrides: Overrides = {}): Config {
  if (!isPresetName(name)) {
    throw new Error(`unknown preset '${name}' (known: ${PRESET_NAMES.join(', ')})`);
  }
  const base: ConfigInput = PRESETS[name];
  const merged: Record<string, unknown> = { preset: name };
  const groups = Object.keys(CONFIG_GROUPS) as ConfigGroup[];
  const unknown = Object.keys(overrides).filter((k) => !(groups as string[]).includes(k));
  if (unknown.length > 0) throw new ConfigError(unknown.map((field) => ({ field, message: `is not a config group (${groups.join(', ')})` })));
  for (const key of groups) {
    merged[key] = { ...(base[key] ?? {}), ...(overrides[key] ?? {}) };
  }
  if (overrides.train?.steps !== undefined && overrides.train.minutes === undefined) merged.train = { ...(merged.train as object), minutes: 0 };
  return parseConfig(merged);
}
