/**
 * Videos through the packaged ffmpeg: interpolations and a run's timelapse as MP4 and WebM, read back with ffprobe
 * (frame count, size, codec); progress per frame; a cancelled export leaves no file; a GIF timelapse has one page
 * per sample grid.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ffprobe from '@ffprobe-installer/ffprobe';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { frameVideo } from '../../src/main/engine/latent/export';
import { encodeVideo, VideoCancelled } from '../../src/main/engine/latent/video';
import { sampleGrids, writeTimelapse } from '../../src/main/engine/training/timelapse';
import { startBackend } from '../../src/main/engine/runtime/backend';
import { trainRun } from '../../src/main/engine/training/run';
import { tinyConfig } from './tinyRun';

/** What ffprobe reads in a video file: its first video stream's decoded frames, size and codec. */
function probe(file: string): { frames: number; width: number; height: number; codec: string } {
  const out = execFileSync(ffprobe.path, ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames,width,height,codec_name', '-of', 'json', file], { encoding: 'utf8' });
  const s = JSON.parse(out).streams[0];
  return { frames: Number(s.nb_read_frames), width: s.width, height: s.height, codec: s.codec_name };
}

/** `n` pictures of 12 × 10 px, 3 channels, each a different shade. */
function pictures(n: number): Float32Array {
  const size = 12 * 10 * 3;
  return new Float32Array(n * size).map((_, i) => (Math.floor(i / size) / n) * 2 - 1);
}

describe('video export', () => {
  const folder = mkdtempSync(join(tmpdir(), 'gan-video-'));

  it.each([['mp4', 'h264'], ['webm', 'vp9']] as const)('writes an interpolation as %s that plays back frame for frame', async (format, codec) => {
    const file = join(folder, `frames.${format}`);
    const progress: number[] = [];
    await frameVideo(pictures(7), [12, 10, 3], { format, frameMs: 100, file, onProgress: (done, total) => progress.push(done / total) });
    // enlarged to ≥ 256 px by a whole factor: 12 × 22 = 264 high, 10 × 22 = 220 wide
    expect(probe(file)).toEqual({ frames: 7, width: 220, height: 264, codec });
    expect(progress).toHaveLength(7);
    expect(progress.at(-1)).toBe(1);
  });

  it('stops when cancelled and leaves no file, not even a partial one', async () => {
    const file = join(folder, 'cancelled.mp4');
    const stop = new AbortController();
    const frame = Buffer.alloc(64 * 64 * 3, 128);
    const encoding = encodeVideo({
      format: 'mp4', width: 64, height: 64, fps: 25, count: 10_000, file, signal: stop.signal,
      frame: (i) => {
        if (i === 20) stop.abort();
        return frame;
      },
    });
    await expect(encoding).rejects.toBeInstanceOf(VideoCancelled);
    expect(readdirSync(folder).filter((f) => f.startsWith('cancelled'))).toEqual([]);
  });

  it('names a frame of the wrong size and odd frame sizes', async () => {
    await expect(encodeVideo({ format: 'webm', width: 63, height: 64, fps: 25, count: 1, file: join(folder, 'odd.webm'), frame: () => Buffer.alloc(0) })).rejects.toThrow(/even sizes, got 63 × 64/);
    await expect(encodeVideo({ format: 'webm', width: 64, height: 64, fps: 25, count: 2, file: join(folder, 'short.webm'), frame: () => Buffer.alloc(10) })).rejects.toThrow(/frame 0 has 10 bytes, not 64 × 64 × 3/);
    expect(existsSync(join(folder, 'short.webm'))).toBe(false);
  });
});

describe("a run's timelapse", () => {
  let dir: string;
  beforeAll(async () => {
    await startBackend('cpu');
    dir = mkdtempSync(join(tmpdir(), 'gan-timelapse-'));
    await trainRun({ dir, config: tinyConfig({ steps: 20 }) });
  }, 120_000);

  it('films every sample grid in order, as MP4 and as GIF', async () => {
    const grids = sampleGrids(dir);
    expect(grids.map((g) => g.step)).toEqual([0, 5, 10, 15, 20]);
    const { width = 0, height = 0 } = await sharp(grids[0].path).metadata();
    const scale = Math.ceil(256 / Math.max(width, height));
    const mp4 = join(dir, 'exports', 'timelapse.mp4');
    const done: number[] = [];
    expect(await writeTimelapse(dir, { format: 'mp4', fps: 4, file: mp4, onProgress: (d) => done.push(d) })).toBe(5);
    expect(probe(mp4)).toMatchObject({ frames: 5, width: width * scale + ((width * scale) % 2), height: height * scale + ((height * scale) % 2) });
    expect(done).toEqual([1, 2, 3, 4, 5]);
    const gif = join(dir, 'exports', 'timelapse.gif');
    await writeTimelapse(dir, { format: 'gif', fps: 4, file: gif });
    expect((await sharp(gif).metadata()).pages).toBe(5);
  });
});
