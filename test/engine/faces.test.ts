/**
 * Face cropping on real pictures from Debian packages (installed by ./studio test): python3-skimage's astronaut,
 * facedetect's Grace Hopper, the Ren'Py sprites (file names with spaces), and the anime cascade from ../shared.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CascadeError, KNOWN_CASCADES, resolveCascade, type ResolvedCascade } from '../../src/main/engine/faces/cascades';
import { cropPicture, DEFAULT_CROP, widen } from '../../src/main/engine/faces/crop';
import { createFaceDetector, type FaceDetector } from '../../src/main/engine/faces/detector';
import { loadOpenCv } from '../../src/main/engine/faces/opencv';
import { MANIFEST, readManifest, runCropJob } from '../../src/main/services/cropJob';

const ANIME = join(__dirname, '..', '..', '..', 'shared', 'data', 'lbpcascade_animeface.xml');
const ASTRONAUT = '/usr/lib/python3/dist-packages/skimage/data/astronaut.png';
const HOPPER = '/usr/share/doc/facedetect/examples/grace_hopper_512x512.jpg';
const FRONTAL = KNOWN_CASCADES.frontalface.system[0];
const RENPY = '/usr/share/games/renpy/demo/game/images';
const QUESTION = '/usr/share/games/renpy/the_question/game/images';
const missing = [ANIME, ASTRONAUT, HOPPER, FRONTAL, RENPY, QUESTION].filter((f) => !existsSync(f));

describe.skipIf(missing.length > 0)(`face cropping on real pictures${missing.length ? ` (missing: ${missing.join(', ')} — ./studio test installs them)` : ''}`, () => {
  let human: FaceDetector;
  let anime: FaceDetector;
  beforeAll(async () => {
    const { cv } = await loadOpenCv();
    human = createFaceDetector(cv, readFileSync(FRONTAL), 'frontalface');
    anime = createFaceDetector(cv, readFileSync(ANIME), 'anime');
  });
  afterAll(() => {
    human?.dispose();
    anime?.dispose();
  });

  it('finds the one face of the astronaut and of Grace Hopper, and crops 96 px squares inside the picture', async () => {
    for (const [file, face] of [[ASTRONAUT, { x: [190, 260], y: [80, 150] }], [HOPPER, { x: [220, 310], y: [150, 250] }]] as const) {
      const result = await cropPicture(file, human, DEFAULT_CROP);
      expect(result.faces, file).toHaveLength(1);
      const { box, png } = result.faces[0];
      // the box's centre lies on the face
      expect(box.x + box.width / 2).toBeGreaterThan(face.x[0]);
      expect(box.x + box.width / 2).toBeLessThan(face.x[1]);
      expect(box.y + box.height / 2).toBeGreaterThan(face.y[0]);
      expect(box.y + box.height / 2).toBeLessThan(face.y[1]);
      expect(box.x + box.width).toBeLessThanOrEqual(result.width);
      expect(box.y + box.height).toBeLessThanOrEqual(result.height);
      expect(await sharp(png).metadata()).toMatchObject({ width: 96, height: 96, format: 'png' });
    }
  });

  it("finds the Ren'Py characters' anime faces", async () => {
    for (const file of ['eileen happy.png', 'lucy happy.png']) {
      const result = await cropPicture(join(RENPY, file), anime);
      expect(result.faces.length, file).toBe(1);
      // the face is in the sprite's upper half
      expect(result.faces[0].box.y + result.faces[0].box.height).toBeLessThan(result.height / 2);
    }
    const sylvie = readdirSync(QUESTION).filter((f) => f.startsWith('sylvie '));
    let found = 0;
    for (const file of sylvie) found += (await cropPicture(join(QUESTION, file), anime)).faces.length > 0 ? 1 : 0;
    expect(found).toBeGreaterThanOrEqual(sylvie.length * 0.75);
  });

  it('widens a box by the margin without leaving the picture', () => {
    expect(widen({ x: 10, y: 10, width: 100, height: 100 }, 0.2, 1000, 1000)).toEqual({ x: 0, y: 0, width: 130, height: 130 });
    expect(widen({ x: 500, y: 500, width: 100, height: 100 }, 0.2, 590, 1000)).toEqual({ x: 480, y: 480, width: 110, height: 140 });
    expect(widen({ x: 5, y: 6, width: 7, height: 8 }, 0, 100, 100)).toEqual({ x: 5, y: 6, width: 7, height: 8 });
  });
});

describe('cascades', () => {
  const pinned = readFileSync(ANIME);
  const served = (body: Buffer) => async () => ({ ok: true, status: 200, arrayBuffer: async () => body.buffer.slice(body.byteOffset, body.byteOffset + body.length) as ArrayBuffer });

  it.skipIf(!existsSync(ANIME))('downloads a named cascade once, checks its sha256 and caches it', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'cascades-'));
    let downloads = 0;
    const fetch = async (url: string) => (downloads++, expect(url).toBe(KNOWN_CASCADES.anime.url), served(pinned)());
    const first = await resolveCascade('anime', { cacheDir, fetch });
    expect(first.path).toBe(join(cacheDir, 'lbpcascade_animeface.xml'));
    expect(first.xml.equals(pinned)).toBe(true);
    await resolveCascade('anime', { cacheDir, fetch });
    expect(downloads).toBe(1);
  });

  it.skipIf(!existsSync(ANIME))('refuses a download whose sha256 is not the pinned one, and keeps nothing', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'cascades-'));
    const tampered = Buffer.concat([pinned, Buffer.from('<!-- x -->')]);
    await expect(resolveCascade('anime', { cacheDir, fetch: served(tampered) })).rejects.toThrow(/sha256 [0-9a-f]{64}, not the pinned 9376d30a/);
    expect(readdirSync(cacheDir)).toEqual([]);
    await expect(resolveCascade('anime', { cacheDir, fetch: async () => { throw new Error('getaddrinfo ENOTFOUND'); } })).rejects.toThrow(/could not be downloaded .*ENOTFOUND/);
  });

  it('says what a cascade argument that names nothing is', async () => {
    await expect(resolveCascade('/no/such/cascade.xml', { cacheDir: tmpdir() })).rejects.toThrow(CascadeError);
    await expect(resolveCascade('/no/such/cascade.xml', { cacheDir: tmpdir() })).rejects.toThrow(/neither anime nor frontalface nor a file/);
  });

  it.skipIf(!existsSync(ANIME))('a real HTTP download works through the default path as well', async () => {
    const server = createServer((_req, res) => res.end(pinned));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const cacheDir = mkdtempSync(join(tmpdir(), 'cascades-'));
    const got = await resolveCascade('anime', { cacheDir, fetch: (u) => (expect(u).toBe(KNOWN_CASCADES.anime.url), fetch(url)) });
    server.close();
    expect(got.xml.equals(pinned)).toBe(true);
  });
});

describe.skipIf(missing.length > 0)('crop jobs', () => {
  let cascade: ResolvedCascade;
  beforeAll(async () => (cascade = await resolveCascade(ANIME, { cacheDir: tmpdir() })));

  /** Sprites (names with spaces, in a subfolder) plus broken files of every kind. */
  function folder(): string {
    const dir = mkdtempSync(join(tmpdir(), 'crop-in-'));
    mkdirSync(join(dir, 'cast'));
    for (const f of ['eileen happy.png', 'lucy happy.png', 'eileen concerned.png']) copyFileSync(join(RENPY, f), join(dir, 'cast', f));
    writeFileSync(join(dir, 'empty.png'), '');
    writeFileSync(join(dir, 'notes.jpg'), 'this is not a picture');
    writeFileSync(join(dir, 'cut.png'), readFileSync(join(RENPY, 'lucy mad.png')).subarray(0, 3000));
    return dir;
  }

  it('crops a folder in worker threads, reports every broken file by name, and writes crops.jsonl', async () => {
    const input = folder();
    const out = mkdtempSync(join(tmpdir(), 'crop-out-'));
    const seen: number[] = [];
    const summary = await runCropJob({ input, out, cascade, params: { ...DEFAULT_CROP, margin: 0.1 }, workers: 2, onProgress: (p) => seen.push(p.done) });
    expect(summary).toMatchObject({ imagesRead: 3, facesFound: 3, alreadyDone: 0, cancelled: false });
    expect(Object.fromEntries(summary.failed.map((f) => [f.file, f.reason]))).toEqual({
      'empty.png': 'empty file (0 bytes)',
      'notes.jpg': expect.stringMatching(/not a picture/),
      'cut.png': expect.stringMatching(/truncated|corrupt|end/i),
    });
    expect(seen.at(-1)).toBe(6);
    const crops = readManifest(join(out, MANIFEST)).flatMap((r) => ('crops' in r ? r.crops.map((c) => ({ ...c, source: r.source, width: r.width, height: r.height })) : []));
    expect(crops.map((c) => c.file).sort()).toEqual(['cast/eileen concerned-face1.png', 'cast/eileen happy-face1.png', 'cast/lucy happy-face1.png']);
    for (const c of crops) {
      expect(await sharp(join(out, c.file)).metadata()).toMatchObject({ width: 96, height: 96 });
      expect(c.box.x >= 0 && c.box.y >= 0 && c.box.x + c.box.width <= c.width && c.box.y + c.box.height <= c.height).toBe(true);
    }
  });

  it('a cancelled job keeps what it finished, and running it again does only the rest', async () => {
    const input = folder();
    const out = mkdtempSync(join(tmpdir(), 'crop-out-'));
    const controller = new AbortController();
    const first = await runCropJob({ input, out, cascade, params: DEFAULT_CROP, workers: 1, signal: controller.signal, onProgress: (p) => p.done >= 2 && controller.abort() });
    expect(first.cancelled).toBe(true);
    const doneFirst = first.imagesRead + first.failed.length;
    expect(doneFirst).toBeGreaterThanOrEqual(2);
    expect(doneFirst).toBeLessThan(6);
    const second = await runCropJob({ input, out, cascade, params: DEFAULT_CROP, workers: 2 });
    expect(second.alreadyDone).toBe(doneFirst);
    expect(second.imagesRead + second.failed.length).toBe(6 - doneFirst);
    expect(readManifest(join(out, MANIFEST))).toHaveLength(6);
  });

  it('survives hundreds of broken files: each is reported by name and the job finishes', async () => {
    const input = mkdtempSync(join(tmpdir(), 'crop-fuzz-'));
    const good = readFileSync(join(RENPY, 'eileen happy.png'));
    const jpeg = await sharp(good).jpeg().toBuffer();
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const names: string[] = [];
    for (let i = 0; i < 300; i++) {
      const source = i % 2 ? good : jpeg;
      const kind = i % 5;
      const bytes =
        kind === 0 ? Buffer.alloc(0)
          : kind === 1 ? Buffer.from(Array.from({ length: 200 + Math.floor(random() * 2000) }, () => Math.floor(random() * 256)))
            : kind === 2 ? source.subarray(0, 20 + Math.floor(random() * (source.length / 2)))
              : kind === 3 ? Buffer.concat([source.subarray(0, 40), Buffer.from(Array.from({ length: 500 }, () => Math.floor(random() * 256)))])
                : Buffer.from('GIF89a\xff\xff\xff\xff', 'latin1'); // a header claiming a 65535 × 65535 picture
      const name = `broken ${i}.${i % 2 ? 'png' : kind === 4 ? 'gif' : 'jpg'}`;
      writeFileSync(join(input, name), bytes);
      names.push(name);
    }
    const summary = await runCropJob({ input, out: mkdtempSync(join(tmpdir(), 'crop-fuzz-out-')), cascade, params: DEFAULT_CROP, workers: 2 });
    const failed = new Set(summary.failed.map((f) => f.file));
    expect(summary.imagesRead + summary.failed.length).toBe(300);
    for (const f of summary.failed) expect(f.reason.length).toBeGreaterThan(3);
    // everything reported is one of ours, once
    expect([...failed].every((f) => names.includes(f)) && failed.size === summary.failed.length).toBe(true);
    expect(summary.failed.length).toBeGreaterThan(250);
  });
});
