import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { CatalogueError, openCatalogue } from '../../src/main/catalogue/db';
import { duplicateGroups } from '../../src/main/catalogue/duplicates';
import { importFolder } from '../../src/main/catalogue/importer';
import { MIGRATIONS } from '../../src/main/catalogue/migrations';
import { differenceHash, hammingDistance, nearGroups } from '../../src/main/catalogue/phash';

const RENPY = '/usr/share/games/renpy/demo/game/images';

/** Six real pictures, an exact copy, a resized copy, and broken files of every kind. */
async function pictureFolder(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'cat-in-'));
  mkdirSync(join(dir, 'sub folder'));
  const pictures = await Promise.all(['red', 'green', 'blue', 'gold', 'teal', 'plum'].map(async (name, i) => {
    // distinct content: a gradient at a different angle for each
    const raw = Buffer.alloc(64 * 64 * 3);
    for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) raw.fill(((x * Math.cos(i) + y * Math.sin(i)) * 4 + 128) & 255, (y * 64 + x) * 3, (y * 64 + x) * 3 + 3);
    const file = join(dir, i < 3 ? `${name}.png` : `sub folder/${name}.png`);
    await sharp(raw, { raw: { width: 64, height: 64, channels: 3 } }).png().toFile(file);
    return file;
  }));
  copyFileSync(pictures[0], join(dir, 'red copy.png'));
  await sharp(pictures[1]).resize(48, 48).jpeg({ quality: 90 }).toFile(join(dir, 'green small.jpg'));
  writeFileSync(join(dir, 'empty.png'), '');
  writeFileSync(join(dir, 'readme.jpg'), 'not a picture');
  writeFileSync(join(dir, 'cut.png'), readFileSync(pictures[2]).subarray(0, 100));
  return dir;
}

const workspace = () => {
  const dir = mkdtempSync(join(tmpdir(), 'cat-ws-'));
  return { db: openCatalogue(join(dir, 'catalogue.sqlite')), thumbnails: join(dir, 'thumbs'), dir };
};

describe('catalogue migrations', () => {
  it('runs each migration once, in order, and refuses a database from a newer version', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cat-mig-')), 'c.sqlite');
    const v1 = openCatalogue(file, MIGRATIONS.slice(0, 1));
    v1.prepare(`INSERT INTO datasets (name, kind, source, created_at) VALUES ('kept', 'folder', '/x', 1)`).run();
    v1.close();
    const v2 = openCatalogue(file, [...MIGRATIONS, 'ALTER TABLE datasets ADD COLUMN note TEXT']);
    expect(v2.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length + 1);
    expect(v2.prepare('SELECT name, note FROM datasets').all()).toEqual([{ name: 'kept', note: null }]);
    v2.close();
    expect(() => openCatalogue(file)).toThrow(CatalogueError);
    expect(() => openCatalogue(file)).toThrow(new RegExp(`newer GAN Studio \\(schema ${MIGRATIONS.length + 1}, this one knows ${MIGRATIONS.length}\\)`));
  });
});

