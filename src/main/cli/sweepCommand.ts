/**
 * `gan-studio sweep SPEC.json`: the sweep's cells as a local queue of runs in the workspace (resumable: run it again
 * and finished runs are skipped), then its results table; `--results` prints the table only; `--emit slurm|kubernetes`
 * writes a scheduler's job for the same cells instead (see clusterJobs.ts).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BackendName } from '../engine/runtime/backend';
import { writeFileAtomic } from '../engine/training/atomicFile';
import { Studio } from '../services/studio';
import { prepareSweep, sweepLayout } from '../services/sweeps';
import type { JobInfo, Responses } from '../../shared/contract';
import type { SweepRow } from '../../shared/sweep';
import { kubernetesIndexedJob, slurmArrayScript, type ClusterOptions } from './clusterJobs';
import { cancelOnInterrupt, type ProgressPrinter } from './progressLine';

export interface SweepCommandOptions {
  specFile: string;
  workspace: string;
  backend: BackendName | 'auto';
  results: boolean;
  emit?: string;
  cluster: Partial<ClusterOptions>;
  progress: ProgressPrinter;
}

function readSpec(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`'${file}': ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
}

export async function sweepCommand(o: SweepCommandOptions): Promise<void> {
  const input = readSpec(o.specFile);
  if (o.emit) return emit(o, input);
  const studio = new Studio(o.workspace, o.backend, { kind: 'server' });
  try {
    const call = async <T>(channel: string, payload: unknown): Promise<T> => {
      const reply = await studio.handle(channel, payload);
      if (!reply.ok) throw new Error(reply.error.message);
      return reply.value as T;
    };
    const name = (input as { name?: unknown })?.name;
    if (!o.results) await runQueue(studio, call, input, o.progress);
    const results = await call<Responses['sweeps:results']>('sweeps:results', { name });
    o.progress.note(resultsTable(results.rows, results.spec.score));
    process.stdout.write(`${JSON.stringify(results)}\n`);
  } finally {
    await studio.stopAll();
  }
}

async function runQueue(studio: Studio, call: <T>(channel: string, payload: unknown) => Promise<T>, spec: unknown, progress: ProgressPrinter): Promise<void> {
  let step = '';
  let jobId = -1;
  const jobs = new Map<number, JobInfo>();
  let ended: (job: JobInfo) => void = () => undefined;
  const end = new Promise<JobInfo>((resolveEnd) => (ended = resolveEnd));
  const show = (): void => {
    const job = jobs.get(jobId);
    if (!job) return;
    progress.update(`sweep: ${job.done}/${job.total} runs done${step}`);
    if (job.status !== 'running') ended(job);
  };
  studio.subscribe((event, payload) => {
    if (event === 'training:progress') {
      const p = payload as { runId: string; step: number; steps?: number };
      step = `  ${p.runId} step ${p.step}${p.steps ? `/${p.steps}` : ''}`;
    } else if (event === 'jobs:update') jobs.set((payload as JobInfo).jobId, payload as JobInfo);
    else return;
    show();
  });
  const interrupt = cancelOnInterrupt('stopping the sweep: the runs in training checkpoint, a later sweep resumes them');
  interrupt.signal.addEventListener('abort', () => void call('jobs:cancel', { jobId }).catch(() => undefined));
  const started = await call<Responses['sweeps:start']>('sweeps:start', { spec });
  jobId = started.jobId;
  progress.note(`sweep '${started.name}': ${started.runs.length} runs (${started.runs[0]} … ${started.runs.at(-1)})`);
  show(); // it may have ended already (every run finished before)
  const job = await end;
  interrupt.dispose();
  progress.note(`sweep ${job.status}: ${job.message ?? ''}`);
}

/** The results table as text: a row per grid point, mean ± spread of its seeds' best scores. */
export function resultsTable(rows: SweepRow[], score: string): string {
  const fields = Object.keys(rows[0]?.point ?? {});
  const number = (v: number | null): string => (v === null ? '—' : v.toPrecision(4));
  const head = [...fields, 'runs', `best ${score}: mean ± spread`, 'best'];
  const lines = rows.map((r) => [...fields.map((f) => String(r.point[f])), `${r.measured}/${r.runs}`, `${number(r.mean)} ± ${number(r.std)}`, number(r.best)]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  return [head, ...lines].map((l) => l.map((c, i) => c.padEnd(widths[i])).join('  ')).join('\n');
}

function emit(o: SweepCommandOptions, input: unknown): void {
  if (o.emit !== 'slurm' && o.emit !== 'kubernetes') throw new Error(`--emit must be slurm or kubernetes, got '${o.emit}'`);
  const { spec, cells } = prepareSweep(o.workspace, input);
  const files = sweepLayout(o.workspace, spec.name);
  const cluster: ClusterOptions = {
    image: o.cluster.image ?? 'gan-studio:latest',
    workspace: o.cluster.workspace ?? '/workspace',
    volume: o.cluster.volume ?? (o.emit === 'slurm' ? resolve(o.workspace) : 'gan-studio-workspace'),
    cpus: o.cluster.cpus ?? 2,
    memoryGiB: o.cluster.memoryGiB ?? 8,
    backend: o.backend,
  };
  const file = join(files.dir, o.emit === 'slurm' ? `${spec.name}.sbatch` : `${spec.name}.yaml`);
  mkdirSync(join(files.dir, 'logs'), { recursive: true });
  writeFileAtomic(file, o.emit === 'slurm' ? slurmArrayScript(spec, cells, cluster) : kubernetesIndexedJob(spec, cells, cluster));
  o.progress.note(`${cells.length} cells written to ${join(files.dir, 'cells')}; ${o.emit === 'slurm' ? `submit with: sbatch ${file}` : `apply with: kubectl apply -f ${file}`}`);
  process.stdout.write(`${JSON.stringify({ file, cells: cells.length, runs: cells.map((c) => c.runId) })}\n`);
}
