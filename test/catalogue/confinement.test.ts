/**
 * Reading a person's folder never reaches outside it: patterns that climb or are absolute are refused, links are
 * listed instead of followed, and one pixel limit holds for every decode (import, training, the lab).
 */
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { openCatalogue } from '../../src/main/catalogue/db';
import { importFolder } from '../../src/main/catalogue/importer';
import { describeDecodeError } from '../../src/main/engine/data/decodeProblems';
import { listPictures } from '../../src/main/engine/data/folderFiles';
import { loadFolder } from '../../src/main/engine/data/folder';
import { decodeImage } from '../../src/main/engine/data/images';
import { importCommand } from '../../src/main/cli/importCommand';
import { runCropJob } from '../../src/main/services/cropJob';

const picture = (file: string, shade: number): Promise<unknown> =>
  sharp({ create: { width: 32, height: 32, channels: 3, background: { r: shade, g: 255 - shade, b: 90 } } }).png().toFile(file);

/** A folder with two pictures and every kind of link: a loop, a link to a file outside, a dead one, one inside. */
async function linkedFolder(): Promise<{ dir: string; outside: string }> {
  const base = mkdtempSync(join(tmpdir(), 'gan-confine-'));
  const dir = join(base, 'pictures');
  const outside = join(base, 'private');
  mkdirSync(join(dir, 'sub'), { recursive: true });
  mkdirSync(outside);
  await picture(join(dir, 'a.png'), 10);
  await picture(join(dir, 'sub', 'b.png'), 200);
  await picture(join(outside, 'secret.png'), 120);
  symlinkSync('.', join(dir, 'loop'));
  symlinkSync(outside, join(dir, 'private-link'));
  symlinkSync(join(outside, 'secret.png'), join(dir, 'secret.png'));
  symlinkSync(join(dir, 'nowhere.png'), join(dir, 'dead.png'));
  symlinkSync(join(dir, 'a.png'), join(dir, 'again.png'));
  writeFileSync(join(dir, 'notes.txt'), 'not a picture');
  symlinkSync(join(outside, 'secret.png'), join(dir, 'notes-link.txt'));
  return { dir, outside };
}

/** A PNG whose header claims width × height pixels, with no pixel data: a decompression bomb's first bytes. */
function claimedPng(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer): number => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), body.length + 4);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit grey
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(width + 1))), chunk('IEND', Buffer.alloc(0))]);
}

