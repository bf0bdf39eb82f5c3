/**
 * The one reader and writer of a run's metrics.jsonl: one JSON line per step, one per quality measurement
 * (`{ step, quality }`) and one per alarm (`{ step, alarm }`). A crash can cut the last line short: every reader skips a line that does not parse, so a
 * torn tail never blocks a list, a chart or a resume.
 */
import { appendFileSync, closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import type { AlarmRecord, QualityRecord } from '../../../shared/quality';
import type { StepMetrics } from './trainer';
import { writeFileAtomic } from './atomicFile';

type Line = StepMetrics | QualityRecord | AlarmRecord;

function parseLine(line: string): Line[] {
  if (line.trim() === '') return [];
  try {
    const m = JSON.parse(line) as Line;
    return typeof m === 'object' && m !== null && Number.isInteger(m.step) ? [m] : [];
  } catch {
    return [];
  }
}

const isQuality = (line: Line): line is QualityRecord => 'quality' in line && typeof line.quality === 'object' && line.quality !== null;
const isAlarm = (line: Line): line is AlarmRecord => 'alarm' in line && typeof line.alarm === 'object' && line.alarm !== null;
const isStep = (line: Line): line is StepMetrics => 'lossD' in line;

const readLines = (file: string): Line[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').flatMap(parseLine) : []);

export function readMetrics(file: string): StepMetrics[] {
  return readLines(file).filter(isStep);
}

/** Lines holding `key` only; the step lines, by far the most, are skipped before they are parsed. */
function readMarked(file: string, key: string): Line[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((line) => line.includes(`"${key}"`)).flatMap(parseLine);
}

export const readQuality = (file: string): QualityRecord[] => readMarked(file, 'quality').filter(isQuality);
export const readAlarms = (file: string): AlarmRecord[] => readMarked(file, 'alarm').filter(isAlarm);

/** The last whole step line without reading a 100k-line file: only its tail. */
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
  return buffer.toString('utf8').split('\n').flatMap(parseLine).filter(isStep).at(-1);
}

export function appendMetrics(file: string, m: Line): void {
  appendFileSync(file, `${JSON.stringify(m)}\n`);
}

/** After a crash the metrics may run past the last checkpoint (or end in a torn line); keeps lines of steps ≤ `step`. */
export function keepMetricsUpTo(file: string, step: number): void {
  if (!existsSync(file)) return;
  writeFileAtomic(file, readLines(file).filter((m) => m.step <= step).map((m) => `${JSON.stringify(m)}\n`).join(''));
}
