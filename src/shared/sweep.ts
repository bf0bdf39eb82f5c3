/**
 * A sweep ("Are GANs Created Equal?" in small): config fields × seeds, each cell one run. The spec names a preset (or
 * none), fields set for every cell, a grid of values per field (every combination, or a random sample of them), and
 * the seeds; `sweepCells` expands it into validated configs, each cell a run `<name>-<index>`. Runs everywhere.
 */
import { z } from 'zod';
import { configFields } from './config/form';
import { presetConfig, PRESET_NAMES } from './config/presets';
import { ConfigError, parseConfig, type Config, type ConfigGroup } from './config/schema';
import { RUN_ID } from './picturePaths';

const value = z.union([z.number(), z.string(), z.boolean()]);

export const sweepSpecSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,60}$/, 'must be 1–61 letters, digits, _ . - (a run-name prefix)'),
  preset: z.enum(PRESET_NAMES).optional(),
  /** Fields set in every cell ("train.minutes": 2). */
  set: z.record(z.string(), value).default({}),
  /** The grid: each field and the values it takes ("train.loss": ["hinge", "least-squares"]). */
  grid: z.record(z.string(), z.array(value).min(1).max(100)).refine((g) => Object.keys(g).length > 0, 'must name at least one field'),
  /** The seeds each grid point runs with: a count (1, 2, …) or the seeds themselves. */
  seeds: z.union([z.number().int().min(1).max(100), z.array(z.number().int().min(0).max(2 ** 32 - 1)).min(1).max(100)]).default(1),
  /** A random sample of this many grid points instead of all of them (the paper's random search). */
  sample: z.number().int().min(1).optional(),
  sampleSeed: z.number().int().min(0).default(1),
  /** Runs at once in the local queue (a cluster job's parallelism too). */
  parallel: z.number().int().min(1).max(64).default(1),
  /** The score a cell is judged by: the best (lowest) of its run's measurements. */
  score: z.enum(['kid', 'fid']).default('kid'),
});
export type SweepSpec = z.output<typeof sweepSpecSchema>;
export type SweepValue = z.infer<typeof value>;

export interface SweepCell {
  index: number;
  runId: string;
  /** The grid point: field → value (the seed apart). */
  point: Record<string, SweepValue>;
  seed: number;
  config: Config;
}

const FIELDS = new Map(configFields().map((f) => [f.path, f]));

/** The spec's cells in order: grid points (the fields' combinations, first field slowest) × seeds. */
export function sweepCells(spec: SweepSpec): SweepCell[] {
  for (const path of [...Object.keys(spec.set), ...Object.keys(spec.grid)]) {
    if (!FIELDS.has(path)) throw new ConfigError([{ field: path, message: 'is not a config field (gan-studio --help lists them all)' }]);
    if (path === 'train.seed') throw new ConfigError([{ field: path, message: "is the sweep's own: give seeds instead" }]);
  }
  let points: Record<string, SweepValue>[] = [{}];
  for (const [path, values] of Object.entries(spec.grid)) points = points.flatMap((p) => values.map((v) => ({ ...p, [path]: v })));
  if (spec.sample !== undefined && spec.sample < points.length) points = sampled(points, spec.sample, spec.sampleSeed);
  const seeds = typeof spec.seeds === 'number' ? Array.from({ length: spec.seeds }, (_, i) => i + 1) : spec.seeds;
  const cells: SweepCell[] = [];
  const width = String(points.length * seeds.length - 1).length;
  for (const point of points) {
    for (const seed of seeds) {
      const index = cells.length;
      const runId = `${spec.name}-${String(index).padStart(Math.max(3, width), '0')}`;
      if (!RUN_ID.test(runId)) throw new ConfigError([{ field: 'name', message: `makes the run name '${runId}', which is not one` }]);
      cells.push({ index, runId, point, seed, config: cellConfig(spec, { ...spec.set, ...point, 'train.seed': seed }, index) });
    }
  }
  return cells;
}

/** One cell's config, validated; an error names the cell and the field. */
function cellConfig(spec: SweepSpec, fields: Record<string, SweepValue>, index: number): Config {
  const overrides: Partial<Record<ConfigGroup, Record<string, unknown>>> = {};
  for (const [path, v] of Object.entries(fields)) {
    const field = FIELDS.get(path)!;
    (overrides[field.group] ??= {})[field.key] = v;
  }
  try {
    return spec.preset ? presetConfig(spec.preset, overrides) : parseConfig(overrides);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(err.issues.map((i) => ({ ...i, message: `${i.message} (in cell ${index})` })));
    throw err;
  }
}

/** `n` of `points` drawn without replacement (a seeded shuffle, mulberry32), kept in grid order. */
function sampled<T>(points: T[], n: number, seed: number): T[] {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const order = points.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order.slice(0, n).sort((a, b) => a - b).map((i) => points[i]);
}

/** One cell's outcome as the results table reads it. */
export interface SweepCellResult {
  index: number;
  runId: string;
  point: Record<string, SweepValue>;
  seed: number;
  status: 'waiting' | 'running' | 'finished' | 'stopped' | 'failed';
  step: number;
  /** The best (lowest) score of the run's measurements, and its step; null before any. */
  best: { score: number; step: number } | null;
}

/** A grid point over its seeds: the mean and spread (sample standard deviation) of their best scores. */
export interface SweepRow {
  point: Record<string, SweepValue>;
  runs: number;
  measured: number;
  mean: number | null;
  std: number | null;
  /** The best score of any of its seeds. */
  best: number | null;
}

/** The results table: one row per grid point, in grid order. */
export function sweepRows(cells: SweepCellResult[]): SweepRow[] {
  const rows = new Map<string, { point: SweepCellResult['point']; scores: number[]; runs: number }>();
  for (const c of cells) {
    const key = JSON.stringify(c.point);
    const row = rows.get(key) ?? rows.set(key, { point: c.point, scores: [], runs: 0 }).get(key)!;
    row.runs++;
    if (c.best) row.scores.push(c.best.score);
  }
  return [...rows.values()].map(({ point, scores, runs }) => {
    const n = scores.length;
    const mean = n ? scores.reduce((a, b) => a + b, 0) / n : null;
    const std = n > 1 ? Math.sqrt(scores.reduce((a, s) => a + (s - mean!) ** 2, 0) / (n - 1)) : n === 1 ? 0 : null;
    return { point, runs, measured: n, mean, std, best: n ? Math.min(...scores) : null };
  });
}
