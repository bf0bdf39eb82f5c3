/**
 * The run the Train view shows: started here, or opened from Runs to watch or continue. Follows that run's
 * events; charts and the progress line are fed from decimated series, redrawn at most ten times a second.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { RequestOf, RunDetail, RunStatus, Events } from '../../../shared/contract';
import { RunSeriesBuilder, type RunSeries } from '../../../shared/series';
import type { AlarmRecord, QualityRecord } from '../../../shared/quality';
import { useStudioStore } from './studio';
import { frameThrottle } from './frame';

/** Points per chart line: about as many as a chart has pixels across. */
export const CHART_CAPACITY = 600;

export const useTrainingStore = defineStore('training', () => {
  const studio = useStudioStore();
  const runId = ref<string | null>(null);
  const status = ref<RunStatus | 'idle'>('idle');
  const progress = ref<Events['training:progress'] | null>(null);
  const steps = ref(0);
  const message = ref<string | null>(null);
  const checkpoint = ref<string | null>(null);
  const backend = ref<Events['training:status']['backend'] | null>(null);
  const samples = ref<{ step: number; file: string }[]>([]);
  /** The gallery's snapshot: null follows the newest; a number holds the scrubber where the user left it. */
  const pinnedSample = ref<number | null>(null);
  const series = shallowRef<RunSeries | null>(null);
  /** The run's quality measurements, oldest first. */
  const quality = shallowRef<QualityRecord[]>([]);
  /** The alarms the run raised, oldest first. */
  const alarms = ref<AlarmRecord[]>([]);
  const busy = ref(false);
  let builder = new RunSeriesBuilder(CHART_CAPACITY);
  let unsubscribe: (() => void)[] = [];

  const active = computed(() => ['starting', 'running', 'paused'].includes(status.value));
  const shownSample = computed(() => samples.value[pinnedSample.value ?? samples.value.length - 1] ?? null);
  let latest: Events['training:progress'] | null = null;
  const redraw = frameThrottle(() => {
    progress.value = latest;
    series.value = builder.points();
  });

  function reset(id: string, total: number): void {
    runId.value = id;
    steps.value = total;
    status.value = 'starting';
    progress.value = latest = null;
    message.value = null;
    checkpoint.value = null;
    samples.value = [];
    quality.value = [];
    alarms.value = [];
    pinnedSample.value = null;
    builder = new RunSeriesBuilder(CHART_CAPACITY);
    series.value = builder.points();
  }

  /** Subscribes once to the event streams; events of other runs are ignored. */
  function listen(): void {
    if (unsubscribe.length > 0) return;
    const api = studio.api();
    unsubscribe = [
      api.on('training:progress', (p) => {
        if (p.runId !== runId.value) return;
        latest = p;
        if (p.steps !== undefined) steps.value = p.steps; // a time budget plans the step count as the run goes
        builder.push(p.step, p);
        redraw();
      }),
      api.on('training:sample', (s) => {
        if (s.runId === runId.value) samples.value = [...samples.value, { step: s.step, file: s.file }];
      }),
      api.on('training:quality', (q) => {
        if (q.runId === runId.value) quality.value = [...quality.value, { step: q.step, quality: q.quality }];
      }),
      api.on('training:alarm', (a) => {
        if (a.runId === runId.value) alarms.value = [...alarms.value, { step: a.step, alarm: a.alarm }];
      }),
      api.on('training:status', (s) => {
        if (s.runId !== runId.value) return;
        status.value = s.status;
        if (s.backend) backend.value = s.backend;
        if (s.message) message.value = s.message;
        if (s.checkpoint) checkpoint.value = s.checkpoint;
      }),
    ];
  }

  async function act(work: () => Promise<unknown>): Promise<void> {
    busy.value = true;
    message.value = null;
    try {
      await work();
    } catch (err) {
      message.value = (err as Error).message;
    } finally {
      busy.value = false;
    }
  }

  const start = (request: RequestOf<'training:start'> & { steps: number }): Promise<void> =>
    act(async () => {
      listen();
      const { steps: total, ...rest } = request;
      reset(request.runId, total);
      try {
        await studio.api().call('training:start', rest);
      } catch (err) {
        status.value = 'idle';
        throw err;
      }
    });

  function showHistory(detail: Pick<RunDetail, 'samples' | 'quality' | 'series' | 'alarms'>): void {
    samples.value = detail.samples;
    quality.value = detail.quality;
    alarms.value = detail.alarms;
    for (const metric of Object.keys(detail.series) as (keyof RunSeries)[]) {
      for (const [x, y] of detail.series[metric]) builder.push(x, { [metric]: y });
    }
    series.value = builder.points();
  }

  /** Shows a run from the workspace with its history; `continueTo` also trains it on. */
  const open = (detail: RunDetail, continueTo?: number): Promise<void> =>
    act(async () => {
      listen();
      reset(detail.summary.runId, continueTo ?? detail.summary.steps);
      status.value = detail.summary.status;
      checkpoint.value = detail.summary.checkpoint;
      message.value = detail.summary.message ?? null;
      showHistory(detail);
      if (continueTo !== undefined) {
        status.value = 'starting';
        await studio.api().call('runs:continue', { runId: detail.summary.runId, steps: continueTo });
      }
    });

  /** After a reload (or in a second window): show the run that is training now, if there is one. */
  async function followActive(): Promise<void> {
    if (runId.value) return;
    const { runs } = await studio.api().call('runs:list', {});
    const live = runs.find((r) => ['starting', 'running', 'paused'].includes(r.status));
    if (live) await open(await studio.api().call('runs:get', { runId: live.runId }));
  }

  const pause = () => act(() => studio.api().call('training:pause', { runId: runId.value! }));
  const resume = () => act(() => studio.api().call('training:resume', { runId: runId.value! }));
  const stop = () => act(() => studio.api().call('training:stop', { runId: runId.value! }));

  /** Continues a run's snapshot as a new run, `into`, and shows it training: its history is the run's up to the snapshot. */
  const branch = (detail: RunDetail, snapshot: number, into: string): Promise<void> =>
    act(async () => {
      listen();
      reset(into, detail.summary.steps);
      const upTo = <T>(points: T[], step: (p: T) => number): T[] => points.filter((p) => step(p) <= snapshot);
      const history = Object.fromEntries(Object.entries(detail.series).map(([k, points]) => [k, upTo(points, (p) => p[0])])) as RunSeries;
      showHistory({ series: history, samples: upTo(detail.samples, (s) => s.step), quality: upTo(detail.quality, (q) => q.step), alarms: upTo(detail.alarms, (a) => a.step) });
      await studio.api().call('runs:continue', { runId: detail.summary.runId, snapshot, into });
    });

  return { runId, status, progress, steps, message, checkpoint, backend, samples, quality, alarms, pinnedSample, series, busy, active, shownSample, start, open, branch, followActive, pause, resume, stop };
});
