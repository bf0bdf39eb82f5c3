/** A run folder holding a preset's untrained checkpoint: what the latency benches draw from (speed does not depend on weights). */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset } from '../src/main/engine/data/dataset';
import { saveCheckpoint } from '../src/main/engine/training/checkpoint';
import { runLayout } from '../src/main/engine/training/run';
import { Trainer } from '../src/main/engine/training/trainer';
import { presetConfig, type PresetName } from '../src/shared/config/presets';

/** Writes `workspace`/`preset` with the preset's checkpoint at step 0; returns the folder. */
export function writeUntrainedRun(workspace: string, preset: PresetName): string {
  const config = presetConfig(preset, { train: { batchSize: 2 } });
  const [h, w, c] = [config.model.imageSize, config.model.imageSize, config.model.channels];
  const data: Dataset = { name: 'synthetic', images: new Float32Array(2 * h * w * c), count: 2, shape: [h, w, c], skipped: [] };
  const trainer = new Trainer(config, data);
  const dir = join(workspace, preset);
  mkdirSync(dir);
  saveCheckpoint(runLayout(dir).checkpoint, trainer);
  trainer.dispose();
  return dir;
}
