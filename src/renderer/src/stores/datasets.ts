/**
 * The Datasets view's state: the catalogue's datasets, the one open with its filter, pages of items fetched as the
 * grid scrolls (never all 50,000 at once), the selection, and the running import job.
 */
import { defineStore } from 'pinia';
import { computed, reactive, ref, shallowReactive, type Ref } from 'vue';
import type { DatasetItem, DatasetSummary, Events, RequestOf, Responses } from '../../../shared/contract';

export type CropParamsInput = NonNullable<RequestOf<'faces:crop'>['params']>;
import { guarded as guard } from './guarded';
import { useStudioStore } from './studio';

export const PAGE_SIZE = 500;

/** A run's curation scores to sort by (datasets:score). */
export type ScoreOrder = NonNullable<RequestOf<'datasets:items'>['scores']>;

export interface ItemFilter { status: 'all' | 'included' | 'excluded'; label?: string; minSide: number; duplicates: boolean; scores?: ScoreOrder }

export const useDatasetsStore = defineStore('datasets', () => {
  const studio = useStudioStore();
  const datasets = ref<DatasetSummary[]>([]);
  const openId = ref<number | null>(null);
  const filter = reactive<ItemFilter>({ status: 'all', minSide: 0, duplicates: false });
  const total = ref(0);
  /** Loaded pages by index; a page is fetched once per filter. */
  const pages = shallowReactive(new Map<number, DatasetItem[]>());
  const selected = ref(new Set<number>());
  const job = ref<Events['job:progress'] | null>(null);
  const error = ref<string | null>(null);
  const loading = ref(false);
  let generation = 0;
  let listening = false;

  const open = computed(() => datasets.value.find((d) => d.id === openId.value) ?? null);

  const guarded = (work: () => Promise<void>): Promise<void> => guard(error, work).then(() => undefined);

  function listen(): void {
    if (listening) return;
    listening = true;
    studio.api().on('job:progress', (p) => {
      job.value = p;
      if (p.status === 'running') return;
      void refresh().then(async () => {
        if (p.datasetId === openId.value) await reload();
      });
    });
  }

  const refresh = () => guarded(async () => {
    listen();
    loading.value = true;
    try {
      datasets.value = (await studio.api().call('datasets:list', {})).datasets;
    } finally {
      loading.value = false;
    }
  });

  /** Drops the loaded pages and fetches the first one again (a new dataset, filter or edit). */
  async function reload(): Promise<void> {
    generation++;
    pages.clear();
    total.value = 0;
    await page(0);
  }

  async function select(id: number): Promise<void> {
    openId.value = id;
    selected.value = new Set();
    await reload();
  }

  /** The page holding item `index`, fetched if it is not loaded yet. */
  async function page(index: number): Promise<void> {
    if (openId.value === null || pages.has(index)) return;
    const asked = generation;
    pages.set(index, []); // claimed: scrolling does not ask twice
    await guarded(async () => {
      const result = await studio.api().call('datasets:items', { datasetId: openId.value!, offset: index * PAGE_SIZE, limit: PAGE_SIZE, ...filter });
      if (asked !== generation) return;
      total.value = result.total;
      pages.set(index, result.items);
    });
  }

  const itemAt = (i: number): DatasetItem | undefined => pages.get(Math.floor(i / PAGE_SIZE))?.[i % PAGE_SIZE];

  const startImport = (request: RequestOf<'datasets:import'>) => guarded(async () => {
    listen();
    const { jobId, datasetId } = await studio.api().call('datasets:import', request);
    job.value = { jobId, datasetId, kind: 'import', done: 0, total: 0, problems: 0, status: 'running' };
    await refresh();
    await select(datasetId);
  });

  const preparing = ref(false);
  /** An embedded set: its pictures are written as files first (a few seconds for 60,000 digits), then imported. */
  const addEmbedded = (set: RequestOf<'datasets:embedded'>['set']) => guarded(async () => {
    listen();
    preparing.value = true;
    try {
      const { jobId, datasetId } = await studio.api().call('datasets:embedded', { set });
      job.value = { jobId, datasetId, kind: 'import', done: 0, total: 0, problems: 0, status: 'running' };
      await refresh();
      await select(datasetId);
    } finally {
      preparing.value = false;
    }
  });

  const cancelJob = () => guarded(async () => void (job.value && (await studio.api().call('jobs:cancel', { jobId: job.value.jobId }))));

  /** Follows a job of the registry (shown by the jobs indicator) in `running` until it ends; `done` runs if it succeeded. */
  function follow(jobId: number, running: Ref<number | null>, failure: string, done: () => void): void {
    running.value = jobId;
    const off = studio.api().on('jobs:update', (j) => {
      if (j.jobId !== jobId || j.status === 'running') return;
      off();
      running.value = null;
      if (j.status === 'failed') error.value = j.message ?? failure;
      if (j.status === 'done') done();
    });
  }

  const scoring = ref<number | null>(null);
  /** Scores the open dataset by a run (a job), then sorts by its realness, lowest first. */
  const scoreBy = (runId: string) => guarded(async () => {
    if (openId.value === null) return;
    const { jobId } = await studio.api().call('datasets:score', { runId });
    follow(jobId, scoring, 'scoring failed', () => void refresh().then(() => (filter.scores = { runId, sortBy: 'realness', order: 'asc' })));
  });

  /** The open dataset's 2-D map (datasets:map), and the job placing it. */
  const mapPoints = ref<Responses['datasets:map-points']['points']>([]);
  const mapping = ref<number | null>(null);
  let mapSpace: 'general' | 'faces' | undefined;
  const loadMap = (space: 'general' | 'faces') => guarded(async () => {
    mapSpace = space;
    if (openId.value !== null) mapPoints.value = (await studio.api().call('datasets:map-points', { datasetId: openId.value, space })).points;
  });
  /** After an edit: the map's dots show the pictures' inclusion as it is now. */
  const refreshMap = async (): Promise<void> => void (mapSpace && mapPoints.value.length && (await loadMap(mapSpace)));
  const buildMap = (space: 'general' | 'faces') => guarded(async () => {
    if (openId.value === null) return;
    const { jobId } = await studio.api().call('datasets:map', { datasetId: openId.value, space });
    follow(jobId, mapping, 'the map could not be made', () => void loadMap(space));
  });

  /**
   * Excludes the first `n` pictures in the current order (the lowest-scored, when sorted by a score; all of them
   * when `n` is the count shown, as after a score threshold): one click.
   */
  const excludeFirst = (n: number) => guarded(async () => {
    if (openId.value === null || n < 1) return;
    const ids: number[] = [];
    while (ids.length < n) {
      const { items } = await studio.api().call('datasets:items', { datasetId: openId.value, offset: ids.length, limit: Math.min(n - ids.length, 2000), ...filter });
      ids.push(...items.map((i) => i.id));
      if (items.length < 2000) break;
    }
    if (ids.length === 0) return;
    await studio.api().call('datasets:update', { datasetId: openId.value, ids, included: false });
    await refresh();
    await reload();
    await refreshMap();
  });

  const update = (change: { included?: boolean; label?: string | null; addTags?: string[] }) => guarded(async () => {
    if (openId.value === null || selected.value.size === 0) return;
    await studio.api().call('datasets:update', { datasetId: openId.value, ids: [...selected.value], ...change });
    await refresh();
    await reload();
    await refreshMap();
  });

  const preview = ref<Responses['faces:preview'] | null>(null);
  const previewing = ref(false);

  const previewFaces = (cascade: string, params: CropParamsInput) => guarded(async () => {
    if (openId.value === null) return;
    previewing.value = true;
    try {
      preview.value = await studio.api().call('faces:preview', { datasetId: openId.value, cascade, params, count: 6 });
    } finally {
      previewing.value = false;
    }
  });

  const startCrop = (name: string, cascade: string, params: CropParamsInput) => guarded(async () => {
    if (openId.value === null) return;
    listen();
    const { jobId, datasetId } = await studio.api().call('faces:crop', { datasetId: openId.value, name, cascade, params });
    job.value = { jobId, datasetId, kind: 'crop', done: 0, total: 0, problems: 0, status: 'running' };
    await refresh();
  });

  return { mapPoints, mapping, loadMap, buildMap, scoring, scoreBy, excludeFirst, preparing, addEmbedded, preview, previewing, previewFaces, startCrop, datasets, openId, open, filter, total, pages, selected, job, error, loading, refresh, reload, select, page, itemAt, startImport, cancelJob, update };
});
