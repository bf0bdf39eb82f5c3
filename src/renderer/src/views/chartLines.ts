/** The Train and Runs views' three charts, built from one run's series (or two runs', overlaid). */
import type { RunSeries } from '../../../shared/series';
import type { ChartLine } from '../components/MetricChart.vue';

export const COLORS = { lossD: '#e4572e', lossG: '#17bebb', dReal: '#76b041', dFake: '#ffc914', dFakeAfter: '#f08a24', imagesPerSec: '#a78bfa' } as const;

export interface ChartSpec { title: string; yLabel: string; lines: ChartLine[] }

/** `label` prefixes each line and `dashed` draws it dashed: how a compared second run stands apart. */
export function runCharts(runs: { series: RunSeries; label?: string; dashed?: boolean }[]): ChartSpec[] {
  const line = (key: keyof RunSeries, name: string) =>
    runs.map((r) => ({ label: r.label ? `${r.label}: ${name}` : name, points: r.series[key], color: COLORS[key], dashed: r.dashed }));
  return [
    { title: 'Losses', yLabel: 'loss', lines: [...line('lossD', 'D loss'), ...line('lossG', 'G loss')] },
    { title: 'Mean D(x) and D(G(z))', yLabel: 'score', lines: [...line('dReal', 'D(x)'), ...line('dFake', 'D(G(z)) before D step'), ...line('dFakeAfter', 'D(G(z)) after D step')] },
    { title: 'Speed', yLabel: 'images/s', lines: line('imagesPerSec', 'images/s') },
  ];
}
