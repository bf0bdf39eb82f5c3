/** A run's folder against crashes, full disks and divergence: what is left must always load, list and resume. */
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { temporaryName } from '../../src/main/engine/training/atomicFile';
import { startBackend } from '../../src/main/engine/runtime/backend';
import { loadCheckpoint, saveCheckpoint } from '../../src/main/engine/training/checkpoint';
import { lastMetrics, readMetrics } from '../../src/main/engine/training/metricsFile';
import { runLayout, runFolder, trainRun } from '../../src/main/engine/training/run';
import * as tf from '../../src/main/engine/runtime/tf';
import { Trainer } from '../../src/main/engine/training/trainer';
import { listRuns, runDetail } from '../../src/main/services/runs';
import { tinyConfig, tinyData } from './tinyRun';

const fresh = (): string => join(mkdtempSync(join(tmpdir(), 'gan-runfolder-')), 'run');

describe('a run folder', () => {
  beforeAll(async () => {
    await startBackend('wasm');
  });

  it('resumes past a metrics line torn by a crash, and every reader skips that line', async () => {
    const dir = fresh();
    const config = tinyConfig({ steps: 4 });
    await trainRun({ dir, config });
    const metrics = runLayout(dir).metrics;
    appendFileSync(metrics, '{"step":5,"lossD":0.69,"los');
    // what a SIGKILL mid-write leaves behind goes when the run starts again
    writeFileSync(`${runLayout(dir).checkpoint}.tmp-999999-0`, 'half a checkpoint');
    writeFileSync(`${runLayout(dir).sample(5)}.tmp-999999-0`, 'half a picture');
    expect(lastMetrics(metrics)?.step).toBe(4);
    expect(readMetrics(metrics).map((m) => m.step)).toEqual([1, 2, 3, 4]);
    expect(runDetail(join(dir, '..'), 'run', 100, () => undefined).summary.step).toBe(4);
    const resumed = await trainRun({ dir, steps: 6 });
    expect(resumed.step).toBe(6);
    expect([...readdirSync(dir), ...readdirSync(runLayout(dir).samples)].filter((f) => f.includes('.tmp-'))).toEqual([]);
    expect(readFileSync(metrics, 'utf8').trim().split('\n').map((l) => JSON.parse(l).step)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('on a full disk fails naming the sample, and leaves no empty sample or temporary file behind', async () => {
    const dir = fresh();
    const config = tinyConfig({ steps: 6 });
    // the first sample grid (step 0) lands on /dev/full, which answers every write with ENOSPC
    const { mkdirSync } = await import('node:fs');
    mkdirSync(runLayout(dir).samples, { recursive: true });
    symlinkSync('/dev/full', temporaryName(runLayout(dir).sample(0)));
    await expect(trainRun({ dir, config })).rejects.toThrow(/could not write '.*step-000000\.png': the disk is full; its previous version is untouched/);
    expect(readdirSync(runLayout(dir).samples)).toEqual([]);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('stops a run whose losses become NaN or infinite, keeping its last good checkpoint (recovery off)', async () => {
    const dir = fresh();
    const config = tinyConfig({ steps: 8, recoverDivergence: 0 });
    await trainRun({ dir, config, steps: 2 });
    const file = runLayout(dir).checkpoint;
    // weights scaled far beyond float range once they meet the next layer: finite in the file, not in a forward pass
    const trainer = new Trainer(config, await tinyData(config), loadCheckpoint(file));
    for (const v of trainer.gan.discriminator.params.trainable.values()) tf.tidy(() => v.assign(tf.mul(v, tf.scalar(1e30))));
    saveCheckpoint(file, trainer);
    trainer.dispose();
    const saved = readFileSync(file);
    await expect(trainRun({ dir })).rejects.toThrow(/the run diverged at step 3: D loss (NaN|Infinity).*the last good checkpoint \(step 2\) is kept/);
    expect(readFileSync(file).equals(saved)).toBe(true);
  });

  it('is listed as damaged when its config.json is broken, without hiding the other runs', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'gan-runfolder-'));
    await trainRun({ dir: join(workspace, 'good'), config: tinyConfig({ steps: 2 }) });
    await trainRun({ dir: join(workspace, 'broken'), config: tinyConfig({ steps: 2 }) });
    writeFileSync(runLayout(join(workspace, 'broken')).config, '{"model": {"kind": "dcg');
    const runs = listRuns(workspace, () => undefined);
    expect(runs.map((r) => r.runId).sort()).toEqual(['broken', 'good']);
    const broken = runs.find((r) => r.runId === 'broken')!;
    expect(broken.status).toBe('failed');
    expect(broken.message).toMatch(/'.*broken[/\\]config\.json' is damaged: .*cannot be opened or resumed/);
    expect(runs.find((r) => r.runId === 'good')!.status).toBe('finished');
    expect(() => runDetail(workspace, 'broken', 100, () => undefined)).toThrow(/run 'broken': '.*config\.json' is damaged/);
  });

  it('never turns a run id into a path outside the workspace', () => {
    expect(runFolder('/ws', 'my-run')).toBe(join('/ws', 'my-run'));
    for (const id of ['..', '../other', 'a/b', '.', '', '/etc']) expect(() => runFolder('/ws', id), id).toThrow(/run id '.*' must be a run name/);
    expect(existsSync('/ws')).toBe(false);
  });
});
