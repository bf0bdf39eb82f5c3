/**
 * The contract's runs channels: what lies in the workspace, read from each run's folder (config.json,
 * metrics.jsonl, samples/, checkpoint.bin, failure.json). Live status comes from the training service.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { Config } from '../../shared/config/schema';
import type { RunDetail, RunStatus, RunSummary } from '../../shared/contract';
import { RUN_ID } from '../../shared/picturePaths';
import { RunSeriesBuilder } from '../../shared/series';
import type { ProbeReport } from '../../shared/probe';
import { lastMetrics, readAlarms, readMetrics, readQuality } from '../engine/training/metricsFile';
import { listSnapshots } from '../engine/training/snapshots';
import { sampleGrids } from '../engine/training/timelapse';
import type { QualityRecord } from '../../shared/quality';
import { runLayout, runFolder } from '../engine/training/run';
import { importedConfig, readImportedFacts } from '../engine/export/importedGenerator';
import { notFound } from './errors';

/** What the training service knows about runs that are training now. */
export type LiveRuns = (runId: string) => { status: RunStatus; step: number } | undefined;

export function listRuns(workspace: string, live: LiveRuns): RunSummary[] {
  if (!existsSync(workspace)) return [];
  return readdirSync(workspace, { withFileTypes: true })
    .filter((d) => d.isDirectory() && RUN_ID.test(d.name))
    .map((d) => ({ name: d.name, dir: runFolder(workspace, d.name) }))
    .filter(({ dir }) => existsSync(runLayout(dir).config) || existsSync(runLayout(dir).imported))
    .map(({ name, dir }) => (existsSync(runLayout(dir).config) ? summarise(workspace, name, live) : importedSummary(name, dir)))
    .sort((a, b) => b.updatedAt - a.updatedAt);
}

export function runDetail(workspace: string, runId: string, maxPoints: number, live: LiveRuns): RunDetail {
  const dir = runFolder(workspace, runId);
  const files = runLayout(dir);
  if (!existsSync(files.config) && existsSync(files.imported)) {
    const facts = readImportedFacts(dir);
    return { summary: importedSummary(runId, dir), config: importedConfig(facts), series: new RunSeriesBuilder(2).points(), samples: [], quality: [], snapshots: [], alarms: [] };
  }
  if (!existsSync(files.config)) throw notFound(`no run named '${runId}' in ${workspace}`);
  const config = readConfig(files.config);
  if (typeof config === 'string') throw new Error(`run '${runId}': ${config}`);
  const builder = new RunSeriesBuilder(maxPoints - (maxPoints % 2));
  for (const line of readMetrics(files.metrics)) builder.push(line.step, line);
  const quality = readQuality(files.metrics);
  const probe = readProbe(files.probe);
  return { summary: summarise(workspace, runId, live, quality), config, series: builder.points(), samples: sampleFiles(dir), quality, snapshots: listSnapshots(dir), alarms: readAlarms(files.metrics), ...(probe && { probe }) };
}

/** The run's last probe of D; a damaged file counts as none (probing again writes it anew). */
function readProbe(file: string): ProbeReport | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ProbeReport;
  } catch {
    return undefined;
  }
}

/** The run's config, or what is wrong with its file. */
function readConfig(file: string): Config | string {
  try {
    const config = JSON.parse(readFileSync(file, 'utf8')) as Config;
    if (typeof config?.train?.steps !== 'number' || typeof config.data?.source !== 'string') return `'${file}' is damaged: it is not a training config`;
    return config;
  } catch (err) {
    return `'${file}' is damaged: ${(err as Error).message}`;
  }
}

function readFailure(file: string): { message: string } | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as { message: string };
  } catch {
    return { message: `the run failed; '${file}', which says why, is damaged` };
  }
}

/**
 * A run's best measurement, remembered per metrics file until it changes: the runs list is asked for again at
 * every run's start and end, and reading every run's whole metrics.jsonl each time would grow with their length.
 */
const bestByFile = new Map<string, { size: number; mtimeMs: number; best: RunSummary['best'] }>();
function bestIn(file: string): RunSummary['best'] {
  if (!existsSync(file)) return null;
  const { size, mtimeMs } = statSync(file);
  const known = bestByFile.get(file);
  if (known?.size === size && known.mtimeMs === mtimeMs) return known.best;
  const best = bestOf(readQuality(file));
  bestByFile.set(file, { size, mtimeMs, best });
  return best;
}

/** The measurement with the lowest KID, as the runs list compares runs. */
function bestOf(quality: QualityRecord[]): RunSummary['best'] {
  if (quality.length === 0) return null;
  const { step, quality: q } = quality.reduce((a, b) => (b.quality.kid < a.quality.kid ? b : a));
  return { step, kid: q.kid, fid: q.fid, space: q.space };
}

/** One run as the runs list shows it (its best measurement read from `quality` when given). */
export function summarise(workspace: string, runId: string, live: LiveRuns, quality?: QualityRecord[]): RunSummary {
  const dir = runFolder(workspace, runId);
  const files = runLayout(dir);
  const read = readConfig(files.config);
  const config = typeof read === 'string' ? undefined : read;
  const step = lastMetrics(files.metrics)?.step ?? 0;
  const samples = sampleFiles(dir);
  const failure = typeof read === 'string' ? { message: `${read}; the run cannot be opened or resumed until it is mended` } : readFailure(files.failure);
  const checkpoint = existsSync(files.checkpoint) ? files.checkpoint : null;
  const now = live(runId);
  const status: RunStatus = now?.status ?? (failure || !config ? 'failed' : step >= config.train.steps && checkpoint ? 'finished' : 'stopped');
  return {
    runId,
    preset: config?.preset ?? null,
    dataset: !config ? '?' : config.data.source === 'folder' ? `folder ${config.data.path}` : config.data.source === 'catalogue' ? `catalogue ${config.data.dataset}` : config.data.source,
    status,
    step: Math.max(step, now?.step ?? 0),
    steps: config?.train.steps ?? step,
    lastSample: samples.at(-1)?.file ?? null,
    checkpoint,
    message: now ? undefined : failure?.message,
    updatedAt: Math.max(...[files.config, files.metrics, files.checkpoint].filter(existsSync).map((f) => statSync(f).mtimeMs)),
    best: quality ? bestOf(quality) : bestIn(files.metrics),
  };
}

function sampleFiles(dir: string): { step: number; file: string }[] {
  return sampleGrids(dir).map((g) => ({ step: g.step, file: `samples/${g.name}` }));
}

/** A run made from an imported generator: nothing trained, its generator ready for the lab. */
function importedSummary(runId: string, dir: string): RunSummary {
  const facts = readImportedFacts(dir);
  const factsFile = runLayout(dir).imported;
  return {
    runId, preset: null, dataset: `imported ${facts.format}`, status: 'finished', step: 0, steps: 0, lastSample: null, checkpoint: factsFile,
    updatedAt: statSync(factsFile).mtimeMs, best: null, imported: { format: facts.format, source: facts.source },
  };
}