describe('importing a folder', () => {
  it('records every picture with its size, format and thumbnail, and every broken file with its reason', async () => {
    const { db, thumbnails } = workspace();
    const dir = await pictureFolder();
    const progress: number[] = [];
    const summary = await importFolder({ db, name: 'mine', dir, thumbnails, onProgress: (p) => progress.push(p.done) });
    expect(summary).toMatchObject({ files: 11, imported: 8, cancelled: false });
    expect(Object.fromEntries(summary.problems.map((p) => [p.file, p.reason]))).toEqual({
      'empty.png': 'empty file (0 bytes)',
      'readme.jpg': 'not a picture sharp can read',
      'cut.png': expect.stringMatching(/^(truncated or corrupt|not a picture)/), // libpng's message for 100 bytes of a PNG varies
    });
    expect(progress.at(-1)).toBe(11);
    const items = db.prepare('SELECT path, width, height, format, included, hash FROM items ORDER BY path').all() as { path: string; width: number; format: string; included: number; hash: string }[];
    expect(items.map((i) => i.path)).toContain('sub folder/plum.png');
    expect(items.find((i) => i.path === 'green small.jpg')).toMatchObject({ width: 48, height: 48, format: 'jpeg', included: 1 });
    for (const i of items) expect(existsSync(join(thumbnails, `${i.hash}.webp`))).toBe(true);
    expect(db.prepare('SELECT count(*) n FROM import_problems').get()).toEqual({ n: 3 });
    expect(db.prepare('SELECT status, done, total FROM jobs').get()).toEqual({ status: 'done', done: 11, total: 11 });
  });

  it('groups exact copies and near-duplicates for review', async () => {
    const { db, thumbnails } = workspace();
    const summary = await importFolder({ db, name: 'mine', dir: await pictureFolder(), thumbnails });
    const pathOf = (id: number) => (db.prepare('SELECT path FROM items WHERE id = ?').get(id) as { path: string }).path;
    const groups = duplicateGroups(db, summary.dataset.id);
    expect(groups.exact.map((g) => g.map(pathOf).sort())).toEqual([['red copy.png', 'red.png']]);
    expect(groups.near.map((g) => g.map(pathOf).sort())).toContainEqual(['green small.jpg', 'green.png']);
    for (const g of groups.near) expect(g.map(pathOf).sort()).not.toContain('blue.png');
  });

  it('keeps what the user decided through a re-import, and a cancelled import keeps what it finished', async () => {
    const { db, thumbnails } = workspace();
    const dir = await pictureFolder();
    const controller = new AbortController();
    const first = await importFolder({ db, name: 'mine', dir, thumbnails, concurrency: 1, signal: controller.signal, onProgress: (p) => p.done === 4 && controller.abort() });
    expect(first.cancelled).toBe(true);
    expect(db.prepare('SELECT count(*) n FROM items').get()).toMatchObject({ n: expect.any(Number) });
    const kept = (db.prepare('SELECT count(*) n FROM items').get() as { n: number }).n + (db.prepare('SELECT count(*) n FROM import_problems').get() as { n: number }).n;
    expect(kept).toBe(4);
    expect(db.prepare('SELECT status FROM jobs').get()).toEqual({ status: 'cancelled' });

    db.prepare(`UPDATE items SET included = 0, label = 'bad', tags = '["blurry"]' WHERE path = (SELECT min(path) FROM items)`).run();
    const before = db.prepare('SELECT path, included, label, tags FROM items WHERE included = 0').get();
    await importFolder({ db, name: 'mine', dir, thumbnails });
    expect(db.prepare('SELECT path, included, label, tags FROM items WHERE included = 0').get()).toEqual(before);
    expect(db.prepare('SELECT count(*) n FROM items').get()).toEqual({ n: 8 });
    await expect(importFolder({ db, name: 'mine', dir: mkdtempSync(join(tmpdir(), 'other-')), thumbnails })).rejects.toThrow(/already holds folder .*choose another name/);
  });

  it.skipIf(!existsSync(RENPY))("imports real pictures with spaces in their names (Ren'Py's)", async () => {
    const { db, thumbnails } = workspace();
    const summary = await importFolder({ db, name: 'renpy', dir: RENPY, pattern: 'eileen*.png', thumbnails });
    expect(summary.imported).toBe(readdirSync(RENPY).filter((f) => /^eileen.*\.png$/.test(f)).length);
    expect(summary.problems).toEqual([]);
  });
});

describe('perceptual hashes', () => {
  it('survive resizing and re-encoding, and tell different pictures apart', async () => {
    const base = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#000' } }).composite([{ input: Buffer.from('<svg width="64" height="64"><circle cx="20" cy="30" r="14" fill="white"/></svg>') }]).png().toBuffer();
    const other = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#000' } }).composite([{ input: Buffer.from('<svg width="64" height="64"><rect x="34" y="8" width="24" height="50" fill="white"/></svg>') }]).png().toBuffer();
    const small = await sharp(base).resize(40, 40).jpeg({ quality: 70 }).toBuffer();
    const [a, b, c] = await Promise.all([base, small, other].map(differenceHash));
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(hammingDistance(a, b)).toBeLessThanOrEqual(6);
    expect(hammingDistance(a, c)).toBeGreaterThan(10);
  });

  it('finds every pair within the distance through the bands, as a pairwise search would', () => {
    let seed = 3;
    const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const hex = () => Array.from({ length: 16 }, () => Math.floor(rand() * 16).toString(16)).join('');
    const items = Array.from({ length: 300 }, (_, id) => ({ id, phash: hex() }));
    // plant near copies: flip up to 6 bits
    for (let i = 0; i < 40; i++) {
      let bits = BigInt(`0x${items[i].phash}`);
      for (let k = 0; k <= i % 7; k++) bits ^= 1n << BigInt(Math.floor(rand() * 64));
      items.push({ id: 1000 + i, phash: bits.toString(16).padStart(16, '0') });
    }
    const grouped = new Set(nearGroups(items).flatMap((g) => g.map((id) => id)));
    for (let i = 0; i < items.length; i++) {
      for (let j = i + 1; j < items.length; j++) {
        if (hammingDistance(items[i].phash, items[j].phash) <= 6) expect(grouped.has(items[i].id) && grouped.has(items[j].id)).toBe(true);
      }
    }
    expect(grouped.size).toBeGreaterThanOrEqual(40);
  });
});
