/**
 * A run's training as a film: its sample grids (samples/step-N.png, the same fixed latents at every step) one after
 * another, as a GIF or through ffmpeg as an MP4 / WebM. Frames are decoded one at a time for a video.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { runLayout } from './run';
import { writeFileAtomic } from './atomicFile';
import { encodeVideo, VideoCancelled, type VideoFormat } from '../latent/video';

export type TimelapseFormat = 'gif' | VideoFormat;

/** The run's sample grids (samples/step-N.png) with their steps, oldest first. */
export function sampleGrids(dir: string): { step: number; name: string; path: string }[] {
  const folder = runLayout(dir).samples;
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .map((name) => ({ name, match: /^step-(\d+)\.png$/.exec(name) }))
    .filter((f) => f.match)
    .map((f) => ({ step: Number(f.match![1]), name: f.name, path: join(folder, f.name) }))
    .sort((a, b) => a.step - b.step);
}

/** Integer upscale to at least `minSide` and even sizes: the frame size every grid is brought to. */
async function frameSize(first: string, minSide: number): Promise<{ width: number; height: number }> {
  const { width = 0, height = 0 } = await sharp(first).metadata();
  const scale = Math.max(1, Math.ceil(minSide / Math.max(width, height)));
  const even = (n: number): number => n + (n % 2);
  return { width: even(width * scale), height: even(height * scale) };
}

function rgbFrame(file: string, width: number, height: number): Promise<Buffer> {
  return sharp(file).removeAlpha().toColourspace('srgb').resize(width, height, { kernel: 'nearest', fit: 'fill' }).raw().toBuffer();
}

/**
 * Writes the timelapse of the run in `dir` to `file`; returns its frame count. Cancelling (signal) stops it and
 * leaves no file.
 */
export async function writeTimelapse(dir: string, o: { format: TimelapseFormat; fps: number; file: string; minSide?: number; signal?: AbortSignal; onProgress?(done: number, total: number): void }): Promise<number> {
  const grids = sampleGrids(dir).map((g) => g.path);
  if (grids.length === 0) throw new Error(`run '${dir}' has no sample grids yet (samples/step-N.png): train it a little first`);
  const { width, height } = await frameSize(grids[0], o.minSide ?? 256);
  if (o.format !== 'gif') {
    await encodeVideo({ format: o.format, width, height, fps: o.fps, count: grids.length, frame: (i) => rgbFrame(grids[i], width, height), file: o.file, signal: o.signal, onProgress: o.onProgress });
    return grids.length;
  }
  const frames: Buffer[] = [];
  for (const grid of grids) {
    if (o.signal?.aborted) throw new VideoCancelled();
    frames.push(await rgbFrame(grid, width, height));
    o.onProgress?.(frames.length, grids.length);
  }
  const gif = await sharp(Buffer.concat(frames), { raw: { width, height: height * frames.length, channels: 3, pageHeight: height } })
    .gif({ delay: Array<number>(frames.length).fill(Math.round(1000 / o.fps)), loop: 0 })
    .toBuffer();
  writeFileAtomic(o.file, gif);
  return grids.length;
}
