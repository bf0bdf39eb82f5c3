/**
 * The latent lab's state: the run whose generator is open, a sheet of samples, the latent being inspected and the
 * sliders that move it, bookmarks, the arithmetic's three wells, interpolation, inversion and nearest neighbours.
 * Latent maths runs here (shared/latent.ts); main only draws pictures.
 */
import { defineStore } from 'pinia';
import { computed, reactive, ref } from 'vue';
import { arithmetic, difference, interpolate, jitter, moveAlong, type InterpolationMode, type LatentSpace } from '../../../shared/latent';
import type { Bookmark, Events, LabModel, PictureData, Responses, RunSummary } from '../../../shared/contract';
import { guarded as guard } from './guarded';
import { useStudioStore } from './studio';

export type Well = 'A' | 'B' | 'C';
export const WELLS: Well[] = ['A', 'B', 'C'];
/** Something with a latent the lab can show, move, bookmark or drop in a well; a conditional run's also has its class weights. */
export interface Exemplar { name: string; latent: number[]; image: PictureData; label?: number[] }
export interface Direction { name: string; vector: number[]; explained?: number }

const f32 = (v: number[]): Float32Array => Float32Array.from(v);
const plain = (v: Float32Array): number[] => Array.from(v);
const oneHot = (k: number, n: number): number[] => Array.from({ length: n }, (_, i) => (i === k ? 1 : 0));

