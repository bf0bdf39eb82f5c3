/**
 * The contract's runs channels: what lies in the workspace, read from each run's folder (config.json,
 * metrics.jsonl, samples/, checkpoint.bin, failure.json). Live status comes from the training service.
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../shared/config/schema';
import type { RunDetail, RunStatus, RunSummary } from '../../shared/contract';
import { RunSeriesBuilder } from '../../shared/series';
import { runFiles } from '../engine/run';

/** What the training service knows about runs that are training now. */
export type LiveRuns = (runId: string) => { status: RunStatus; step: number } | undefined;

export class RunNotFound extends Error {}

interface MetricsLine { step: number; lossD: number; lossG: number | null; dReal: number; dFake: number; imagesPerSec: number }

export function listRuns(workspace: string, live: LiveRuns): RunSummary[] {
  if (!existsSync(workspace)) return [];
  return readdirSync(workspace, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(runFiles(join(workspace, d.name)).config))
    .map((d) => summarise(workspace, d.name, live))
    .sort((a, b) => b.updatedAt - a.updatedAt);
}

export function runDetail(workspace: string, runId: string, maxPoints: number, live: LiveRuns): RunDetail {
  const dir = join(workspace, runId);
  const files = runFiles(dir);
  if (!existsSync(files.config)) throw new RunNotFound(`no run named '${runId}' in ${workspace}`);
  const builder = new RunSeriesBuilder(maxPoints - (maxPoints % 2));
  for (const line of readLines(files.metrics)) builder.push(line.step, line);
  return {
    summary: summarise(workspace, runId, live),
    config: JSON.parse(readFileSync(files.config, 'utf8')) as Config,
    series: builder.points(),
    samples: sampleFiles(dir),
  };
}

function summarise(workspace: string, runId: string, live: LiveRuns): RunSummary {
  const dir = join(workspace, runId);
  const files = runFiles(dir);
  const config = JSON.parse(readFileSync(files.config, 'utf8')) as Config;
  const step = lastLine(files.metrics)?.step ?? 0;
  const samples = sampleFiles(dir);
  const failure = existsSync(files.failure) ? (JSON.parse(readFileSync(files.failure, 'utf8')) as { message: string }) : undefined;
  const checkpoint = existsSync(files.checkpoint) ? files.checkpoint : null;
  const now = live(runId);
  const status: RunStatus = now?.status ?? (failure ? 'failed' : step >= config.train.steps && checkpoint ? 'finished' : 'stopped');
  return {
    runId,
    preset: config.preset ?? null,
    dataset: config.data.source === 'folder' ? `folder ${config.data.path}` : config.data.source,
    status,
    step: Math.max(step, now?.step ?? 0),
    steps: config.train.steps,
    lastSample: samples.at(-1)?.file ?? null,
    checkpoint,
    message: now ? undefined : failure?.message,
    updatedAt: Math.max(...[files.config, files.metrics, files.checkpoint].filter(existsSync).map((f) => statSync(f).mtimeMs)),
  };
}

function sampleFiles(dir: string): { step: number; file: string }[] {
  const folder = runFiles(dir).samples;
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .map((name) => ({ name, match: /^step-(\d+)\.png$/.exec(name) }))
    .filter((f) => f.match)
    .map((f) => ({ step: Number(f.match![1]), file: `samples/${f.name}` }))
    .sort((a, b) => a.step - b.step);
}

function readLines(file: string): MetricsLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').flatMap(parseLine);
}

/** A line cut short by a crash is skipped, not fatal. */
function parseLine(line: string): MetricsLine[] {
  try {
    return line.trim() === '' ? [] : [JSON.parse(line) as MetricsLine];
  } catch {
    return [];
  }
}

/** The last metrics line without reading a 100k-line file: only its tail. */
function lastLine(file: string): MetricsLine | undefined {
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
