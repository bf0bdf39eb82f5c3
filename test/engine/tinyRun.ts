/** Small, fast configs and data for engine tests (real MNIST digits, tiny networks). */
import { presetConfig } from '../../src/shared/config/presets';
import { LOSS_KINDS, type Config, type ConfigInput } from '../../src/shared/config/schema';
import { loadDataset } from '../../src/main/engine/data';
import type { Dataset } from '../../src/main/engine/data/dataset';
import { Trainer } from '../../src/main/engine/training/trainer';

/** The objectives any D takes: BEGAN's needs its own auto-encoder D (its tests: began.test.ts). */
export const ANY_D_LOSSES = LOSS_KINDS.filter((loss) => loss !== 'began');

export function tinyConfig(train: Partial<NonNullable<ConfigInput['train']>> = {}, model: Partial<NonNullable<ConfigInput['model']>> = {}): Config {
  return presetConfig('mnist-quick', {
    model: { width: 0.125, latentDim: 8, dropout: 0.25, ...model }, // dropout on: its random draws must resume too
    data: { limit: 64 },
    train: { batchSize: 8, steps: 20, seed: 5, ...train },
    monitor: { sampleCount: 4, sampleEvery: 5, checkpointEvery: 10 },
  });
}

let cached: Dataset | undefined;
export async function tinyData(config: Config): Promise<Dataset> {
  cached ??= await loadDataset(config);
  return cached;
}

/** A trainer on the tiny config and data. */
export async function tinyTrainer(...args: Parameters<typeof tinyConfig>): Promise<Trainer> {
  const config = tinyConfig(...args);
  return new Trainer(config, await tinyData(config));
}