export const useLabStore = defineStore('lab', () => {
  const studio = useStudioStore();
  const runs = ref<RunSummary[]>([]);
  const model = ref<LabModel | null>(null);
  const seed = ref(0);
  const sheet = ref<Exemplar[]>([]);
  const base = ref<Exemplar | null>(null);
  const directions = ref<Direction[]>([]);
  const amounts = ref<number[]>([]);
  const locked = ref<boolean[]>([]);
  const picture = ref<PictureData | null>(null);
  const bookmarks = ref<Bookmark[]>([]);
  const wells = reactive<Record<Well, Exemplar[]>>({ A: [], B: [], C: [] });
  const result = ref<{ exemplar: Exemplar; grid: PictureData[] } | null>(null);
  const strip = ref<{ latents: number[][]; labels?: number[][]; images: PictureData[]; exported: string | null }>({ latents: [], images: [], exported: null });
  /** A conditional run's chosen class: what new samples, arithmetic and inversion are drawn as. */
  const classIndex = ref(0);
  const inversion = ref<Events['lab:inversion'] | null>(null);
  const neighbours = ref<Responses['lab:nearest']['neighbours']>([]);
  const error = ref<string | null>(null);
  const busy = ref<string | null>(null);
  let listening = false;

  const runId = computed(() => model.value?.runId ?? null);
  const classes = computed(() => model.value?.classes ?? []);
  /** The chosen class's weights, or undefined for an unconditional run. */
  const label = computed(() => (classes.value.length ? oneHot(classIndex.value, classes.value.length) : undefined));
  /** The inspected picture's class weights: its own, or the chosen class. */
  const currentLabel = computed(() => (classes.value.length ? (base.value?.label ?? label.value) : undefined));
  /** The inspected latent moved along every slider. */
  const current = computed(() => (base.value ? plain(moveAlong(f32(base.value.latent), directions.value.map((d) => f32(d.vector)), amounts.value)) : null));

  /** A request, named while it runs (the toolbar shows it), its failure shown as the lab's error. */
  function guarded<T>(what: string, work: () => Promise<T>): Promise<T | undefined> {
    busy.value = what;
    return guard(error, work, () => {
      if (busy.value === what) busy.value = null;
    });
  }

  const api = () => studio.api();

  async function loadRuns(): Promise<void> {
    await guarded('runs', async () => {
      runs.value = (await api().call('runs:list', {})).runs.filter((r) => r.checkpoint !== null);
    });
  }

  /** Opens a run's latest checkpoint, or one of its snapshots. */
  async function open(id: string, snapshot?: number): Promise<void> {
    listen();
    await guarded('open', async () => {
      model.value = await api().call('lab:open', { runId: id, ...(snapshot !== undefined && { snapshot }) });
      classIndex.value = 0;
      await startOver();
    });
  }

  /** Forgets every latent held (they belong to another generator or space) and draws a new sheet. */
  async function startOver(): Promise<void> {
    base.value = null;
    directions.value = [];
    amounts.value = [];
    locked.value = [];
    picture.value = null;
    result.value = null;
    strip.value = { latents: [], images: [], exported: null };
    for (const w of WELLS) wells[w] = [];
    neighbours.value = [];
    inversion.value = null;
    await Promise.all([newSheet(seed.value), refreshBookmarks()]);
  }

  /** The same run seen from z or (a style-based G) w: its latents there are new ones, so the lab starts over. */
  async function chooseSpace(space: LatentSpace): Promise<void> {
    if (!model.value || model.value.space === space) return;
    const { runId: id, snapshot } = model.value;
    await guarded('open', async () => {
      model.value = await api().call('lab:open', { runId: id, space, ...(snapshot !== undefined && { snapshot }) });
      await startOver();
    });
  }

  /** The truncation ψ every picture is drawn with from now on; the sheet and the inspected picture are drawn again. */
  async function setTruncation(psi: number): Promise<void> {
    if (!model.value || !Number.isFinite(psi)) return;
    const { runId: id, snapshot } = model.value;
    await guarded('truncation', async () => {
      model.value = await api().call('lab:open', { runId: id, truncation: psi, ...(snapshot !== undefined && { snapshot }) });
      const shown = sheet.value;
      if (shown.length > 0) {
        const labels = classes.value.length ? shown.map((e) => e.label ?? label.value!) : undefined;
        const out = await api().call('lab:render', { runId: id, latents: shown.map((e) => e.latent), labels });
        sheet.value = shown.map((e, i) => ({ ...e, image: out.images[i] }));
        if (base.value) base.value = sheet.value[shown.indexOf(base.value)] ?? base.value;
      }
    });
    await redraw();
  }

  async function newSheet(s: number, count = 16): Promise<void> {
    if (!runId.value) return;
    seed.value = s;
    const out = await guarded('sheet', () => api().call('lab:sheet', { runId: runId.value!, seed: s, count, label: label.value }));
    const named = classes.value.length ? ` (${classes.value[classIndex.value]})` : '';
    if (out) sheet.value = out.latents.map((latent, i) => ({ name: `seed ${s} #${i + 1}${named}`, latent, image: out.images[i], label: label.value }));
  }

  /** Another class for a conditional run: the sheet and the inspected sample are drawn again as that class. */
  async function chooseClass(k: number): Promise<void> {
    classIndex.value = k;
    if (base.value) base.value = { ...base.value, label: label.value };
    await Promise.all([newSheet(seed.value, sheet.value.length || 16), redraw()]);
  }

  /** The inspected latent morphing from its class into another, over `frames` frames (a strip to look at or export). */
  async function morphTo(k: number, frames: number): Promise<void> {
    if (!runId.value || !current.value || !currentLabel.value) return;
    const to = oneHot(k, classes.value.length);
    const from = currentLabel.value;
    const labels = Array.from({ length: frames }, (_, i) => from.map((x, j) => x + ((to[j] - x) * i) / (frames - 1)));
    const latents = labels.map(() => current.value!);
    const out = await guarded('morph', () => api().call('lab:render', { runId: runId.value!, latents, labels }));
    if (out) strip.value = { latents, labels, images: out.images, exported: null };
  }

  /** Shows an exemplar in the inspector; unlocked sliders go back to 0, locked ones keep their value. */
  function inspect(e: Exemplar): void {
    base.value = e;
    amounts.value = amounts.value.map((a, i) => (locked.value[i] ? a : 0));
    picture.value = e.image;
    neighbours.value = [];
    void redraw();
  }

  // A slider moves faster than pictures come back: one render in flight, then the latest position.
  let drawing = false;
  let again = false;
  async function redraw(): Promise<void> {
    if (!runId.value || !current.value) return;
    if (drawing) {
      again = true;
      return;
    }
    drawing = true;
    try {
      do {
        again = false;
        const out = await guarded('render', () => api().call('lab:render', { runId: runId.value!, latents: [current.value!], labels: currentLabel.value && [currentLabel.value] }));
        if (out) picture.value = out.images[0];
      } while (again);
    } finally {
      drawing = false;
    }
  }

  function setAmount(i: number, value: number): void {
    if (locked.value[i] || !Number.isFinite(value)) return;
    amounts.value[i] = value;
    void redraw();
  }

  function resetSliders(): void {
    amounts.value = amounts.value.map((a, i) => (locked.value[i] ? a : 0));
    void redraw();
  }

  function addDirections(found: Direction[]): void {
    directions.value = [...directions.value, ...found];
    amounts.value = [...amounts.value, ...found.map(() => 0)];
    locked.value = [...locked.value, ...found.map(() => false)];
  }

  async function findDirections(count = 6): Promise<void> {
    if (!runId.value) return;
    const out = await guarded('directions', () => api().call('lab:directions', { runId: runId.value!, count, label: label.value }));
    if (!out) return;
    // Directions found before are replaced; the user's own stay, with their values.
    const kept = directions.value.flatMap((d, i) => (d.explained === undefined ? [i] : []));
    [directions.value, amounts.value, locked.value] = [kept.map((i) => directions.value[i]), kept.map((i) => amounts.value[i]), kept.map((i) => locked.value[i])];
    addDirections(out.directions.map((d, i) => ({ name: `PC${i + 1}`, vector: d.vector, explained: d.explained })));
  }

  /** A direction from two groups (wells A and B): mean(A) − mean(B). */
  function defineDirection(name: string): void {
    if (wells.A.length === 0 || wells.B.length === 0) {
      error.value = 'a direction needs samples in well A and in well B';
      return;
    }
    addDirections([{ name, vector: plain(difference(wells.A.map((e) => f32(e.latent)), wells.B.map((e) => f32(e.latent)))) }]);
  }

  function toggleLock(i: number): void {
    locked.value[i] = !locked.value[i];
  }

  function addToWell(w: Well, e: Exemplar): void {
    wells[w] = [...wells[w], e];
  }

  function removeFromWell(w: Well, index: number): void {
    wells[w] = wells[w].filter((_, i) => i !== index);
  }

  /** The paper's arithmetic and its 3 × 3 grid: the result in the centre, ±0.25 uniform noise around it. */
  async function computeArithmetic(): Promise<void> {
    if (!runId.value) return;
    if (WELLS.some((w) => wells[w].length === 0)) {
      error.value = 'fill wells A, B and C with at least one sample each';
      return;
    }
    const latent = arithmetic(wells.A.map((e) => f32(e.latent)), wells.B.map((e) => f32(e.latent)), wells.C.map((e) => f32(e.latent)));
    const around = jitter(latent, 9, 0.25, Math.random);
    const grid = [...around.slice(1, 5), around[0], ...around.slice(5)].map(plain); // the result in the middle
    const out = await guarded('arithmetic', () => api().call('lab:render', { runId: runId.value!, latents: grid, labels: label.value && grid.map(() => label.value!) }));
    if (out) result.value = { exemplar: { name: `${names('A')} − ${names('B')} + ${names('C')}`, latent: plain(latent), image: out.images[4], label: label.value }, grid: out.images };
  }

  const names = (w: Well): string => (wells[w].length === 1 ? wells[w][0].name : `mean(${wells[w].length} in ${w})`);

  async function interpolateBetween(points: Exemplar[], frames: number, mode: InterpolationMode): Promise<void> {
    if (!runId.value) return;
    if (points.length < 2) {
      error.value = 'choose two or more bookmarks to interpolate between';
      return;
    }
    const latents = interpolate(points.map((p) => f32(p.latent)), frames, mode).map(plain);
    // a conditional run's classes blend along the same path, linearly
    const labels = label.value && interpolate(points.map((p) => f32(p.label ?? label.value!)), frames, 'linear').map(plain);
    const out = await guarded('interpolate', () => api().call('lab:render', { runId: runId.value!, latents, labels }));
    if (out) strip.value = { latents, labels, images: out.images, exported: null };
  }

  /** The interpolation as a file; a video is a job while it encodes (progress and cancel in the jobs list). */
  async function exportStrip(kind: 'strip' | 'gif' | 'mp4' | 'webm'): Promise<void> {
    if (!runId.value || strip.value.latents.length === 0) return;
    const out = await guarded('export', () => api().call('lab:export', { runId: runId.value!, latents: strip.value.latents, labels: strip.value.labels, kind }));
    if (out) strip.value = { ...strip.value, exported: api().pictureUrl(runId.value!, out.file.replace(/^runs\/[^/]+\//, '')) };
  }

  async function refreshBookmarks(): Promise<void> {
    if (!runId.value) return;
    const out = await guarded('bookmarks', () => api().call('bookmarks:list', { runId: runId.value! }));
    if (out) bookmarks.value = out.bookmarks.filter((b) => b.space === model.value?.space); // a latent of the other space draws nothing sensible here
  }

  async function bookmark(e: Exemplar, origin: string, tags: string[] = []): Promise<void> {
    if (!runId.value) return;
    await guarded('bookmark', () => api().call('bookmarks:add', { runId: runId.value!, name: e.name, latent: e.latent, label: classes.value.length ? (e.label ?? label.value) : undefined, tags, origin }));
    await refreshBookmarks();
  }

  async function deleteBookmark(id: number): Promise<void> {
    await guarded('bookmarks', () => api().call('bookmarks:delete', { ids: [id] }));
    await refreshBookmarks();
  }

  /** The JSON text of this run's bookmarks (the view offers it as a download). */
  async function exportBookmarks(): Promise<string | undefined> {
    const out = await guarded('bookmarks', () => api().call('bookmarks:export', { ids: bookmarks.value.map((b) => b.id) }));
    return out && JSON.stringify(out.file, null, 1);
  }

  async function importBookmarks(text: string): Promise<void> {
    await guarded('bookmarks', async () => {
      let file: unknown;
      try {
        file = JSON.parse(text);
      } catch {
        throw new Error('the bookmarks file is not JSON');
      }
      await api().call('bookmarks:import', { file: file as never });
    });
    await refreshBookmarks();
  }

  function listen(): void {
    if (listening) return;
    listening = true;
    api().on('lab:inversion', (p) => {
      if (p.runId === runId.value) inversion.value = p;
    });
  }

  async function invert(target: { itemId: number } | { path: string }, steps: number, featureWeight = 0): Promise<void> {
    if (!runId.value) return;
    const out = await guarded('invert', () => api().call('lab:invert', { runId: runId.value!, ...target, steps, featureWeight, label: label.value }));
    if (out) inversion.value = { jobId: out.jobId, runId: runId.value, step: 0, steps, error: Number.NaN, status: 'running' };
  }

  async function cancelInversion(): Promise<void> {
    if (inversion.value?.status === 'running') await guarded('cancel', () => api().call('jobs:cancel', { jobId: inversion.value!.jobId }));
  }

  async function nearest(): Promise<void> {
    if (!runId.value || !current.value) return;
    const out = await guarded('nearest', () => api().call('lab:nearest', { runId: runId.value!, latent: current.value!, label: currentLabel.value, count: 8 }));
    if (out) neighbours.value = out.neighbours;
  }

  /** What the inspector shows, as something to bookmark or put in a well. */
  const inspected = computed<Exemplar | null>(() => {
    if (!base.value || !current.value || !picture.value) return null;
    const moved = amounts.value.some((a) => a !== 0);
    return { name: moved ? `${base.value.name} (moved)` : base.value.name, latent: current.value, image: picture.value, label: currentLabel.value };
  });

  return {
    runs, model, seed, sheet, base, directions, amounts, locked, picture, bookmarks, wells, result, strip, inversion, neighbours, error, busy,
    classIndex, classes, runId, current, inspected, loadRuns, open, chooseSpace, setTruncation, newSheet, chooseClass, morphTo, inspect, setAmount, resetSliders, findDirections, defineDirection, toggleLock,
    addToWell, removeFromWell, computeArithmetic, interpolateBetween, exportStrip, refreshBookmarks, bookmark, deleteBookmark,
    exportBookmarks, importBookmarks, invert, cancelInversion, nearest,
  };
});
