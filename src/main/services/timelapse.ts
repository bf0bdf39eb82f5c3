/** runs:timelapse: a run's sample grids as a GIF or a video, as a job (progress as frames are encoded, cancel). */
import { basename, join } from 'node:path';
import type { ParsedRequestOf, Responses } from '../../shared/contract';
import { runFolder, runLayout } from '../engine/training/run';
import { sampleGrids, writeTimelapse } from '../engine/training/timelapse';
import { notFound } from './errors';
import { endingJob, type JobRegistry } from './jobs';

export async function timelapse(workspace: string, jobs: JobRegistry, r: ParsedRequestOf<'runs:timelapse'>): Promise<Responses['runs:timelapse']> {
  const dir = runFolder(workspace, r.runId);
  const grids = sampleGrids(dir).length;
  if (grids === 0) throw notFound(`run '${r.runId}' has no sample grids yet: train it a little first`);
  const file = join(runLayout(dir).exports, `timelapse-${Date.now()}.${r.format}`);
  const stop = new AbortController();
  const job = jobs.start('export', `${r.format.toUpperCase()} timelapse of '${r.runId}'`, () => stop.abort(), grids);
  const frames = await endingJob(job, writeTimelapse(dir, { format: r.format, fps: r.fps, file, signal: stop.signal, onProgress: (done, total) => job.progress(done, total) }), () => stop.signal.aborted);
  return { file: `runs/${r.runId}/exports/${basename(file)}`, frames };
}