describe('a folder of pictures', () => {
  it('is read without following links; each link a pattern reaches, or that leads to a folder, is listed', async () => {
    const { dir, outside } = await linkedFolder();
    const { files, problems } = listPictures(dir);
    expect(files).toEqual(['a.png', 'sub/b.png']);
    expect(Object.fromEntries(problems.map((p) => [p.file, p.reason]))).toEqual({
      'again.png': "a link to 'a.png' in this folder: links are not followed (the picture is read under its own name)",
      'dead.png': 'a link that leads nowhere, or in a loop: not followed',
      loop: "a link to a folder, '.' in this folder: links are not followed",
      'private-link': `a link to a folder, '${outside}', outside this folder: links are not followed`,
      'secret.png': `a link to '${join(outside, 'secret.png')}', outside this folder: links are not followed`,
    });
  });

  it('refuses a pattern that is absolute or climbs out, before anything is recorded', async () => {
    const { dir } = await linkedFolder();
    const ws = mkdtempSync(join(tmpdir(), 'gan-confine-ws-'));
    const db = openCatalogue(join(ws, 'catalogue.sqlite'));
    for (const [pattern, why] of [['../private/*.png', /may not climb out of the folder/], ['sub/../../private/*.png', /may not climb/], [join(dir, '..', 'private', '*.png'), /must be relative to the folder/], ['..\\private\\*.png', /may not climb/], ['', /is empty/]] as const) {
      await expect(importFolder({ db, name: 'mine', dir, pattern, thumbnails: join(ws, 'thumbs') }), pattern).rejects.toThrow(why);
    }
    expect(db.prepare('SELECT COUNT(*) AS n FROM datasets').get()).toEqual({ n: 0 });
    await expect(loadFolder(dir, '../private/*.png', { size: 8, channels: 1, background: '#ffffff' })).rejects.toThrow(/data\.pattern: pattern '\.\.\/private\/\*\.png' may not climb out/);
    await expect(runCropJob({ input: dir, out: join(ws, 'crops'), pattern: '../private/*.png', cascade: { name: 'x', xml: Buffer.alloc(0) } as never, params: {} as never })).rejects.toThrow(/may not climb out/);
    db.close();
  });

  it('imports each picture once, lists the links as problems, and nothing from outside', async () => {
    const { dir } = await linkedFolder();
    const ws = mkdtempSync(join(tmpdir(), 'gan-confine-ws-'));
    const db = openCatalogue(join(ws, 'catalogue.sqlite'));
    const summary = await importFolder({ db, name: 'mine', dir, thumbnails: join(ws, 'thumbs') });
    expect(summary.imported).toBe(2);
    expect(db.prepare('SELECT path FROM items ORDER BY path').all()).toEqual([{ path: 'a.png' }, { path: 'sub/b.png' }]);
    expect(summary.problems.map((p) => p.file).sort()).toEqual(['again.png', 'dead.png', 'loop', 'private-link', 'secret.png']);
    expect((db.prepare('SELECT path FROM import_problems ORDER BY path').all() as { path: string }[]).map((r) => r.path)).toEqual(['again.png', 'dead.png', 'loop', 'private-link', 'secret.png']);
    db.close();
  });

  it('makes a workspace that does not exist yet when importing into it', async () => {
    const { dir } = await linkedFolder();
    const ws = join(mkdtempSync(join(tmpdir(), 'gan-confine-ws-')), 'new', 'workspace');
    const out = process.stdout.write;
    const err = process.stderr.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      await importCommand({ dir, name: 'mine', workspace: ws });
    } finally {
      process.stdout.write = out;
      process.stderr.write = err;
    }
    expect(existsSync(join(ws, 'catalogue.sqlite'))).toBe(true);
  });

  it('says what is wrong with a picture in words, even when the decoder gave no reason', () => {
    expect(describeDecodeError(new Error('Input buffer contains unsupported image format'))).toBe('not a picture sharp can read');
    expect(describeDecodeError(new Error('Input image exceeds pixel limit'))).toBe('larger than 100 megapixels');
    expect(describeDecodeError(new Error('VipsJpeg: Premature end of JPEG file\nmore'))).toBe('truncated or corrupt (VipsJpeg: Premature end of JPEG file)');
    expect(describeDecodeError(new Error('Unknown error'))).toBe('truncated or corrupt (the decoder gave no reason)');
  });

  it('refuses every picture over the one pixel limit, in training and the lab as on import', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gan-bomb-'));
    writeFileSync(join(dir, 'bomb.png'), claimedPng(20_000, 20_000)); // 400 Mpx: sharp's own limit (268 Mpx) would let 200 Mpx through
    writeFileSync(join(dir, 'big.png'), claimedPng(12_000, 10_000)); // 120 Mpx
    await picture(join(dir, 'fine.png'), 50);
    await expect(decodeImage(join(dir, 'big.png'), { size: 8, channels: 1, background: '#ffffff' })).rejects.toThrow(/pixel limit/);
    const data = await loadFolder(dir, '*.png', { size: 8, channels: 1, background: '#ffffff' });
    expect(data.count).toBe(1);
    expect(data.skipped).toEqual([
      { file: join(dir, 'big.png'), reason: 'larger than 100 megapixels' },
      { file: join(dir, 'bomb.png'), reason: 'larger than 100 megapixels' },
    ]);
    const ws = mkdtempSync(join(tmpdir(), 'gan-confine-ws-'));
    const db = openCatalogue(join(ws, 'catalogue.sqlite'));
    const summary = await importFolder({ db, name: 'bombs', dir, thumbnails: join(ws, 'thumbs') });
    expect([...summary.problems].sort((a, b) => a.file.localeCompare(b.file))).toEqual([{ file: 'big.png', reason: 'larger than 100 megapixels' }, { file: 'bomb.png', reason: 'larger than 100 megapixels' }]);
    db.close();
  });
});
