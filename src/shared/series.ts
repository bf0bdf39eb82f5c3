/**
 * A chart series that holds at most `capacity` points however long training runs: when it fills, neighbouring
 * points merge into their mean and later points are binned at the doubled stride. Memory and drawing cost stay
 * flat over 100k steps while the curve keeps its shape. Used by the live charts and by runs:get.
 */
export type Point = [x: number, y: number];

export class DecimatedSeries {
  private readonly committed: Point[] = [];
  private stride = 1;
  private bin = { n: 0, x: 0, y: 0 };

  constructor(readonly capacity = 1000) {
    if (capacity < 2 || capacity % 2 !== 0) throw new Error('a series capacity must be an even number ≥ 2');
  }

  push(x: number, y: number | null): void {
    if (y === null || !Number.isFinite(y)) return;
    this.bin.n++;
    this.bin.x += x;
    this.bin.y += y;
    if (this.bin.n < this.stride) return;
    this.committed.push([this.bin.x / this.bin.n, this.bin.y / this.bin.n]);
    this.bin = { n: 0, x: 0, y: 0 };
    if (this.committed.length >= this.capacity) this.halve();
  }

  /** The points to draw: the merged history, then the open bin's mean so the newest value always shows. */
  points(): Point[] {
    if (this.bin.n === 0) return [...this.committed];
    return [...this.committed, [this.bin.x / this.bin.n, this.bin.y / this.bin.n]];
  }

  private halve(): void {
    const merged: Point[] = [];
    for (let i = 0; i + 1 < this.committed.length; i += 2) {
      const [a, b] = [this.committed[i], this.committed[i + 1]];
      merged.push([(a[0] + b[0]) / 2, (a[1] + b[1]) / 2]);
    }
    this.committed.splice(0, this.committed.length, ...merged);
    this.stride *= 2;
  }
}

/** The metrics a run's charts show, by the names progress events and metrics.jsonl use. */
export const CHART_METRICS = ['lossD', 'lossG', 'dReal', 'dFake', 'dFakeAfter', 'gradNormG', 'augmentP', 'convergence', 'beganK', 'imagesPerSec'] as const;
export type ChartMetric = (typeof CHART_METRICS)[number];
export type RunSeries = Record<ChartMetric, Point[]>;

/** One DecimatedSeries per chart metric, fed by progress events or metrics lines. */
export class RunSeriesBuilder {
  private readonly series: Record<ChartMetric, DecimatedSeries>;

  constructor(capacity = 1000) {
    this.series = Object.fromEntries(CHART_METRICS.map((m) => [m, new DecimatedSeries(capacity)])) as Record<ChartMetric, DecimatedSeries>;
  }

  push(step: number, values: Partial<Record<ChartMetric, number | null>>): void {
    for (const m of CHART_METRICS) this.series[m].push(step, values[m] ?? null);
  }

  points(): RunSeries {
    return Object.fromEntries(CHART_METRICS.map((m) => [m, this.series[m].points()])) as RunSeries;
  }
}
