/**
 * Every run file is written whole or not at all: to a temporary name beside it, flushed, renamed over the old one,
 * and the folder flushed so the rename survives a power cut. A failed write removes its temporary file (a full disk
 * stays no fuller) and leaves the previous version as it was.
 */
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';

export class FileWriteError extends Error {
  constructor(readonly file: string, readonly code: string | undefined, message: string) {
    super(message);
    this.name = 'FileWriteError';
  }
}

/** Where `file` is written before its rename: one name per thread, so two writers never share one. */
export const temporaryName = (file: string): string => `${file}.tmp-${process.pid}-${threadId}`;

/** Removes what writers killed mid-write (SIGKILL, a power cut) left in `folder`; a live process's are its own. */
export function removeTemporaries(folder: string): void {
  if (!existsSync(folder)) return;
  for (const name of readdirSync(folder)) {
    const pid = /\.tmp-(\d+)-\d+$/.exec(name)?.[1];
    if (pid && !processAlive(Number(pid))) rmSync(join(folder, name), { force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const REASONS: Record<string, string> = { ENOSPC: 'the disk is full', EDQUOT: 'the disk quota is used up', EACCES: 'permission denied', EROFS: 'the disk is read-only' };

export function writeFileAtomic(file: string, data: string | Uint8Array | readonly Uint8Array[]): void {
  const parts = typeof data === 'string' ? [Buffer.from(data, 'utf8')] : data instanceof Uint8Array ? [data] : data;
  const tmp = temporaryName(file);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w');
    for (const part of parts) {
      for (let written = 0; written < part.byteLength;) written += writeSync(fd, part, written);
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, file);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    const code = (err as NodeJS.ErrnoException).code;
    const reason = (code && REASONS[code]) ?? (err as Error).message;
    throw new FileWriteError(file, code, `could not write '${file}': ${reason}; its previous version is untouched`);
  }
  syncFolder(dirname(file));
}

/** Makes a rename in `dir` durable; where the system cannot open folders (Windows) there is nothing to do. */
function syncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // not supported here
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
