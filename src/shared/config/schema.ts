/**
 * The training config: ONE schema that gives validation, defaults and the types the engine reads.
 * Runs everywhere (main, worker, renderer): no Node, no DOM.
 */
import { z } from 'zod';

export const MODEL_KINDS = ['dcgan', 'keras-dcgan', 'mlp'] as const;
export const LOSS_KINDS = ['minimax', 'non-saturating', 'least-squares', 'wgan-gp', 'hinge'] as const;
export const DATA_SOURCES = ['mnist', 'fashion-mnist', 'emoji', 'folder'] as const;

const isPowerOfTwo = (n: number): boolean => (n & (n - 1)) === 0;

const modelSchema = z.strictObject({
  kind: z.enum(MODEL_KINDS).default('dcgan'),
  /** Square image side in pixels. */
  imageSize: z.number().int().min(8).max(256).default(64),
  channels: z.union([z.literal(1), z.literal(3)]).default(3),
  latentDim: z.number().int().min(1).max(1024).default(100),
  /** Width multiplier: DCGAN's ngf = ndf, the Keras model's filter scale, the MLP's hidden scale. */
  width: z.number().min(0.125).max(256).default(64),
  /** BatchNorm momentum as Keras counts it (share of the old running value kept). */
  bnMomentum: z.number().min(0).max(1).default(0.9),
  dropout: z.number().min(0).lt(1).default(0),
});

const dataSchema = z.strictObject({
  source: z.enum(DATA_SOURCES).default('mnist'),
  /** Folder of images, for source 'folder'. */
  path: z.string().optional(),
  /** Glob of file names inside `path`, e.g. "**\/*.jpg". */
  pattern: z.string().default('**/*.{png,jpg,jpeg,webp,gif,bmp,tif,tiff}'),
  /** Colour transparent pictures (emoji) are composited on. */
  background: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #ffffff').default('#ffffff'),
  /** Use at most this many images (0: all). */
  limit: z.number().int().min(0).default(0),
});

const optimSchema = z.strictObject({
  lrG: z.number().positive().max(1).default(2e-4),
  lrD: z.number().positive().max(1).default(2e-4),
  beta1: z.number().min(0).lt(1).default(0.5),
  beta2: z.number().min(0).lt(1).default(0.999),
  epsilon: z.number().positive().default(1e-8),
});

const trainSchema = z.strictObject({
  loss: z.enum(LOSS_KINDS).default('non-saturating'),
  /** Gradient-penalty weight λ for wgan-gp. */
  gpWeight: z.number().min(0).default(10),
  steps: z.number().int().min(1).default(5000),
  batchSize: z.number().int().min(1).max(4096).default(128),
  /** k: discriminator updates per generator update. */
  dSteps: z.number().int().min(1).max(100).default(1),
  /** Discriminator-only updates before the first generator update. */
  dPretrainSteps: z.number().int().min(0).default(0),
  /** One-sided label smoothing: the target for real images (1 = off; Salimans et al. use 0.9). */
  realLabel: z.number().gt(0).max(1).default(1),
  seed: z.number().int().min(0).max(2 ** 32 - 1).default(1),
});

const monitorSchema = z.strictObject({
  /** How many fixed latent vectors the sample grid shows. */
  sampleCount: z.number().int().min(1).max(256).default(25),
  sampleEvery: z.number().int().min(1).default(200),
  checkpointEvery: z.number().int().min(1).default(500),
});

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
