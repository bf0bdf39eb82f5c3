/**
 * Full-state checkpoints: config, step, random-source and data-order state, fixed latents, and every tensor
 * (weights, BN statistics, Adam moments). One file — magic, header length, JSON header, float32 blob — written
 * to a temporary name and renamed, so a crash mid-write leaves the previous checkpoint whole.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import type { Config } from '../../shared/config/schema';
import { parseConfig } from '../../shared/config/schema';
import type { RestoredRun, Trainer, TrainerState } from './trainer';

const MAGIC = 'GANCKPT1';

interface Header {
  config: Config;
  state: TrainerState;
  fixedLatents: { offset: number; length: number };
  tensors: { name: string; shape: number[]; offset: number; length: number }[];
  savedAt: string;
}

export interface Checkpoint extends RestoredRun {
  config: Config;
  savedAt: string;
}

export function saveCheckpoint(file: string, trainer: Trainer): void {
  const tensors = [...trainer.namedTensors()];
  const parts: Float32Array[] = [trainer.fixedLatents];
  const header: Header = {
    config: trainer.config,
    state: trainer.state(),
    fixedLatents: { offset: 0, length: trainer.fixedLatents.length },
    tensors: [],
    savedAt: new Date().toISOString(),
  };
  let offset = trainer.fixedLatents.length;
  for (const [name, t] of tensors) {
    const values = t.dataSync() as Float32Array;
    header.tensors.push({ name, shape: t.shape, offset, length: values.length });
    parts.push(values);
    offset += values.length;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(MAGIC.length + 4);
  prefix.write(MAGIC, 0, 'ascii');
  prefix.writeUInt32LE(json.length, MAGIC.length);
  // Float data starts on a 4-byte boundary so it can be viewed without copying on load.
  const padding = Buffer.alloc((4 - ((prefix.length + json.length) % 4)) % 4, 0x20);

  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    for (const b of [prefix, json, padding, ...parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength))]) {
      writeSync(fd, b);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

export function loadCheckpoint(file: string): Checkpoint {
  const bytes = readFileSync(file);
  if (bytes.length < MAGIC.length + 4 || bytes.toString('ascii', 0, MAGIC.length) !== MAGIC) {
    throw new Error(`'${file}' is not a GAN Studio checkpoint`);
  }
  const jsonLength = bytes.readUInt32LE(MAGIC.length);
  const jsonStart = MAGIC.length + 4;
  let header: Header;
  try {
    header = JSON.parse(bytes.toString('utf8', jsonStart, jsonStart + jsonLength)) as Header;
  } catch {
    throw new Error(`checkpoint '${file}' has a damaged header`);
  }
  const dataStart = jsonStart + jsonLength + ((4 - ((jsonStart + jsonLength) % 4)) % 4);
  const floats = new Float32Array(bytes.buffer.slice(bytes.byteOffset + dataStart, bytes.byteOffset + bytes.length));
  const view = (offset: number, length: number): Float32Array => {
    if (offset + length > floats.length) throw new Error(`checkpoint '${file}' is truncated`);
    return floats.subarray(offset, offset + length);
  };
  const tensors = new Map<string, Float32Array>();
  for (const t of header.tensors) tensors.set(t.name, view(t.offset, t.length));
  return {
    config: parseConfig(header.config),
    state: header.state,
    tensors,
    fixedLatents: view(header.fixedLatents.offset, header.fixedLatents.length),
    savedAt: header.savedAt,
  };
}
