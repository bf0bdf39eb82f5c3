/**
 * Transfer: a new run that starts from another run's weights (`train.init`, its latest checkpoint or a snapshot),
 * G and D and G's weight average with their statistics, and fresh optimisers — the usual way to fine-tune a model on
 * a few hundred pictures of one's own. Paired with FreezeD (`train.freezeD`, Mo et al. 2020), which keeps D's first
 * layers as they came.
 */
import { join } from 'node:path';
import * as tf from '../runtime/tf';
import { loadCheckpoint } from './checkpoint';
import { snapshotPath, type SnapshotChoice } from './snapshots';
import type { Trainer } from './trainer';

/** The groups of tensors a transfer copies; the optimisers' moments start afresh. */
const COPIED = ['G/', 'G.stats/', 'G.ema/', 'D/', 'D.stats/'];

/** "latest" | "best" | a step, as train.initSnapshot holds it. */
export function snapshotChoice(text: string): SnapshotChoice {
  return text === 'latest' ? undefined : text === 'best' ? 'best' : Number(text);
}

/** Copies another run's weights into a new trainer; names the tensor and both shapes when the models differ. */
export function initFromRun(trainer: Trainer, dir: string, snapshot: SnapshotChoice): { step: number } {
  const file = snapshotPath(dir, join(dir, 'checkpoint.bin'), snapshot);
  const source = loadCheckpoint(file);
  for (const [name, variable] of trainer.namedTensors()) {
    if (!COPIED.some((prefix) => name.startsWith(prefix))) continue;
    // G's weight average starts from the source's average, or from its G when the source kept none.
    const values = source.tensors.get(name) ?? (name.startsWith('G.ema/') ? source.tensors.get(`G/${name.slice(6)}`) : undefined);
    if (!values) throw new Error(`train.init: '${file}' has no tensor '${name}': it was trained with another model (${source.config.model.kind}, ${source.config.model.imageSize} px, width ${source.config.model.width})`);
    if (values.length !== variable.size) throw new Error(`train.init: tensor '${name}' has ${values.length} values in '${file}', this model's has ${variable.size} (shape ${variable.shape.join('×')}): the two runs' models differ`);
    tf.tidy(() => variable.assign(tf.tensor(values, variable.shape)));
  }
  return { step: source.state.step };
}
