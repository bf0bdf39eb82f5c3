import { mkdtempSync, readFileSync, writeFileSync, chmodSync, existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { startBackend } from '../../src/main/engine/runtime/backend';
import { temporaryName } from '../../src/main/engine/training/atomicFile';
import { loadCheckpoint, saveCheckpoint } from '../../src/main/engine/training/checkpoint';
import * as tf from '../../src/main/engine/runtime/tf';
import { tinyTrainer } from './tinyRun';

/** A trainer whose checkpoint was saved at step 0 (its bytes kept), then trained one step more. */
async function savedThenTrained() {
  const t = await tinyTrainer();
  const dir = mkdtempSync(join(tmpdir(), 'gan-ck-'));
  const file = join(dir, 'checkpoint.bin');
  saveCheckpoint(file, t);
  const before = readFileSync(file);
  t.trainStep();
  return { t, dir, file, before };
}

describe('checkpoints', () => {
  beforeAll(async () => {
    await startBackend('wasm');
  });

  it('hold the whole state: config, step, fixed latents, weights and Adam moments', async () => {
    const t = await tinyTrainer();
    t.trainStep();
    t.trainStep();
    const file = join(mkdtempSync(join(tmpdir(), 'gan-ck-')), 'checkpoint.bin');
    saveCheckpoint(file, t);
    const ck = loadCheckpoint(file);
    expect(ck.state.step).toBe(2);
    expect(ck.state.adamSteps).toEqual({ g: 2, d: 2 });
    expect(ck.config).toEqual(t.config);
    expect(Array.from(ck.fixedLatents)).toEqual(Array.from(t.fixedLatents));
    const names = [...ck.tensors.keys()];
    expect(names.some((n) => n.startsWith('adamD.v/'))).toBe(true);
    expect(names.some((n) => n.startsWith('G.stats/'))).toBe(true);
    const w = t.gan.generator.params.trainable.get('fc.weight')!;
    expect(Array.from(ck.tensors.get('G/fc.weight')!)).toEqual(Array.from(w.dataSync()));
    t.dispose();
  });

  it('a failed write leaves the previous checkpoint whole (temp file, then rename)', async () => {
    const { t, dir, file, before } = await savedThenTrained();
    chmodSync(dir, 0o500); // the temp file cannot be created: the write fails before the rename
    try {
      if (process.getuid?.() === 0) {
        // root ignores directory permissions; make the temp name a directory instead
        chmodSync(dir, 0o700);
        mkdirSync(temporaryName(file));
      }
      expect(() => saveCheckpoint(file, t)).toThrow();
    } finally {
      chmodSync(dir, 0o700);
    }
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(loadCheckpoint(file).state.step).toBe(0);
    t.dispose();
  });

  it('refuses a file that is not a checkpoint, or a truncated one, naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gan-ck-'));
    const junk = join(dir, 'junk.bin');
    writeFileSync(junk, 'hello');
    expect(() => loadCheckpoint(junk)).toThrow(/junk\.bin' is not a GAN Studio checkpoint/);
    expect(existsSync(junk)).toBe(true);
    expect(readdirSync(dir)).toEqual(['junk.bin']);
  });

  it('refuses a truncated checkpoint, naming the file, wherever it was cut', async () => {
    const t = await tinyTrainer();
    const file = join(mkdtempSync(join(tmpdir(), 'gan-ck-')), 'checkpoint.bin');
    saveCheckpoint(file, t);
    const bytes = readFileSync(file);
    const jsonEnd = 12 + bytes.readUInt32LE(8);
    for (const cut of [1, 7, 10, 13, jsonEnd - 1, jsonEnd + 1, jsonEnd + 6, bytes.length - 101, bytes.length - 100, bytes.length - 3, bytes.length - 1]) {
      writeFileSync(file, bytes.subarray(0, cut));
      expect(() => loadCheckpoint(file), `cut at ${cut}`).toThrow(/checkpoint '.*checkpoint\.bin' is truncated/);
    }
    t.dispose();
  });

  it('refuses a damaged checkpoint by its checksum, naming the tensor', async () => {
    const t = await tinyTrainer();
    const file = join(mkdtempSync(join(tmpdir(), 'gan-ck-')), 'checkpoint.bin');
    saveCheckpoint(file, t);
    const bytes = readFileSync(file);
    // NaN over the last float: the last tensor's checksum no longer matches
    bytes.writeFloatLE(Number.NaN, bytes.length - 4);
    writeFileSync(file, bytes);
    expect(() => loadCheckpoint(file)).toThrow(/checkpoint '.*checkpoint\.bin' is damaged: tensor 'adamD\.v\/.*' does not match its checksum/);
    t.dispose();
  });

  it('never writes NaN or infinite weights over the last good checkpoint', async () => {
    const { t, file, before } = await savedThenTrained();
    const w = t.gan.generator.params.trainable.get('fc.weight')!;
    tf.tidy(() => w.assign(tf.mul(w, tf.scalar(Number.POSITIVE_INFINITY))));
    expect(() => saveCheckpoint(file, t)).toThrow(/not saved at step 1: tensor 'G\/fc\.weight' holds NaN or infinite values; '.*checkpoint\.bin' keeps the last good checkpoint/);
    expect(readFileSync(file).equals(before)).toBe(true);
    t.dispose();
  });

  it('on a full disk keeps the previous checkpoint, leaves no temporary file and says so', async () => {
    const { t, dir, file, before } = await savedThenTrained();
    // /dev/full answers every write with ENOSPC: the temporary file lands on a full "disk"
    symlinkSync('/dev/full', temporaryName(file));
    expect(() => saveCheckpoint(file, t)).toThrow(/checkpoint at step 1 not saved: could not write '.*checkpoint\.bin': the disk is full; its previous version is untouched/);
    expect(readdirSync(dir)).toEqual(['checkpoint.bin']);
    expect(readFileSync(file).equals(before)).toBe(true);
    t.dispose();
  });
});
