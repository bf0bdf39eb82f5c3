/**
 * A sweep for a scheduler we do not write ourselves: a Slurm array job script or a Kubernetes Indexed Job manifest
 * whose task i trains cell i with the same `gan-studio train --config` as anywhere (resuming its run when the task
 * is retried), in the project's container image, on a workspace volume every task shares. The studio then reads
 * the finished runs back from that workspace (Runs, and the sweep's results table).
 */
import { dump } from 'js-yaml';
import type { SweepCell, SweepSpec } from '../../shared/sweep';

export interface ClusterOptions {
  /** The container image that has gan-studio on its PATH. */
  image: string;
  /** Where the shared workspace is inside each task (the container's mount point). */
  workspace: string;
  /** Kubernetes: the PersistentVolumeClaim holding the workspace. Slurm: the host folder bound at `workspace`. */
  volume: string;
  cpus: number;
  memoryGiB: number;
  backend: string;
}

/**
 * The same shell for every task: cell i's config, its run folder; resume when the folder has a checkpoint. No single
 * quotes in it, so the Slurm script can hand it to the container as one '…' argument.
 */
function taskScript(spec: SweepSpec, cells: SweepCell[], o: ClusterOptions, indexVariable: string): string {
  const digits = cells[0].runId.length - spec.name.length - 1;
  return [
    `i=$(printf "%0${digits}d" "$${indexVariable}")`,
    `cfg="${o.workspace}/sweeps/${spec.name}/cells/cell-$${indexVariable}.json"`,
    `out="${o.workspace}/${spec.name}-$i"`,
    `if [ -f "$out/checkpoint.bin" ]; then exec gan-studio resume "$out" --backend ${o.backend}; fi`,
    `exec gan-studio train --config "$cfg" --out "$out" --backend ${o.backend}`,
  ].join('\n');
}

/** The longest a cell may take: its time budget (or a generous guess for a step count) plus an hour for the rest. */
function wallClockMinutes(cells: SweepCell[]): number {
  return Math.max(...cells.map((c) => (c.config.train.minutes > 0 ? c.config.train.minutes : 240))) + 60;
}

function refuseLocalData(cells: SweepCell[]): void {
  const local = cells.find((c) => c.config.data.source === 'catalogue');
  if (local) throw new Error(`cell ${local.index} trains on the catalogue dataset '${local.config.data.dataset}', which lives on this machine: on a cluster use an embedded set or a folder on the shared workspace (data.source folder)`);
}

export function slurmArrayScript(spec: SweepSpec, cells: SweepCell[], o: ClusterOptions): string {
  refuseLocalData(cells);
  const minutes = wallClockMinutes(cells);
  const time = `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}:00`;
  return `#!/bin/bash
#SBATCH --job-name=gan-sweep-${spec.name}
#SBATCH --array=0-${cells.length - 1}%${spec.parallel}
#SBATCH --cpus-per-task=${o.cpus}
#SBATCH --mem=${o.memoryGiB}G
#SBATCH --time=${time}
#SBATCH --output=${o.volume}/sweeps/${spec.name}/logs/%A_%a.out
# ${cells.length} runs of the sweep '${spec.name}', ${spec.parallel} at a time; each task trains one cell in the image
# ${o.image}, with ${o.volume} (the shared workspace) at ${o.workspace}. Submit: sbatch ${spec.name}.sbatch
set -euo pipefail
export CELL="$SLURM_ARRAY_TASK_ID"
exec apptainer exec --bind "${o.volume}:${o.workspace}" "docker://${o.image}" bash -c '
${taskScript(spec, cells, o, 'CELL')}
'
`;
}

export function kubernetesIndexedJob(spec: SweepSpec, cells: SweepCell[], o: ClusterOptions): string {
  refuseLocalData(cells);
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: `gan-sweep-${spec.name.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`.slice(0, 63).replace(/-+$/, ''), labels: { app: 'gan-studio', sweep: spec.name.replace(/[^A-Za-z0-9_.-]/g, '-') } },
    spec: {
      completionMode: 'Indexed',
      completions: cells.length,
      parallelism: spec.parallel,
      backoffLimitPerIndex: 2,
      activeDeadlineSeconds: wallClockMinutes(cells) * 60 * Math.ceil(cells.length / spec.parallel),
      template: {
        metadata: { labels: { app: 'gan-studio' } },
        spec: {
          restartPolicy: 'Never',
          containers: [{
            name: 'train',
            image: o.image,
            command: ['bash', '-c', taskScript(spec, cells, o, 'JOB_COMPLETION_INDEX')],
            resources: { requests: { cpu: String(o.cpus), memory: `${o.memoryGiB}Gi` }, limits: { memory: `${o.memoryGiB}Gi` } },
            volumeMounts: [{ name: 'workspace', mountPath: o.workspace }],
          }],
          volumes: [{ name: 'workspace', persistentVolumeClaim: { claimName: o.volume } }],
        },
      },
    },
  };
  return `# ${cells.length} runs of the sweep '${spec.name}' (${spec.parallel} at a time). kubectl apply -f this file\n${dump(job, { lineWidth: 120 })}`;
}
