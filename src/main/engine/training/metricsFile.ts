/**
 * The one reader and writer of a run's metrics.jsonl (one JSON line per step). A crash can cut the last line
 * short: every reader skips a line that does not parse, so a torn tail never blocks a list, a chart or a resume.
 */
import { appendFileSync, closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import type { StepMetrics } from './trainer';
import { writeFileAtomic } from './atomicFile';

function parseLine(line: string): StepMetrics[] {
  if (line.trim() === '') return [];
  try {
    const m = JSON.parse(line) as StepMetrics;
    return typeof m === 'object' && m !== null && Number.isInteger(m.step) ? [m] : [];
  } catch {
    return [];
  }
}

export function readMetrics(file: string): StepMetrics[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').flatMap(parseLine) : [];
}

/** The last whole line without reading a 100k-line file: only its tail. */
export function lastMetrics(file: string): StepMetrics | undefined {
  if (!existsSync(file)) return undefined;
  const size = statSync(file).size;
  const length = Math.min(size, 16_384);
  const buffer = Buffer.alloc(length);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buffer, 0, length, size - length);
  } finally {
    closeSync(fd);
  }
  return buffer.toString('utf8').split('\n').flatMap(parseLine).at(-1);
}

export function appendMetrics(file: string, m: StepMetrics): void {
  appendFileSync(file, `${JSON.stringify(m)}\n`);
}

/** After a crash the metrics may run past the last checkpoint (or end in a torn line); keeps steps ≤ `step`. */
export function keepMetricsUpTo(file: string, step: number): void {
  if (!existsSync(file)) return;
  writeFileAtomic(file, readMetrics(file).filter((m) => m.step <= step).map((m) => `${JSON.stringify(m)}\n`).join(''));
}
