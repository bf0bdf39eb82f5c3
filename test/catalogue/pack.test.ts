import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { openCatalogue } from '../../src/main/catalogue/db';
import { importFolder } from '../../src/main/catalogue/importer';
import { loadCuratedDataset } from '../../src/main/catalogue/pack';
import { Batcher } from '../../src/main/engine/data/batcher';
import type { Dataset } from '../../src/main/engine/data/dataset';
import { loadDataset } from '../../src/main/engine/data';
import { presetConfig } from '../../src/shared/config/presets';

async function curated(n: number) {
  const ws = mkdtempSync(join(tmpdir(), 'pack-ws-'));
  const dir = mkdtempSync(join(tmpdir(), 'pack-in-'));
  for (let i = 0; i < n; i++) {
    await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 20 * i, g: 255 - 20 * i, b: 128 } } }).png().toFile(join(dir, `p${i}.png`));
  }
  const catalogue = join(ws, 'catalogue.sqlite');
  const db = openCatalogue(catalogue);
  await importFolder({ db, name: 'pics', dir, thumbnails: join(ws, 'thumbs') });
  const config = presetConfig('mnist-quick', { data: { source: 'catalogue', dataset: 'pics', path: catalogue } });
  return { db, dir, config };
}

describe('use for training', () => {
  it("packs the included pictures at the model's size, reuses the pack, and rebuilds it when the dataset changes", async () => {
    const { db, dir, config } = await curated(8);
    db.prepare("UPDATE items SET included = 0 WHERE path IN ('p0.png', 'p1.png')").run();
    const first = await loadCuratedDataset(config);
    expect(first).toMatchObject({ count: 6, shape: [28, 28, 1], classNames: undefined });
    expect(Math.min(...first.images)).toBeGreaterThanOrEqual(-1);

    db.prepare("UPDATE items SET included = 0 WHERE path = 'p2.png'").run();
    const second = await loadCuratedDataset(config);
    expect(second.count).toBe(5);
    rmSync(dir, { recursive: true });
    const cached = await loadCuratedDataset(config); // the source pictures are gone: only the pack can answer
    expect(cached.count).toBe(5);
    for (let i = 0; i < cached.images.length; i++) expect(Math.abs(cached.images[i] - second.images[i])).toBeLessThan(1e-6);
  });

  it('turns labels into classes when every included picture has one, and names what is missing', async () => {
    const { db, config } = await curated(4);
    db.prepare("UPDATE items SET label = CASE WHEN path < 'p2' THEN 'cat' ELSE 'dog' END").run();
    const d = await loadCuratedDataset({ ...config, model: { ...config.model, channels: 3 } });
    expect(d.classNames).toEqual(['cat', 'dog']);
    expect([...d.labels!]).toEqual([0, 0, 1, 1]);
    await expect(loadCuratedDataset({ ...config, data: { ...config.data, dataset: 'nope' } })).rejects.toThrow(/no dataset named 'nope'/);
    db.prepare('UPDATE items SET included = 0').run();
    await expect(loadCuratedDataset(config)).rejects.toThrow(/has no included pictures/);
    await expect(loadDataset(config)).rejects.toThrow(/needs the studio's catalogue/);
  });
});

describe('random horizontal flips', () => {
  const data: Dataset = { name: 't', count: 4, shape: [2, 3, 1], skipped: [], images: Float32Array.from({ length: 24 }, (_, i) => i) };
  const mirrored = (img: number[]) => [img[2], img[1], img[0], img[5], img[4], img[3]];

  it('mirror about half of the drawn pictures, the same ones after a resume', () => {
    const a = new Batcher(data, 5, undefined, true);
    const draws = Array.from({ length: 50 }, () => Array.from(a.next(1).images));
    const flipped = draws.filter((img) => !data.images.some((_, k) => k % 6 === 0 && img.every((v, j) => v === data.images[k + j]))).length;
    expect(flipped).toBeGreaterThan(10);
    expect(flipped).toBeLessThan(40);
    for (const img of draws) {
      const original = Array.from(data.images.subarray(img[0] < img[2] ? img[0] : img[2], (img[0] < img[2] ? img[0] : img[2]) + 6));
      expect([original, mirrored(original)]).toContainEqual(img);
    }
    const b = new Batcher(data, 5, undefined, true);
    b.next(7);
    const resumed = new Batcher(data, 5, b.state(), true);
    expect(Array.from(resumed.next(9).images)).toEqual(Array.from(b.next(9).images));
    expect(Array.from(new Batcher(data, 5).next(8).images)).not.toEqual(Array.from(new Batcher(data, 5, undefined, true).next(8).images));
  });
});
