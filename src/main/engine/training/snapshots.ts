/**
 * A run's kept moments: snapshots/step-N.bin (a checkpoint, with the same checksums) beside step-N.json (its
 * quality scores). The newest `keep` are kept, and always the best — the lowest KID — so a run that degrades late
 * never loses its best moment.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { QualityScores, SnapshotInfo } from '../../../shared/quality';
import { writeFileAtomic } from './atomicFile';
import { saveCheckpoint } from './checkpoint';
import type { Trainer } from './trainer';

export const snapshotFolder = (dir: string): string => join(dir, 'snapshots');
const stem = (dir: string, step: number): string => join(snapshotFolder(dir), `step-${String(step).padStart(6, '0')}`);
export const snapshotFile = (dir: string, step: number): string => `${stem(dir, step)}.bin`;

/** Which snapshot to open: a step, the best-scoring one, or none (the run's latest checkpoint). */
export type SnapshotChoice = number | 'best' | undefined;

function readScores(file: string): QualityScores | undefined {
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as QualityScores;
    return typeof s?.kid === 'number' ? s : undefined;
  } catch {
    return undefined;
  }
}

/** The run's snapshots, oldest first, the best one marked (lowest KID among those with scores). */
export function listSnapshots(dir: string): SnapshotInfo[] {
  const folder = snapshotFolder(dir);
  if (!existsSync(folder)) return [];
  const steps = readdirSync(folder)
    .map((name) => /^step-(\d+)\.bin$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  const list = steps.map((step) => ({ step, quality: readScores(`${stem(dir, step)}.json`), best: false }));
  const scored = list.filter((s) => s.quality);
  if (scored.length) scored.reduce((best, s) => (s.quality!.kid < best.quality!.kid ? s : best)).best = true;
  return list;
}

/** Saves the trainer's state as snapshot `step` with its scores, then drops what `keep` no longer covers. */
export function saveSnapshot(dir: string, trainer: Trainer, quality: QualityScores, keep: number): void {
  mkdirSync(snapshotFolder(dir), { recursive: true });
  writeFileAtomic(`${stem(dir, trainer.step)}.json`, JSON.stringify(quality));
  saveCheckpoint(snapshotFile(dir, trainer.step), trainer);
  const list = listSnapshots(dir);
  const newest = new Set(list.slice(-keep).map((s) => s.step));
  for (const s of list) {
    if (newest.has(s.step) || s.best) continue;
    for (const ext of ['.bin', '.json']) rmSync(`${stem(dir, s.step)}${ext}`, { force: true });
  }
}

/** The step of a kept snapshot (or of the best one); names what is kept when there is no such snapshot. */
export function snapshotStep(dir: string, choice: number | 'best'): number {
  const list = listSnapshots(dir);
  const found = choice === 'best' ? list.find((s) => s.best) : list.find((s) => s.step === choice);
  if (found) return found.step;
  const kept = list.length ? `it keeps ${list.map((s) => s.step).join(', ')}` : 'it keeps none';
  throw new Error(choice === 'best' ? `run '${dir}' has no scored snapshot to call best (${kept})` : `run '${dir}' has no snapshot at step ${choice} (${kept})`);
}

/** The checkpoint file to open for a choice: the run's own `checkpoint`, or a snapshot's. */
export function snapshotPath(dir: string, checkpoint: string, choice: SnapshotChoice): string {
  return choice === undefined ? checkpoint : snapshotFile(dir, snapshotStep(dir, choice));
}

/** Drops snapshots past `step`: a run resumed from an earlier checkpoint retrains those steps. */
export function dropSnapshotsAfter(dir: string, step: number): void {
  for (const s of listSnapshots(dir)) if (s.step > step) for (const ext of ['.bin', '.json']) rmSync(`${stem(dir, s.step)}${ext}`, { force: true });
}
