/**
 * Frames as an MP4 (H.264) or WebM (VP9) file through the ffmpeg binary that ships inside @ffmpeg-installer (no
 * download at install, none at run time). Raw RGB frames go to ffmpeg's stdin one at a time, so a long timelapse
 * never sits in memory whole; progress counts the frames ffmpeg has taken, a cancel stops ffmpeg and leaves no file.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, sep } from 'node:path';
import { threadId } from 'node:worker_threads';
import ffmpeg from '@ffmpeg-installer/ffmpeg';

export const VIDEO_FORMATS = ['mp4', 'webm'] as const;
export type VideoFormat = (typeof VIDEO_FORMATS)[number];

// In the packaged app the binary lies in app.asar.unpacked (electron-builder.yml): a program cannot run from the asar.
const FFMPEG = ffmpeg.path.replace(`app.asar${sep}`, `app.asar.unpacked${sep}`);

const CODEC: Record<VideoFormat, string[]> = {
  // yuv420p: what every player decodes; +faststart: playable while it downloads
  mp4: ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', '-f', 'mp4'],
  webm: ['-c:v', 'libvpx-vp9', '-b:v', '0', '-crf', '30', '-deadline', 'realtime', '-cpu-used', '8', '-row-mt', '1', '-pix_fmt', 'yuv420p', '-f', 'webm'],
};

export interface VideoOptions {
  format: VideoFormat;
  /** Even sizes (yuv420p halves the colour planes). */
  width: number;
  height: number;
  fps: number;
  count: number;
  /** Frame i as width × height × 3 bytes of RGB. */
  frame(i: number): Buffer | Promise<Buffer>;
  file: string;
  signal?: AbortSignal;
  onProgress?(done: number, total: number): void;
}

export class VideoCancelled extends Error {
  constructor() {
    super('the video export was cancelled');
    this.name = 'VideoCancelled';
  }
}

/** Resolves when a stream that refused a write takes more, or closes (ffmpeg gone: its exit code says why). */
function drained(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done).off('close', done);
      resolve();
    };
    stream.on('drain', done).on('close', done);
  });
}

/** Encodes the frames into `file`, written whole or not at all. */
export async function encodeVideo(o: VideoOptions): Promise<void> {
  if (o.width % 2 || o.height % 2) throw new Error(`a video's frames need even sizes, got ${o.width} × ${o.height}`);
  if (o.count < 1) throw new Error('a video needs at least one frame');
  mkdirSync(dirname(o.file), { recursive: true });
  const partial = `${o.file}.partial-${process.pid}-${threadId}`;
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${o.width}x${o.height}`, '-r', String(o.fps), '-i', 'pipe:0', ...CODEC[o.format], partial];
  const child = spawn(FFMPEG, args, { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.on('error', () => undefined); // ffmpeg gone mid-write: its exit code and stderr say why
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  const stop = (): void => void child.kill('SIGKILL');
  o.signal?.addEventListener('abort', stop);
  try {
    for (let i = 0; i < o.count && !o.signal?.aborted; i++) {
      const frame = await o.frame(i);
      if (frame.length !== o.width * o.height * 3) throw new Error(`frame ${i} has ${frame.length} bytes, not ${o.width} × ${o.height} × 3`);
      if (!child.stdin.write(frame)) await drained(child.stdin);
      o.onProgress?.(i + 1, o.count);
    }
    child.stdin.end();
    const code = await exited;
    if (o.signal?.aborted) throw new VideoCancelled();
    if (code !== 0) throw new Error(`ffmpeg could not write '${o.file}' (exit ${code}): ${stderr.trim() || 'no message'}`);
    renameSync(partial, o.file);
  } catch (err) {
    stop();
    await exited.catch(() => undefined);
    throw o.signal?.aborted ? new VideoCancelled() : err;
  } finally {
    o.signal?.removeEventListener('abort', stop);
    if (existsSync(partial)) rmSync(partial, { force: true });
  }
}
