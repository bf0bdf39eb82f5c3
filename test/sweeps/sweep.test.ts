/**
 * Sweeps: a spec expands into cells (grid points × seeds, or a random sample of points), each a validated config
 * and a run name; refusals name the field and the cell; the results table's mean ± spread is the seeds' best scores'.
 */
import { describe, expect, it } from 'vitest';
import { sweepCells, sweepRows, sweepSpecSchema, type SweepCellResult } from '../../src/shared/sweep';

const spec = (extra: object = {}) => sweepSpecSchema.parse({ name: 'losses', preset: 'mnist-quick', set: { 'train.minutes': 0, 'train.steps': 50 }, grid: { 'train.loss': ['non-saturating', 'hinge'], 'optim.lrG': [1e-4, 4e-4] }, seeds: 2, ...extra });

describe('a sweep spec', () => {
  it('expands into grid points × seeds, first field slowest, each a validated config and a run', () => {
    const cells = sweepCells(spec());
    expect(cells).toHaveLength(8);
    expect(cells.map((c) => c.runId)).toEqual(['losses-000', 'losses-001', 'losses-002', 'losses-003', 'losses-004', 'losses-005', 'losses-006', 'losses-007']);
    expect(cells.map((c) => [c.point['train.loss'], c.point['optim.lrG'], c.seed])).toEqual([
      ['non-saturating', 1e-4, 1], ['non-saturating', 1e-4, 2], ['non-saturating', 4e-4, 1], ['non-saturating', 4e-4, 2],
      ['hinge', 1e-4, 1], ['hinge', 1e-4, 2], ['hinge', 4e-4, 1], ['hinge', 4e-4, 2],
    ]);
    expect(cells[5].config).toMatchObject({ preset: 'mnist-quick', train: { loss: 'hinge', seed: 2, steps: 50, minutes: 0 }, optim: { lrG: 1e-4 } });
    expect(sweepCells(spec({ seeds: [7, 9] })).map((c) => c.seed).slice(0, 2)).toEqual([7, 9]);
  });

  it('samples grid points at random (seeded, in grid order) instead of taking all', () => {
    const big = spec({ grid: { 'optim.lrG': [1e-4, 2e-4, 3e-4, 4e-4, 5e-4], 'optim.lrD': [1e-4, 2e-4, 3e-4, 4e-4] }, seeds: 1, sample: 6, sampleSeed: 3 });
    const cells = sweepCells(big);
    expect(cells).toHaveLength(6);
    const keys = cells.map((c) => `${c.point['optim.lrG']}/${c.point['optim.lrD']}`);
    expect(new Set(keys).size).toBe(6);
    expect(sweepCells(big).map((c) => c.point)).toEqual(cells.map((c) => c.point)); // the same seed draws the same points
    expect(sweepCells({ ...big, sampleSeed: 4 }).map((c) => c.point)).not.toEqual(cells.map((c) => c.point));
  });

  it('names what is wrong: an unknown field, the seed given as a field, a value the field refuses (with its cell)', () => {
    expect(() => sweepCells(spec({ grid: { 'train.los': ['hinge'] } }))).toThrow(/train\.los: is not a config field/);
    expect(() => sweepCells(spec({ grid: { 'train.seed': [1, 2] } }))).toThrow(/train\.seed: is the sweep's own: give seeds instead/);
    expect(() => sweepCells(spec({ grid: { 'train.batchSize': [16, -4] } }))).toThrow(/train\.batchSize: .*\(in cell 2\)/);
    expect(() => sweepSpecSchema.parse({ name: '../x', grid: { 'train.loss': ['hinge'] } })).toThrow(/must be 1–61 letters/);
    expect(() => sweepSpecSchema.parse({ name: 'x', grid: {} })).toThrow(/must name at least one field/);
  });

  it("tabulates each grid point's seeds: mean and sample spread of their best scores, the best, how many measured", () => {
    const cell = (index: number, loss: string, score: number | null): SweepCellResult => ({ index, runId: `s-${index}`, point: { 'train.loss': loss }, seed: index, status: 'finished', step: 10, best: score === null ? null : { score, step: 10 } });
    const rows = sweepRows([cell(0, 'hinge', 0.02), cell(1, 'hinge', 0.04), cell(2, 'hinge', 0.03), cell(3, 'wgan', 0.1), cell(4, 'wgan', null)]);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ point: { 'train.loss': 'hinge' }, runs: 3, measured: 3, best: 0.02 });
    expect(rows[0].mean).toBeCloseTo(0.03, 12);
    expect(rows[0].std).toBeCloseTo(0.01, 12); // sample deviation of 0.02, 0.03, 0.04
    expect(rows[1]).toMatchObject({ runs: 2, measured: 1, mean: 0.1, std: 0, best: 0.1 });
  });
});
