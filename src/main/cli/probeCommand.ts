/**
 * `gan-studio probe DIR`: a linear probe of the run's D on its labelled pictures (beside the pixels and an untrained
 * D); one JSON line, kept as DIR/probe.json; `--filters FILE.png` also draws D's first filters.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadCuratedDataset } from '../catalogue/pack';
import { loadDataset } from '../engine/data';
import { firstFilters } from '../engine/metrics/discriminatorView';
import { probeDiscriminator } from '../engine/metrics/linearProbe';
import { writeFileAtomic } from '../engine/training/atomicFile';
import { loadRunGenerator } from '../engine/training/generator';
import { runLayout } from '../engine/training/run';
import { gridPng } from '../engine/training/sampleGrid';
import type { SnapshotChoice } from '../engine/training/snapshots';
import type { ProbeReport } from '../../shared/probe';
import { cancelOnInterrupt, type ProgressPrinter } from './progressLine';

export async function probeCommand(o: { dir: string; snapshot: SnapshotChoice; filters?: string; progress: ProgressPrinter }): Promise<void> {
  const dir = resolve(o.dir);
  const g = loadRunGenerator(dir, { withDiscriminator: true, snapshot: o.snapshot });
  try {
    if (g.imported) throw new Error(`'${o.dir}' holds an imported generator: it comes without its D`);
    if (o.filters) {
      const filters = firstFilters(g.gan.discriminator);
      writeFileSync(o.filters, await gridPng(filters.images, filters.shape, 16));
    }
    const interrupt = cancelOnInterrupt('cancelling the probe');
    const data = await loadDataset(g.config, loadCuratedDataset);
    const stages = ["D's features", 'the pixels', "an untrained D's features"];
    o.progress.update(`probing D at step ${g.step} on ${data.name}: ${stages[0]}`);
    const result = probeDiscriminator(g.gan.discriminator, g.config.model, data, {
      signal: interrupt.signal, onProgress: (done, total) => done < total && o.progress.update(`probing D at step ${g.step} on ${data.name}: ${stages[done]}`),
    });
    interrupt.dispose();
    o.progress.end();
    const report: ProbeReport = { step: g.step, ...result };
    writeFileAtomic(runLayout(dir).probe, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } finally {
    g.dispose();
  }
}
