/**
 * npm run bench -- ops [--preset mnist-dcgan] [--batch 64] [--variants plain,diffaugment,wgan-gp,ada,r1]
 *
 * The op census of one training step on the native backend: every call tfjs-node makes into TensorFlow's eager
 * runtime (executeOp: op types and counts, and the time spent inside them), the tensors uploaded from JavaScript
 * (count, bytes and the largest shapes: batches, latents, random masks, scalars) and the read-backs. What a compiled step (issue 15)
 * would have to record as one graph, and feed as its inputs.
 */
import { parseArgs } from 'node:util';
import * as tf from '../src/main/engine/runtime/tf';
import { closeBackends, startBackend } from '../src/main/engine/runtime/backend';
import { presetConfig } from '../src/shared/config/presets';
import type { ConfigInput } from '../src/shared/config/schema';
import { Trainer } from '../src/main/engine/training/trainer';
import { Rng } from '../src/main/engine/training/rng';
import type { Dataset } from '../src/main/engine/data/dataset';

const { values } = parseArgs({ options: { preset: { type: 'string', default: 'mnist-dcgan' }, batch: { type: 'string', default: '64' }, variants: { type: 'string', default: 'plain,diffaugment,wgan-gp' } } });

const VARIANTS: Record<string, ConfigInput['train']> = {
  plain: {},
  diffaugment: { augment: 'diffaugment' },
  ada: { augment: 'ada' },
  'wgan-gp': { loss: 'wgan-gp' },
  r1: { r1Gamma: 1, r1Every: 1 },
};

type Binding = Record<string, unknown>;
interface Census { ops: Map<string, number>; insideMs: number; uploads: number; uploadBytes: number; reads: number; largest: { shape: number[]; bytes: number }[] }

/**
 * The binding with executeOp, createTensor and tensorDataSync counted. A wrapper object, not a Proxy of the
 * binding: its native methods are read-only, non-configurable properties, which a Proxy must return unchanged.
 */
function counted(real: Binding, census: Census): Binding {
  const call = (name: string, ...args: unknown[]): unknown => (real[name] as (...a: unknown[]) => unknown).apply(real, args);
  return new Proxy({} as Binding, {
    get(_, key: string) {
      if (key === 'executeOp') {
        return (op: string, ...rest: unknown[]) => {
          census.ops.set(op, (census.ops.get(op) ?? 0) + 1);
          const started = performance.now();
          try {
            return call('executeOp', op, ...rest);
          } finally {
            census.insideMs += performance.now() - started;
          }
        };
      }
      if (key === 'createTensor') {
        return (shape: number[], dtype: unknown, data: ArrayLike<number> | undefined) => {
          const bytes = (data as { byteLength?: number } | undefined)?.byteLength ?? (data?.length ?? 0) * 4;
          census.uploads += 1;
          census.uploadBytes += bytes;
          census.largest.push({ shape, bytes });
          return call('createTensor', shape, dtype, data);
        };
      }
      if (key === 'tensorDataSync') {
        return (id: unknown) => {
          census.reads += 1;
          return call('tensorDataSync', id);
        };
      }
      const v = real[key];
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(real) : v;
    },
  });
}

async function main(): Promise<void> {
  const backend = await startBackend('tensorflow');
  const batch = Number(values.batch);
  console.log(`${backend.description}; preset ${values.preset}, batch ${batch}; one step after two\n`);
  console.log('| variant | executeOp calls | op types | ms inside executeOp | step ms | uploads | MB uploaded | read-backs |\n|---|---:|---:|---:|---:|---:|---:|---:|');
  const details: string[] = [];
  for (const name of values.variants!.split(',')) {
    if (!VARIANTS[name]) throw new Error(`unknown variant '${name}' (known: ${Object.keys(VARIANTS).join(', ')})`);
    const config = presetConfig(values.preset!, { train: { batchSize: batch, compiledStep: 'off', ...VARIANTS[name] } }); // the census of op-by-op steps
    const [h, w, c] = [config.model.imageSize, config.model.imageSize, config.model.channels];
    const count = batch * 4;
    const data: Dataset = { name: 'synthetic', images: Rng.fromSeed(1).normals(count * h * w * c).map((v) => Math.tanh(v)), count, shape: [h, w, c], skipped: [] };
    const trainer = new Trainer(config, data);
    trainer.trainStep();
    trainer.trainStep();
    const native = tf.backend() as unknown as { binding: Binding };
    const real = native.binding;
    const census: Census = { ops: new Map(), insideMs: 0, uploads: 0, uploadBytes: 0, reads: 0, largest: [] };
    native.binding = counted(real, census);
    let stepMs: number;
    try {
      stepMs = trainer.trainStep().stepMs;
    } finally {
      native.binding = real;
      trainer.dispose();
    }
    const calls = [...census.ops.values()].reduce((a, b) => a + b, 0);
    console.log(`| ${name} | ${calls} | ${census.ops.size} | ${census.insideMs.toFixed(0)} | ${stepMs.toFixed(0)} | ${census.uploads} | ${(census.uploadBytes / 1e6).toFixed(2)} | ${census.reads} |`);
    const largest = census.largest.sort((a, b) => b.bytes - a.bytes).slice(0, 8).map((u) => `[${u.shape.join('×')}]`).join(' ');
    details.push(`${name}: largest uploads ${largest}`);
    details.push(`${name}: ${[...census.ops].sort((a, b) => b[1] - a[1]).map(([op, k]) => `${op} ×${k}`).join(', ')}`);
  }
  console.log(`\n${details.join('\n')}`);
  closeBackends();
}

void main();
