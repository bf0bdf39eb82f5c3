/** A face set rendered offline: DiceBear's "Adventurer" faces (design by Lisa Wischofsky, CC BY 4.0), one per seed. */
import { createAvatar } from '@dicebear/core';
import * as adventurer from '@dicebear/adventurer';
import sharp from 'sharp';
import { bytesToUnit, type Dataset } from '../src/main/engine/data/dataset';

export async function cartoonFaces(count: number, size = 64): Promise<Dataset> {
  const images = new Float32Array(count * size * size * 3);
  for (let i = 0; i < count; i++) {
    const svg = createAvatar(adventurer, { seed: `face-${i}`, backgroundColor: ['b6e3f4', 'c0aede', 'd1d4f9', 'ffd5dc', 'ffdfbf'] }).toString();
    const pixels = await sharp(Buffer.from(svg)).resize(size, size).removeAlpha().raw().toBuffer();
    images.set(bytesToUnit(pixels), i * size * size * 3);
  }
  return { name: 'cartoon faces', images, count, shape: [size, size, 3], skipped: [] };
}
