/** Pictures of latents as files: one PNG per picture, a strip of frames, an animated GIF, a video. */
import sharp from 'sharp';
import { encodeVideo, type VideoFormat } from './video';
import { gridPng } from '../training/sampleGrid';

type Shape = [number, number, number];

/** Each picture of `images` (N × H × W × C in [-1, 1]) as its own PNG. */
export function picturePngs(images: Float32Array, shape: Shape): Promise<Buffer[]> {
  const size = shape[0] * shape[1] * shape[2];
  return Promise.all(Array.from({ length: images.length / size }, (_, i) => gridPng(images.subarray(i * size, (i + 1) * size), shape, 1, 0)));
}

/** The frames side by side in one row. */
export function stripPng(images: Float32Array, shape: Shape): Promise<Buffer> {
  return gridPng(images, shape, images.length / (shape[0] * shape[1] * shape[2]));
}

/** N pictures (N × H × W × C in [-1, 1]) as RGB bytes, each enlarged (nearest neighbour) to at least `minSide` pixels. */
export function enlargedRgb(images: Float32Array, shape: Shape, minSide: number, even = false): { rgb: Buffer; width: number; height: number; frames: number } {
  const [h, w, c] = shape;
  const frames = images.length / (h * w * c);
  const scale = Math.max(1, Math.ceil(minSide / Math.max(h, w)));
  // A video's frames need even sizes: an odd picture gets one more row or column, repeating its last.
  const [sh, sw] = [h * scale + (even ? (h * scale) % 2 : 0), w * scale + (even ? (w * scale) % 2 : 0)];
  const rgb = Buffer.alloc(frames * sh * sw * 3);
  for (let f = 0; f < frames; f++) {
    for (let y = 0; y < sh; y++) {
      for (let x = 0; x < sw; x++) {
        const from = ((f * h + Math.min(h - 1, Math.floor(y / scale))) * w + Math.min(w - 1, Math.floor(x / scale))) * c;
        const to = ((f * sh + y) * sw + x) * 3;
        for (let k = 0; k < 3; k++) rgb[to + k] = Math.max(0, Math.min(255, Math.round((images[from + (c === 1 ? 0 : k)] + 1) * 127.5)));
      }
    }
  }
  return { rgb, width: sw, height: sh, frames };
}

/** The frames as a looping GIF, each shown `frameMs`, enlarged (nearest neighbour) to at least `minSide` pixels. */
export function animatedGif(images: Float32Array, shape: Shape, frameMs: number, minSide = 128): Promise<Buffer> {
  const { rgb, width, height, frames } = enlargedRgb(images, shape, minSide);
  return sharp(rgb, { raw: { width, height: height * frames, channels: 3, pageHeight: height } })
    .gif({ delay: Array<number>(frames).fill(frameMs), loop: 0 })
    .toBuffer();
}

/** The frames as an MP4 or WebM video, each shown `frameMs`, enlarged to at least `minSide` pixels. */
export function frameVideo(images: Float32Array, shape: Shape, o: { format: VideoFormat; frameMs: number; file: string; minSide?: number; signal?: AbortSignal; onProgress?(done: number, total: number): void }): Promise<void> {
  const { rgb, width, height, frames } = enlargedRgb(images, shape, o.minSide ?? 256, true);
  const size = width * height * 3;
  return encodeVideo({ ...o, width, height, fps: 1000 / o.frameMs, count: frames, frame: (i) => rgb.subarray(i * size, (i + 1) * size) });
}

/**
 * A picture (H × W × C in [-1, 1]) in grey with a heat map (H × W in [0, 1]) laid over it in red, enlarged (nearest
 * neighbour) to at least `minSide` pixels: where the map is strong, red covers the picture.
 */
export function saliencyOverlay(picture: Float32Array, map: Float32Array, shape: Shape, minSide = 192): Promise<Buffer> {
  const [h, w, c] = shape;
  const heat = new Float32Array(h * w * 3);
  for (let i = 0; i < h * w; i++) {
    const grey = c === 1 ? picture[i] : (picture[i * 3] + picture[i * 3 + 1] + picture[i * 3 + 2]) / 3;
    const a = 0.85 * Math.sqrt(Math.max(0, Math.min(1, map[i])));
    heat[i * 3] = (1 - a) * grey + a;
    heat[i * 3 + 1] = (1 - a) * grey - a;
    heat[i * 3 + 2] = (1 - a) * grey - a;
  }
  const { rgb, width, height } = enlargedRgb(heat, [h, w, 3], minSide);
  return sharp(rgb, { raw: { width, height, channels: 3 } }).png().toBuffer();
}
