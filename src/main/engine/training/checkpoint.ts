/**
 * Full-state checkpoints: config, step, random-source and data-order state, fixed latents, and every tensor
 * (weights, BN statistics, Adam moments). One file — magic, header length, JSON header, float32 blob — written
 * whole or not at all (atomicFile), so a crash or a full disk mid-write leaves the previous checkpoint whole.
 * Each tensor carries a SHA-256 of its bytes: a damaged file is refused by name, never trained on. Values that
 * are NaN or infinite are never written, so a run that diverged cannot replace its last good checkpoint.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Config } from '../../../shared/config/schema';
import { parseConfig } from '../../../shared/config/schema';
import { FileWriteError, writeFileAtomic } from './atomicFile';
import type { RestoredRun, Trainer, TrainerState } from './trainer';

const MAGIC = 'GANCKPT1';
const PREFIX = MAGIC.length + 4;

interface Block { offset: number; length: number; sha256?: string }

interface Header {
  config: Config;
  state: TrainerState;
  fixedLatents: Block;
  tensors: ({ name: string; shape: number[] } & Block)[];
  savedAt: string;
}

export interface Checkpoint extends RestoredRun {
  config: Config;
  savedAt: string;
}

/** A checkpoint that cannot be used, saying which file and what is wrong with it. */
export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

const sha256 = (values: Float32Array): string => createHash('sha256').update(values).digest('hex');

/** The first tensor of `named` holding a NaN or an infinity, if any. */
function firstNonFinite(named: Iterable<[string, Float32Array]>): string | undefined {
  for (const [name, values] of named) {
    for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return name;
  }
  return undefined;
}

export function saveCheckpoint(file: string, trainer: Trainer): void {
  const values = [...trainer.namedTensors()].map(([name, t]) => ({ name, shape: t.shape, values: t.dataSync() as Float32Array }));
  const bad = firstNonFinite(values.map((t) => [t.name, t.values]));
  if (bad) throw new CheckpointError(`not saved at step ${trainer.step}: tensor '${bad}' holds NaN or infinite values; '${file}' keeps the last good checkpoint`);
  const header: Header = {
    config: trainer.config,
    state: trainer.state(),
    fixedLatents: { offset: 0, length: trainer.fixedLatents.length, sha256: sha256(trainer.fixedLatents) },
    tensors: [],
    savedAt: new Date().toISOString(),
  };
  let offset = trainer.fixedLatents.length;
  for (const t of values) {
    header.tensors.push({ name: t.name, shape: t.shape, offset, length: t.values.length, sha256: sha256(t.values) });
    offset += t.values.length;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(PREFIX);
  prefix.write(MAGIC, 0, 'ascii');
  prefix.writeUInt32LE(json.length, MAGIC.length);
  // Float data starts on a 4-byte boundary so it can be viewed without copying on load.
  const padding = Buffer.alloc((4 - ((PREFIX + json.length) % 4)) % 4, 0x20);
  const floats = [trainer.fixedLatents, ...values.map((t) => t.values)].map((p) => new Uint8Array(p.buffer, p.byteOffset, p.byteLength));
  try {
    writeFileAtomic(file, [prefix, json, padding, ...floats]);
  } catch (err) {
    if (err instanceof FileWriteError) throw new CheckpointError(`checkpoint at step ${trainer.step} not saved: ${err.message}`);
    throw err;
  }
}

export function loadCheckpoint(file: string): Checkpoint {
  const bytes = readFileSync(file);
  const magicSeen = bytes.toString('ascii', 0, Math.min(bytes.length, MAGIC.length));
  if (bytes.length === 0) throw new CheckpointError(`checkpoint '${file}' is empty (0 bytes)`);
  if (!MAGIC.startsWith(magicSeen)) throw new CheckpointError(`'${file}' is not a GAN Studio checkpoint`);
  if (bytes.length < PREFIX) throw new CheckpointError(`checkpoint '${file}' is truncated (${bytes.length} bytes)`);
  const jsonLength = bytes.readUInt32LE(MAGIC.length);
  if (PREFIX + jsonLength > bytes.length) throw new CheckpointError(`checkpoint '${file}' is truncated: its header ends at byte ${PREFIX + jsonLength}, the file at ${bytes.length}`);
  let header: Header;
  try {
    header = JSON.parse(bytes.toString('utf8', PREFIX, PREFIX + jsonLength)) as Header;
  } catch {
    throw new CheckpointError(`checkpoint '${file}' has a damaged header`);
  }
  const dataStart = PREFIX + jsonLength + ((4 - ((PREFIX + jsonLength) % 4)) % 4);
  const blocks = [header.fixedLatents, ...header.tensors];
  const floatsNeeded = Math.max(0, ...blocks.map((b) => b.offset + b.length));
  const expected = dataStart + floatsNeeded * 4;
  if (bytes.length < expected) throw new CheckpointError(`checkpoint '${file}' is truncated: ${bytes.length} bytes, its header describes ${expected}`);
  const floats = new Float32Array(bytes.buffer.slice(bytes.byteOffset + dataStart, bytes.byteOffset + expected));
  const view = (name: string, b: Block): Float32Array => {
    const values = floats.subarray(b.offset, b.offset + b.length);
    if (b.sha256 !== undefined && sha256(values) !== b.sha256) throw new CheckpointError(`checkpoint '${file}' is damaged: ${name} does not match its checksum`);
    return values;
  };
  const tensors = new Map<string, Float32Array>();
  for (const t of header.tensors) tensors.set(t.name, view(`tensor '${t.name}'`, t));
  const bad = firstNonFinite(tensors);
  if (bad) throw new CheckpointError(`checkpoint '${file}' is unusable: tensor '${bad}' holds NaN or infinite values`);
  return {
    config: parseConfig(header.config),
    state: header.state,
    tensors,
    fixedLatents: view('the fixed latents', header.fixedLatents),
    savedAt: header.savedAt,
  };
}
