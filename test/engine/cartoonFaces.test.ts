import { existsSync, mkdtempSync, readFileSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cartoonFace, loadCartoonFaces } from '../../src/main/engine/data/cartoonFaces';
import { loadDataset } from '../../src/main/engine/data';
import { presetConfig } from '../../src/shared/config/presets';

let cache: string;
beforeAll(() => {
  cache = mkdtempSync(join(tmpdir(), 'gan-faces-cache-'));
  process.env.XDG_CACHE_HOME = cache;
});

describe('the embedded cartoon faces', () => {
  it('draws face i the same way every time, cycling through the three styles', () => {
    expect(cartoonFace(7)).toEqual(cartoonFace(7));
    expect(cartoonFace(7).svg).not.toBe(cartoonFace(10).svg);
    expect([0, 1, 2, 3].map((i) => cartoonFace(i).style)).toEqual(['adventurer', 'lorelei', 'notionists', 'adventurer']);
  });

  it('renders a set of N as the first N of one sequence, labelled by style, and reads it back from the cache', async () => {
    const six = await loadCartoonFaces(6, 32);
    expect(six).toMatchObject({ count: 6, shape: [32, 32, 3], classNames: ['adventurer', 'lorelei', 'notionists'] });
    expect(Array.from(six.labels!)).toEqual([0, 1, 2, 0, 1, 2]);
    expect(six.images.every((v) => v >= -1 && v <= 1)).toBe(true);
    const twelve = await loadCartoonFaces(12, 32);
    expect(twelve.images.subarray(0, six.images.length)).toEqual(six.images);
    expect(twelve.tags.slice(0, 6)).toEqual(six.tags);
    // Faces differ from one another (not one picture repeated), and each is not a flat colour.
    const face = (d: typeof six, i: number) => d.images.subarray(i * 32 * 32 * 3, (i + 1) * 32 * 32 * 3);
    expect(face(six, 0)).not.toEqual(face(six, 3));
    expect(new Set(face(six, 0)).size).toBeGreaterThan(20);

    const bin = join(cache, 'gan-studio', 'cartoon-faces', 'faces-6-32.bin');
    expect(existsSync(bin)).toBe(true);
    const cached = await loadCartoonFaces(6, 32);
    expect(cached.images).toEqual(six.images);
    expect(cached.tags).toEqual(six.tags);
    // A damaged cache is rendered again, not trusted.
    truncateSync(bin, 100);
    expect((await loadCartoonFaces(6, 32)).images).toEqual(six.images);
    expect(readFileSync(bin).length).toBe(6 * 32 * 32 * 3);
  });

  it("is a data source: data.limit is how many faces, at the model's size", async () => {
    const config = presetConfig('dcgan-64', { data: { source: 'cartoon-faces', limit: 9 }, model: { imageSize: 32 } });
    const d = await loadDataset(config);
    expect(d).toMatchObject({ count: 9, shape: [32, 32, 3] });
    expect(d.images).toEqual((await loadCartoonFaces(9, 32)).images);
  });
});
