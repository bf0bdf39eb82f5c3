/** The Train and Runs views' charts, built from one run's series and quality measurements (or two runs', overlaid). */
import type { Point, RunSeries } from '../../../shared/series';
import { FEATURE_SPACE_LABELS, type FeatureSpaceId, type QualityRecord, type QualityScores } from '../../../shared/quality';
import type { ChartLine } from '../components/MetricChart.vue';
import { significant } from '../format';

export const COLORS = { lossD: '#e4572e', lossG: '#17bebb', dReal: '#76b041', dFake: '#ffc914', dFakeAfter: '#f08a24', gradNormG: '#3a86ff', augmentP: '#8d6a9f', convergence: '#e4572e', beganK: '#3a86ff', imagesPerSec: '#a78bfa' } as const;

export interface ChartSpec { title: string; yLabel: string; lines: ChartLine[]; logY?: boolean }

/** `label` prefixes each line and `dashed` draws it dashed: how a compared second run stands apart. */
export function runCharts(runs: { series: RunSeries; label?: string; dashed?: boolean }[]): ChartSpec[] {
  const line = (key: keyof RunSeries, name: string) =>
    runs.map((r) => ({ label: r.label ? `${r.label}: ${name}` : name, points: r.series[key], color: COLORS[key], dashed: r.dashed }));
  const augmented = runs.some((r) => r.series.augmentP?.length);
  const began = runs.some((r) => r.series.convergence?.length);
  return [
    { title: 'Losses', yLabel: 'loss', lines: [...line('lossD', 'D loss'), ...line('lossG', 'G loss')] },
    { title: 'Mean D(x) and D(G(z))', yLabel: 'score', lines: [...line('dReal', 'D(x)'), ...line('dFake', 'D(G(z)) before D step'), ...line('dFakeAfter', 'D(G(z)) after D step')] },
    { title: "G's gradient norm (a fall by orders of magnitude: G has stopped learning)", yLabel: '‖∇G‖', lines: line('gradNormG', '‖∇G‖'), logY: true },
    ...(augmented ? [{ title: 'Augmentation probability p (ADA adapts it; DiffAugment: 1)', yLabel: 'p', lines: line('augmentP', 'p') }] : []),
    ...(began ? [
      { title: "BEGAN's convergence measure M (falls as the pictures improve)", yLabel: 'M', lines: line('convergence', 'M') },
      { title: "BEGAN's k_t (how hard D pushes back on generated pictures)", yLabel: 'k', lines: line('beganK', 'k_t') },
    ] : []),
    { title: 'Speed', yLabel: 'images/s', lines: line('imagesPerSec', 'images/s') },
  ];
}

export const QUALITY_COLORS = { kid: '#e4572e', precision: '#76b041', recall: '#17bebb', coverage: '#a78bfa' } as const;

/**
 * The quality charts of one run or two overlaid: KID, and precision / recall / coverage. Scores from different
 * feature spaces never share a chart: runs measured in different spaces give none (`spaces` says which they are).
 */
export function qualityCharts(runs: { quality: QualityRecord[]; label?: string; dashed?: boolean }[]): { charts: ChartSpec[]; spaces: FeatureSpaceId[] } {
  const spaces = [...new Set(runs.flatMap((r) => r.quality.map((q) => q.quality.space)))];
  if (spaces.length !== 1) return { charts: [], spaces };
  const line = (key: keyof typeof QUALITY_COLORS, name: string) =>
    runs.map((r) => ({ label: r.label ? `${r.label}: ${name}` : name, points: r.quality.map((q): Point => [q.step, q.quality[key]]), color: QUALITY_COLORS[key], dashed: r.dashed }));
  return {
    spaces,
    charts: [
      { title: `KID, lower is better (${FEATURE_SPACE_LABELS[spaces[0]]})`, yLabel: 'KID', lines: line('kid', 'KID') },
      { title: 'Precision, recall and coverage against the training pictures', yLabel: 'share', lines: [...line('precision', 'precision'), ...line('recall', 'recall'), ...line('coverage', 'coverage')] },
    ],
  };
}

/** One measurement in a line a person reads. */
export function describeScores(q: QualityScores): string {
  return `KID ${significant(q.kid)} ± ${significant(q.kidStd)} · FID ${q.fid.toFixed(1)} · precision ${q.precision.toFixed(2)} · recall ${q.recall.toFixed(2)} · coverage ${q.coverage.toFixed(2)} · memorised ${(q.memorised * 100).toFixed(0)} %`;
}
