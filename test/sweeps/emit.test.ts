/**
 * A sweep for a cluster: the Kubernetes Indexed Job manifest validates against the Kubernetes API's schema (the
 * kubernetes-models package), the Slurm array script passes bash's parse and sbatch's own option parser (a dry
 * parse: everything up to contacting a controller), and one task of the emitted job, run here, trains its cell with
 * gan-studio train --config, resumes it when run again, and the studio reads the run back into the results table.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { load } from 'js-yaml';
import { Job, type IJob } from 'kubernetes-models/batch/v1/Job';
import type { IJobSpec } from 'kubernetes-models/batch/v1/JobSpec';
import { describe, expect, it } from 'vitest';

const BIN = resolve(__dirname, '..', '..', 'bin', 'gan-studio.cjs');
const SBATCH = '/usr/bin/sbatch';

const SPEC = {
  name: 'q', preset: 'mnist-quick', parallel: 2, seeds: 2, grid: { 'train.loss': ['non-saturating', 'hinge'] },
  set: { 'model.width': 0.125, 'model.latentDim': 8, 'data.limit': 64, 'train.batchSize': 8, 'train.minutes': 0, 'train.steps': 4, 'monitor.evalEvery': 2, 'monitor.evalSamples': 20, 'monitor.snapshotEvery': 0, 'monitor.sampleEvery': 2 },
};

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('a sweep emitted for a cluster', () => {
  const workspace = mkdtempSync(join(tmpdir(), 'gan-emit-'));
  const specFile = join(workspace, 'spec.json');
  writeFileSync(specFile, JSON.stringify(SPEC));

  it('writes a Kubernetes Indexed Job that the API schema accepts, one index per cell', () => {
    const r = cli('sweep', specFile, '--emit', 'kubernetes', '--workspace', workspace, '--image', 'registry.example/gan-studio:0.1.0', '--volume', 'sweeps-pvc', '--cpus', '4');
    expect(r.code, r.stderr).toBe(0);
    const { file, cells } = JSON.parse(r.stdout);
    expect(cells).toBe(4);
    const manifest = load(readFileSync(file, 'utf8')) as IJob & { spec: IJobSpec };
    expect(() => new Job(manifest).validate()).not.toThrow();
    expect(manifest.spec).toMatchObject({ completionMode: 'Indexed', completions: 4, parallelism: 2 });
    const container = manifest.spec.template.spec!.containers[0];
    expect(container.image).toBe('registry.example/gan-studio:0.1.0');
    expect(container.command![2]).toContain('gan-studio train --config "$cfg" --out "$out"');
    expect(container.command![2]).toContain('cfg="/workspace/sweeps/q/cells/cell-$JOB_COMPLETION_INDEX.json"');
    expect(manifest.spec.template.spec!.volumes![0].persistentVolumeClaim!.claimName).toBe('sweeps-pvc');
    expect(existsSync(join(workspace, 'sweeps', 'q', 'cells', 'cell-3.json'))).toBe(true);
    // the schema check can fail: a wrong type is refused
    expect(() => new Job({ ...manifest, spec: { ...manifest.spec, completions: 'four' as unknown as number } }).validate()).toThrow(/completions must be integer/);
  });

  it.skipIf(!existsSync(SBATCH))('writes a Slurm array script that bash and sbatch parse (a dry parse, no controller needed)', () => {
    const r = cli('sweep', specFile, '--emit', 'slurm', '--workspace', workspace, '--image', 'registry.example/gan-studio:0.1.0');
    expect(r.code, r.stderr).toBe(0);
    const { file } = JSON.parse(r.stdout);
    const script = readFileSync(file, 'utf8');
    expect(script).toMatch(/^#SBATCH --array=0-3%2$/m);
    execFileSync('bash', ['-n', file]);
    // sbatch reads every #SBATCH line before it looks for a controller; with a minimal slurm.conf that names none
    // reachable, a script it accepts ends at "Unable to contact slurm controller", one it does not at its option
    const conf = join(workspace, 'slurm.conf');
    writeFileSync(conf, 'ClusterName=dry\nSlurmctldHost=localhost\nSlurmctldPort=9\nMessageTimeout=1\nNodeName=localhost CPUs=2\nPartitionName=dry Nodes=localhost Default=YES\n');
    const dry = (path: string): string => spawnSync(SBATCH, ['--test-only', path], { encoding: 'utf8', env: { ...process.env, SLURM_CONF: conf }, timeout: 120_000 }).stderr;
    const accepted = dry(file);
    expect(accepted).toMatch(/Unable to contact slurm controller/);
    expect(accepted).not.toMatch(/unrecognized|invalid/i);
    const broken = join(workspace, 'broken.sbatch');
    writeFileSync(broken, script.replace('#SBATCH --cpus-per-task', '#SBATCH --cpus-per-tsak'));
    expect(dry(broken)).toMatch(/unrecognized option '--cpus-per-tsak/);
  }, 300_000);

  it("runs one emitted task here: it trains its cell, resumes it when retried, and the sweep's table reads it back", () => {
    const r = cli('sweep', specFile, '--emit', 'slurm', '--workspace', workspace, '--mount', workspace, '--volume', workspace, '--backend', 'wasm');
    expect(r.code, r.stderr).toBe(0);
    const task = /bash -c '\n([\s\S]*?)\n'/.exec(readFileSync(JSON.parse(r.stdout).file, 'utf8'))![1];
    // gan-studio on the PATH, as the container image has it
    const bin = join(workspace, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'gan-studio'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
    chmodSync(join(bin, 'gan-studio'), 0o755);
    const run = () => spawnSync('bash', ['-c', task], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, CELL: '1' }, timeout: 300_000 });
    const first = run();
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/step 4\/4/);
    const config = JSON.parse(readFileSync(join(workspace, 'q-001', 'config.json'), 'utf8'));
    expect(config.train).toMatchObject({ loss: 'non-saturating', seed: 2, steps: 4 });
    const retried = run(); // a retried task finds the checkpoint and resumes (nothing left to train)
    expect(retried.status, retried.stderr).toBe(0);
    expect(retried.stderr).not.toMatch(/step 1\//);
    const table = cli('sweep', specFile, '--results', '--workspace', workspace);
    expect(table.code, table.stderr).toBe(0);
    const results = JSON.parse(table.stdout);
    expect(results.cells.map((c: { status: string }) => c.status)).toEqual(['waiting', 'finished', 'waiting', 'waiting']);
    expect(results.rows[0]).toMatchObject({ runs: 2, measured: 1 });
    expect(table.stderr).toMatch(/train\.loss\s+runs\s+best kid: mean ± spread\s+best/);
  }, 300_000);
});
