import { mkdtempSync, readFileSync, writeFileSync, chmodSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { startBackend } from '../../src/main/engine/backend';
import { loadCheckpoint, saveCheckpoint } from '../../src/main/engine/checkpoint';
import { tinyTrainer } from './tinyRun';

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
    const t = await tinyTrainer();
    const dir = mkdtempSync(join(tmpdir(), 'gan-ck-'));
    const file = join(dir, 'checkpoint.bin');
    saveCheckpoint(file, t);
    const before = readFileSync(file);
    t.trainStep();
    chmodSync(dir, 0o500); // the temp file cannot be created: the write fails before the rename
    try {
      if (process.getuid?.() === 0) {
        // root ignores directory permissions; make the temp name a directory instead
        chmodSync(dir, 0o700);
        const { mkdirSync } = await import('node:fs');
        mkdirSync(`${file}.tmp-${process.pid}`);
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

  it('refuses a truncated checkpoint', async () => {
    const t = await tinyTrainer();
    const file = join(mkdtempSync(join(tmpdir(), 'gan-ck-')), 'checkpoint.bin');
    saveCheckpoint(file, t);
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, bytes.length - 100));
    expect(() => loadCheckpoint(file)).toThrow(/truncated/);
    t.dispose();
  });
});
