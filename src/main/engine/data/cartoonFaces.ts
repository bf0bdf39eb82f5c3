/**
 * The embedded face set: cartoon faces rendered offline from three DiceBear avatar styles whose licences allow it —
 * Lorelei and Notionists (CC0 1.0) and Adventurer (CC BY 4.0; credited in the app and README). Face i
 * is always the same picture (its style is i mod 3, its DiceBear seed `face-i`), so a set of N is the first N of
 * one fixed sequence; each is labelled by its style and tagged with what DiceBear picked (glasses, beard, earrings,
 * freckles, hair, mouth). Rendered sets are cached as raw bytes under the user's cache folder.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createAvatar, type Style } from '@dicebear/core';
import * as adventurer from '@dicebear/adventurer';
import * as lorelei from '@dicebear/lorelei';
import * as notionists from '@dicebear/notionists';
import sharp from 'sharp';
import { DEFAULT_FACES } from '../../../shared/cartoonFaces';
import { writeFileAtomic } from '../training/atomicFile';
import { bytesToUnit, type Dataset } from './dataset';

/** The styles, in the order faces cycle through them (their credits: shared/cartoonFaces.ts). */
const FACE_STYLES = [
  { name: 'adventurer', style: adventurer as Style<object> },
  { name: 'lorelei', style: lorelei as Style<object> },
  { name: 'notionists', style: notionists as Style<object> },
] as const;

/** Pastel backgrounds: the line-art styles are transparent, and a face on one flat colour is what a crop gives. */
const BACKGROUNDS = ['b6e3f4', 'c0aede', 'd1d4f9', 'ffd5dc', 'ffdfbf'];
/** Parts DiceBear draws only sometimes: present means the face has them. */
const OPTIONAL_PARTS = ['glasses', 'beard', 'earrings', 'freckles'];

export interface Face { svg: string; style: string; tags: string[] }

/** Face `i` of the sequence, as SVG, with its style and tags. */
export function cartoonFace(i: number): Face {
  const { name, style } = FACE_STYLES[i % FACE_STYLES.length];
  const avatar = createAvatar(style, { seed: `face-${i}`, backgroundColor: BACKGROUNDS });
  const picked = avatar.toJson().extra as Record<string, unknown>;
  const tags = [...OPTIONAL_PARTS.filter((p) => picked[p] !== undefined), ...(['hair', 'mouth', 'lips'] as const).flatMap((p) => (typeof picked[p] === 'string' ? [`${p === 'lips' ? 'mouth' : p}:${picked[p] as string}`] : []))];
  return { svg: avatar.toString(), style: name, tags };
}

interface CacheIndex { count: number; size: number; labels: number[]; tags: string[][] }

function cacheFolder(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'gan-studio', 'cartoon-faces');
}

/**
 * The first `count` faces at `size` px (RGB), labelled by style with each face's tags; `onProgress` hears each
 * hundred rendered. Read from the cache when rendered before.
 */
export async function loadCartoonFaces(count = DEFAULT_FACES, size = 64, onProgress?: (done: number, total: number) => void): Promise<Dataset & { tags: string[][] }> {
  const base = join(cacheFolder(), `faces-${count}-${size}`);
  const classNames: string[] = FACE_STYLES.map((s) => s.name);
  const pixelCount = count * size * size * 3;
  if (existsSync(`${base}.json`) && existsSync(`${base}.bin`)) {
    const index = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as CacheIndex;
    const bytes = readFileSync(`${base}.bin`);
    if (index.count === count && index.size === size && bytes.length === pixelCount) {
      return { name: 'cartoon faces', images: bytesToUnit(bytes), count, shape: [size, size, 3], labels: Int32Array.from(index.labels), classNames, tags: index.tags, skipped: [] };
    }
  }
  const bytes = new Uint8Array(pixelCount);
  const labels: number[] = [];
  const tags: string[][] = [];
  for (let i = 0; i < count; i++) {
    const face = cartoonFace(i);
    const pixels = await sharp(Buffer.from(face.svg)).resize(size, size).removeAlpha().raw().toBuffer();
    bytes.set(pixels, i * size * size * 3);
    labels.push(classNames.indexOf(face.style));
    tags.push(face.tags);
    if ((i + 1) % 100 === 0 || i + 1 === count) onProgress?.(i + 1, count);
  }
  mkdirSync(cacheFolder(), { recursive: true });
  writeFileAtomic(`${base}.bin`, bytes);
  writeFileAtomic(`${base}.json`, JSON.stringify({ count, size, labels, tags } satisfies CacheIndex));
  return { name: 'cartoon faces', images: bytesToUnit(bytes), count, shape: [size, size, 3], labels: Int32Array.from(labels), classNames, tags, skipped: [] };
}
