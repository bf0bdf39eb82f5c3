/**
 * The training config: ONE schema that gives validation, defaults and the types the engine reads.
 * Runs everywhere (main, worker, renderer): no Node, no DOM.
 */
import { z } from 'zod';

export const MODEL_KINDS = ['dcgan', 'keras-dcgan', 'mlp'] as const;
export const LOSS_KINDS = ['minimax', 'non-saturating', 'least-squares', 'wgan', 'wgan-gp', 'dragan', 'hinge'] as const;
export const DATA_SOURCES = ['mnist', 'fashion-mnist', 'emoji', 'folder', 'catalogue'] as const;

const isPowerOfTwo = (n: number): boolean => (n & (n - 1)) === 0;

// Each field's description is what the Train form shows beside it (`config/form.ts` reads the schema).
const modelSchema = z.strictObject({
  kind: z.enum(MODEL_KINDS).default('dcgan').describe('Architecture: DCGAN (Radford et al.), the Keras-GAN DCGAN, or fully connected layers'),
  imageSize: z.number().int().min(8).max(256).default(64).describe('Square image side in pixels'),
  channels: z.union([z.literal(1), z.literal(3)]).default(3).describe('1 for grey pictures, 3 for colour'),
  latentDim: z.number().int().min(1).max(1024).default(100).describe('Length of the latent vector z'),
  classes: z.number().int().min(0).max(1000).default(0).describe("Conditional GAN (Mirza & Osindero): G and D also see the picture's class among this many; 0 = unconditional. The dataset needs labels"),
  width: z.number().min(0.125).max(256).default(64).describe("Width: DCGAN's ngf = ndf, the Keras model's filter scale, the MLP's hidden scale"),
  bnMomentum: z.number().min(0).max(1).default(0.9).describe('BatchNorm momentum as Keras counts it (share of the old running value kept)'),
  dropout: z.number().min(0).lt(1).default(0).describe("Dropout in the discriminator's hidden layers"),
});

const dataSchema = z.strictObject({
  source: z.enum(DATA_SOURCES).default('mnist').describe('The pictures to learn from: an embedded set, a folder, or a curated dataset of the catalogue'),
  path: z.string().optional().describe("Folder of images, for source 'folder' (the studio fills in its catalogue for 'catalogue')"),
  dataset: z.string().max(100).optional().describe("Name of a curated dataset (its included pictures), for source 'catalogue'"),
  flip: z.boolean().default(false).describe('Mirror each picture left–right at random while training'),
  pattern: z.string().default('**/*.{png,jpg,jpeg,webp,gif,bmp,tif,tiff}').describe('Glob of file names inside the folder, e.g. **/*.jpg'),
  background: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #ffffff').default('#ffffff').describe('Colour transparent pictures (emoji) are composited on'),
  limit: z.number().int().min(0).default(0).describe('Use at most this many images (0: all)'),
});

const optimSchema = z.strictObject({
  lrG: z.number().positive().max(1).default(2e-4).describe("Generator's Adam learning rate"),
  lrD: z.number().positive().max(1).default(2e-4).describe("Discriminator's Adam learning rate"),
  beta1: z.number().min(0).lt(1).default(0.5).describe("Adam's β1 (DCGAN: 0.5)"),
  beta2: z.number().min(0).lt(1).default(0.999).describe("Adam's β2"),
  epsilon: z.number().positive().default(1e-8).describe("Adam's ε"),
});

const trainSchema = z.strictObject({
  loss: z.enum(LOSS_KINDS).default('non-saturating').describe('The GAN objective'),
  gpWeight: z.number().min(0).default(10).describe('Gradient-penalty weight λ for wgan-gp and dragan'),
  clip: z.number().positive().max(1).default(0.01).describe("WGAN's weight clipping: D's weights are held in [−c, c]"),
  steps: z.number().int().min(1).default(5000).describe('Generator updates to train for'),
  batchSize: z.number().int().min(1).max(4096).default(128).describe('Pictures per batch'),
  dSteps: z.number().int().min(1).max(100).default(1).describe('k: discriminator updates per generator update'),
  dPretrainSteps: z.number().int().min(0).default(0).describe('Discriminator-only updates before the first generator update'),
  realLabel: z.number().gt(0).max(1).default(1).describe('One-sided label smoothing: the target for real images (1 = off; Salimans et al. use 0.9)'),
  labelFlip: z.number().min(0).max(0.5).default(0).describe("Label flipping: the share of each D batch whose real and generated pictures swap labels in D's loss (0 = off; 0.05 is usual)"),
  instanceNoise: z.number().min(0).max(10).default(0).describe('Instance noise (Sønderby et al. 2016): σ of Gaussian noise added to every picture D sees, falling linearly to 0 by the last step (0 = off)'),
  emaDecay: z.number().min(0).lt(1).default(0).describe("EMA of G's weights, sampled from and opened in the lab: average ← d·average + (1 − d)·weights (0 = off; 0.999 is usual)"),
  seed: z.number().int().min(0).max(2 ** 32 - 1).default(1).describe('Random seed: the same seed trains the same run'),
});

const monitorSchema = z.strictObject({
  sampleCount: z.number().int().min(1).max(256).default(25).describe('How many fixed latent vectors the sample grid shows'),
  sampleEvery: z.number().int().min(1).default(200).describe('Steps between sample grids'),
  checkpointEvery: z.number().int().min(1).default(500).describe('Steps between checkpoints'),
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
    if (kind === 'dcgan' && (!isPowerOfTwo(imageSize) || imageSize < 32 || imageSize > 128)) {
      ctx.addIssue({ code: 'custom', path: ['model', 'imageSize'], message: 'a DCGAN needs a power of two from 32 to 128' });
    }
    if (kind === 'keras-dcgan' && imageSize % 4 !== 0) {
      ctx.addIssue({ code: 'custom', path: ['model', 'imageSize'], message: 'the Keras DCGAN upsamples twice: the size must be a multiple of 4' });
    }
    if (c.data.source === 'folder' && !c.data.path) {
      ctx.addIssue({ code: 'custom', path: ['data', 'path'], message: "is required when data.source is 'folder'" });
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
