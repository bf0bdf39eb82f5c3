/**
 * Sweeps: a spec's cells (config fields × seeds) run as a queue of ordinary runs, `parallel` at a time, through the
 * training service (live progress and charts as any run); resumable — a cell whose run finished is skipped, one that
 * stopped continues from its checkpoint. The spec and its cells' configs are kept under the workspace's
 * sweeps/<name>/ (each cell's config.json is what a cluster job trains with), and the results table is read back
 * from the runs themselves, wherever they trained.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ParsedRequestOf, Responses } from '../../shared/contract';
import { ConfigError } from '../../shared/config/schema';
import { sweepCells, sweepRows, sweepSpecSchema, type SweepCell, type SweepCellResult, type SweepSpec } from '../../shared/sweep';
import { writeFileAtomic } from '../engine/training/atomicFile';
import { readQuality } from '../engine/training/metricsFile';
import { runFolder, runLayout } from '../engine/training/run';
import { notFound, ServiceError } from './errors';
import type { JobRegistry } from './jobs';
import { summarise, type LiveRuns } from './runs';
import type { TrainingService } from './training';

/** Where a sweep's spec and its cells' configs live in the workspace. */
export const sweepLayout = (workspace: string, name: string) => {
  const dir = join(workspace, 'sweeps', name);
  return { dir, spec: join(dir, 'sweep.json'), cell: (index: number) => join(dir, 'cells', `cell-${index}.json`) };
};

/** The spec's cells, validated; its files written (or checked against those of the same name). */
export function prepareSweep(workspace: string, input: unknown): { spec: SweepSpec; cells: SweepCell[] } {
  const parsed = sweepSpecSchema.safeParse(input);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => ({ field: i.path.join('.') || 'spec', message: i.message })));
  const spec = parsed.data;
  const cells = sweepCells(spec);
  const files = sweepLayout(workspace, spec.name);
  const text = `${JSON.stringify(spec, null, 2)}\n`;
  if (existsSync(files.spec) && readFileSync(files.spec, 'utf8') !== text) {
    throw new ConfigError([{ field: 'name', message: `a different sweep named '${spec.name}' exists in this workspace: give this one another name` }]);
  }
  mkdirSync(join(files.dir, 'cells'), { recursive: true });
  writeFileAtomic(files.spec, text);
  for (const c of cells) writeFileAtomic(files.cell(c.index), `${JSON.stringify(c.config, null, 2)}\n`);
  return { spec, cells };
}

/** Each cell's run as it stands (waiting: no run yet), with its best measurement of the spec's score. */
export function sweepResults(workspace: string, name: string, live: LiveRuns): Responses['sweeps:results'] {
  const files = sweepLayout(workspace, name);
  if (!existsSync(files.spec)) throw notFound(`no sweep named '${name}' in ${workspace}`);
  const { spec, cells } = { spec: sweepSpecSchema.parse(JSON.parse(readFileSync(files.spec, 'utf8'))), cells: [] as SweepCellResult[] };
  for (const c of sweepCells(spec)) {
    const dir = runFolder(workspace, c.runId);
    if (!existsSync(runLayout(dir).config)) {
      cells.push({ index: c.index, runId: c.runId, point: c.point, seed: c.seed, status: 'waiting', step: 0, best: null });
      continue;
    }
    const quality = readQuality(runLayout(dir).metrics);
    const summary = summarise(workspace, c.runId, live, quality);
    const best = quality.length ? quality.reduce((a, b) => (b.quality[spec.score] < a.quality[spec.score] ? b : a)) : undefined;
    const status = summary.status === 'starting' || summary.status === 'paused' ? 'running' : summary.status;
    cells.push({ index: c.index, runId: c.runId, point: c.point, seed: c.seed, status, step: summary.step, best: best ? { score: best.quality[spec.score], step: best.step } : null });
  }
  return { spec, cells, rows: sweepRows(cells) };
}

export function listSweeps(workspace: string): string[] {
  const root = join(workspace, 'sweeps');
  return existsSync(root) ? readdirSync(root).filter((n) => existsSync(sweepLayout(workspace, n).spec)).sort() : [];
}

/** Starts the local queue (a job: cells done / all; cancel stops the cells training and leaves them to resume). */
export function startSweep(workspace: string, jobs: JobRegistry, training: TrainingService, r: ParsedRequestOf<'sweeps:start'>): Responses['sweeps:start'] {
  let prepared: ReturnType<typeof prepareSweep>;
  try {
    prepared = prepareSweep(workspace, r.spec);
  } catch (err) {
    if (err instanceof ConfigError) throw new ServiceError('invalid-request', err.message);
    throw err;
  }
  const { spec, cells } = prepared;
  let cancelled = false;
  const job = jobs.start('sweep', `sweep '${spec.name}': ${cells.length} runs`, () => {
    cancelled = true;
    for (const c of cells) if (training.ending(c.runId)) void training.stop(c.runId).catch(() => undefined);
  }, cells.length);
  let done = 0;
  const failed: string[] = [];
  const queue = [...cells];
  // `parallel` lanes take cells in order; a failed run is reported and the others go on
  const lane = async (): Promise<void> => {
    for (let cell = queue.shift(); cell && !cancelled; cell = queue.shift()) {
      await runCell(workspace, training, cell).catch((err: Error) => failed.push(err.message));
      job.progress(++done, cells.length);
    }
  };
  void Promise.all(Array.from({ length: Math.min(spec.parallel, cells.length) }, lane)).then(() => {
    const line = `${done - failed.length} of ${cells.length} runs done${failed.length ? `; ${failed.length} failed: ${failed.join('; ')}` : ''}`;
    job.end(cancelled ? 'cancelled' : failed.length === done && done > 0 ? 'failed' : 'done', line);
  });
  return { jobId: job.jobId, name: spec.name, runs: cells.map((c) => c.runId) };
}

/** One cell: skipped when its run finished, continued when it stopped, else started; resolves when it ends. */
async function runCell(workspace: string, training: TrainingService, cell: SweepCell): Promise<void> {
  const dir = runFolder(workspace, cell.runId);
  if (existsSync(runLayout(dir).config)) {
    const summary = summarise(workspace, cell.runId, (id) => training.live(id));
    if (summary.status === 'finished') return;
    if (!summary.checkpoint) throw new Error(`run '${cell.runId}' of the sweep exists without a checkpoint (${summary.message ?? summary.status}): remove its folder to run it again`);
    training.continue({ runId: cell.runId });
  } else {
    training.startConfig(cell.runId, cell.config);
  }
  const end = await training.ending(cell.runId)!;
  if (end.status === 'failed') throw new Error(`run '${cell.runId}' failed: ${end.message}`);
}
