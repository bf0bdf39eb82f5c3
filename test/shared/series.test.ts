import { describe, expect, it } from 'vitest';
import { DecimatedSeries, RunSeriesBuilder } from '../../src/shared/series';

describe('decimated chart series', () => {
  it('keeps every point until full, then merges neighbours into their means', () => {
    const s = new DecimatedSeries(4);
    for (let x = 1; x <= 3; x++) s.push(x, x * 10);
    expect(s.points()).toEqual([[1, 10], [2, 20], [3, 30]]);
    s.push(4, 40); // full: pairs merge, stride 2
    expect(s.points()).toEqual([[1.5, 15], [3.5, 35]]);
    s.push(5, 50); // half a bin: shown as its own mean so the newest value is visible
    expect(s.points()).toEqual([[1.5, 15], [3.5, 35], [5, 50]]);
    s.push(6, 70);
    expect(s.points()).toEqual([[1.5, 15], [3.5, 35], [5.5, 60]]);
  });

  it('stays within its capacity over 100k points and keeps the curve', () => {
    const s = new DecimatedSeries(1000);
    for (let x = 0; x < 100_000; x++) s.push(x, Math.sin(x / 10_000));
    const points = s.points();
    expect(points.length).toBeLessThanOrEqual(1001);
    expect(points.length).toBeGreaterThan(400);
    for (const [x, y] of points) expect(Math.abs(y - Math.sin(x / 10_000))).toBeLessThan(0.01);
    expect(points.at(-1)![0]).toBeGreaterThan(99_000);
  });

  it('skips missing values (no generator loss while D pre-trains) and refuses odd capacities', () => {
    const b = new RunSeriesBuilder(10);
    b.push(1, { lossD: 1, lossG: null });
    b.push(2, { lossD: 2, lossG: 3 });
    expect(b.points().lossG).toEqual([[2, 3]]);
    expect(b.points().lossD).toEqual([[1, 1], [2, 2]]);
    expect(() => new DecimatedSeries(7)).toThrow(/even/);
  });
});
