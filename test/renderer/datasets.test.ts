// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { clickSelection } from '../../src/renderer/src/components/selection';
import VirtualGrid from '../../src/renderer/src/components/VirtualGrid.vue';
import { PAGE_SIZE, useDatasetsStore } from '../../src/renderer/src/stores/datasets';
import DatasetsView from '../../src/renderer/src/views/DatasetsView.vue';
import DuplicatesPanel from '../../src/renderer/src/components/DuplicatesPanel.vue';
import type { DatasetItem, DatasetSummary } from '../../src/shared/contract';
import { fakeStudio, settle } from './fakeStudio';

const item = (i: number): DatasetItem => ({ id: i + 1, path: `p${i}.png`, hash: String(i).padStart(64, '0'), width: 64, height: 64, included: i % 7 !== 0, label: null, tags: [] });

describe('grid selection', () => {
  const idAt = (i: number) => (i < 100 ? i + 1 : undefined);
  it('selects one on click, toggles with ctrl, and a range with shift from the anchor', () => {
    let s = clickSelection({ ids: new Set(), anchor: null }, 5, idAt, { shift: false, toggle: false });
    expect([...s.ids]).toEqual([6]);
    s = clickSelection(s, 9, idAt, { shift: false, toggle: true });
    expect([...s.ids].sort((a, b) => a - b)).toEqual([6, 10]);
    s = clickSelection(s, 9, idAt, { shift: false, toggle: true });
    expect([...s.ids]).toEqual([6]);
    s = clickSelection({ ids: new Set([6]), anchor: 5 }, 2, idAt, { shift: true, toggle: false });
    expect([...s.ids].sort((a, b) => a - b)).toEqual([3, 4, 5, 6]);
    expect(s.anchor).toBe(5); // a shift-click keeps the anchor
    expect(clickSelection(s, 500, idAt, { shift: false, toggle: false })).toBe(s); // an item not loaded yet
  });
});

describe('VirtualGrid', () => {
  it('keeps only the rows in view in the DOM for 50,000 items and asks for the pages it shows', async () => {
    const needed: number[] = [];
    const grid = mount(VirtualGrid, { props: { total: 50_000, itemAt: item, thumbnailUrl: (h: string) => `/t/${h}`, selected: new Set<number>(), pageSize: PAGE_SIZE, onNeed: (p: number) => needed.push(p) } });
    const cells = grid.findAll('.cell');
    // 900 × 600 px at 116 px a cell: 7 columns × (6 visible + 3 overscan) rows
    expect(cells.length).toBeLessThanOrEqual(7 * 10);
    expect(cells.length).toBeGreaterThan(30);
    expect(grid.find('.spacer').attributes('style')).toMatch(/height: 828588px/); // ceil(50000 / 7) rows × 116 px
    expect(needed).toEqual([0]);
    expect(grid.findAll('.cell.excluded').length).toBeGreaterThan(0);

    const box = grid.find('.grid-scroll').element as HTMLElement;
    box.scrollTop = 116 * 5000; // row 5000 → item 35,000 → page 70
    await grid.find('.grid-scroll').trigger('scroll');
    await new Promise((r) => requestAnimationFrame(() => r(null)));
    await flushPromises();
    expect(needed).toContain(70);
    expect(grid.findAll('.cell').length).toBeLessThanOrEqual(7 * 13);
    expect(Number(grid.find('.cell').attributes('data-index'))).toBeGreaterThan(34_900);
  });

  it('holds pictures back while flinging and shows them once the scroll slows or stops', async () => {
    const grid = mount(VirtualGrid, { props: { total: 50_000, itemAt: item, thumbnailUrl: (h: string) => `/t/${h}`, selected: new Set<number>(), pageSize: PAGE_SIZE } });
    const box = grid.find('.grid-scroll');
    const scrollTo = async (top: number) => {
      (box.element as HTMLElement).scrollTop = top;
      await box.trigger('scroll');
      await new Promise((r) => requestAnimationFrame(() => r(null)));
      await flushPromises();
    };
    const pictures = () => grid.findAll('.cell img').map((img) => img.attributes('src'));
    expect(pictures().length).toBe(grid.findAll('.cell').length);

    await scrollTo(116 * 40); // 40 rows within one frame: a fling
    await scrollTo(116 * 80);
    const flung = grid.findAll('.cell').map((c) => Number(c.attributes('data-index')));
    expect(Math.min(...flung)).toBeGreaterThan(7 * 70);
    expect(pictures()).toEqual([]);

    await new Promise((r) => setTimeout(r, 200)); // no more scroll events: the fling is over
    await flushPromises();
    expect(pictures()).toHaveLength(flung.length);
    expect(pictures()).toContain(`/t/${item(7 * 80).hash}`);

    await new Promise((r) => setTimeout(r, 100));
    await scrollTo(116 * 80 + 10); // 10 px in ≥ 100 ms: browsing, pictures load as they come into view
    expect(pictures()).toHaveLength(grid.findAll('.cell').length);
  });

  it('selects with click, ctrl and shift, and passes shortcut keys on', async () => {
    const grid = mount(VirtualGrid, { props: { total: 20, itemAt: item, thumbnailUrl: String, selected: new Set<number>(), pageSize: PAGE_SIZE } });
    await grid.find('[data-index="2"]').trigger('click');
    expect([...grid.emitted('select')!.at(-1)![0] as Set<number>]).toEqual([3]);
    await grid.find('[data-index="4"]').trigger('click', { shiftKey: true });
    expect([...(grid.emitted('select')!.at(-1)![0] as Set<number>)]).toEqual([3, 4, 5]);
    await grid.find('.grid-scroll').trigger('keydown', { key: 'ArrowRight' });
    expect([...(grid.emitted('select')!.at(-1)![0] as Set<number>)]).toEqual([6]); // from index 4 to 5
    await grid.find('.grid-scroll').trigger('keydown', { key: 'ArrowDown', shiftKey: true });
    expect((grid.emitted('select')!.at(-1)![0] as Set<number>).size).toBe(8); // 5 … 12 (7 columns), anchored at 5
    await grid.find('.grid-scroll').trigger('keydown', { key: 'x' });
    expect(grid.emitted('key')).toEqual([['x']]);
    await grid.find('.grid-scroll').trigger('keydown', { key: 'a', ctrlKey: true });
    expect((grid.emitted('select')!.at(-1)![0] as Set<number>).size).toBe(20);
  });
});

describe('DatasetsView', () => {
  const summary: DatasetSummary = { id: 1, name: 'faces', kind: 'folder', source: '/p', items: 1200, included: 1100, problems: 2, labels: ['a'], sizes: [[64, 1200]], scoredBy: [] };

  it('opens a dataset, fetches its first page, and excludes the selection in bulk', async () => {
    let updated: unknown;
    const studio = fakeStudio({
      'datasets:list': () => ({ datasets: [summary] }),
      'datasets:items': (r: { offset: number; limit: number }) => ({ total: 1200, items: Array.from({ length: Math.min(r.limit, 1200 - r.offset) }, (_, i) => item(r.offset + i)) }),
      'datasets:update': (r) => ((updated = r), { updated: 2 }),
    });
    const view = mount(DatasetsView, { global: { plugins: [studio.pinia] } });
    await studio.connected;
    await settle();
    expect(view.find('[data-dataset=faces]').text()).toMatch(/1100 of 1200 included · 2 unreadable/);
    await view.find('[data-dataset=faces] button').trigger('click');
    await settle();
    expect(view.find('[data-test=count]').text()).toBe('1200 shown · 0 selected');
    expect(studio.calls.filter((c) => c.channel === 'datasets:items').map((c) => (c.payload as { offset: number }).offset)).toEqual([0]);
    await view.find('[data-index="0"]').trigger('click');
    await view.find('[data-index="1"]').trigger('click', { ctrlKey: true });
    await view.find('[data-test=exclude]').trigger('click');
    await settle();
    expect(updated).toEqual({ datasetId: 1, ids: [1, 2], included: false });

    useDatasetsStore().filter.status = 'excluded';
    await settle();
    expect(studio.calls.filter((c) => c.channel === 'datasets:items').at(-1)!.payload).toMatchObject({ status: 'excluded', offset: 0 });
  });
});

describe('DatasetsView curation', () => {
  const summary: DatasetSummary = { id: 1, name: 'faces', kind: 'crops', source: '/p', items: 1200, included: 1100, problems: 0, labels: [], sizes: [[64, 1200]], scoredBy: [] };

  it('scores a dataset by a run trained on it, sorts by a score with each picture captioned, and excludes the first N or all past a threshold in one click', async () => {
    let scored = false;
    const updates: unknown[] = [];
    const run = { runId: 'on-faces', preset: 'dcgan-64', dataset: 'catalogue faces', status: 'finished', step: 500, steps: 500, lastSample: null, checkpoint: '/ws/on-faces/checkpoint.bin', updatedAt: 1, best: null };
    const studio = fakeStudio({
      'datasets:list': () => ({ datasets: [{ ...summary, scoredBy: scored ? ['on-faces'] : [] }] }),
      'runs:list': () => ({ runs: [run, { ...run, runId: 'on-digits', dataset: 'mnist' }] }),
      'datasets:score': () => ({ jobId: 7, datasetId: 1 }),
      'datasets:items': (r: { offset: number; limit: number; scores?: { sortBy: 'realness'; upTo?: number } }) => {
        // realness rises with the position: a threshold u keeps the first ⌊u·3000⌋ + 1
        const total = r.scores?.upTo === undefined ? 3000 : Math.floor(r.scores.upTo * 3000) + 1;
        return { total, items: Array.from({ length: Math.min(r.limit, total - r.offset) }, (_, i) => ({ ...item(r.offset + i), ...(r.scores && { scores: { realness: (r.offset + i) / 3000, inversionError: 0.5, nearestSample: 3 } }) })) };
      },
      'datasets:update': (r) => (updates.push(r), { updated: 1 }),
    });
    const view = mount(DatasetsView, { global: { plugins: [studio.pinia] } });
    await studio.connected;
    await settle();
    await view.find('[data-dataset=faces] button').trigger('click');
    await settle();
    // Only the runs trained on this dataset are offered.
    expect(view.findAll('[name=curationRun] option').map((o) => o.text())).toEqual(['a run trained on faces', 'on-faces (step 500)']);
    await view.find('[name=curationRun]').setValue('on-faces');
    await view.find('[data-test=score]').trigger('click');
    await settle();
    expect(studio.calls.find((c) => c.channel === 'datasets:score')!.payload).toEqual({ runId: 'on-faces' });
    scored = true;
    studio.emit('jobs:update', { jobId: 7, kind: 'curation', title: 'scoring', done: 3600, total: 3600, status: 'done', cancellable: true });
    await settle();
    await settle();
    // Sorted by D's realness, least real first, each picture captioned with its score.
    expect(studio.calls.filter((c) => c.channel === 'datasets:items').at(-1)!.payload).toMatchObject({ offset: 0, scores: { runId: 'on-faces', sortBy: 'realness', order: 'asc' } });
    expect((view.find('[name=sortKey]').element as HTMLSelectElement).value).toBe('realness');
    expect(view.find('[data-index="3"] [data-test=score]').text()).toBe('0.00100');
    // A threshold shows only the pictures up to it; "Exclude all" takes every one of them, page after page.
    const upTo = view.find('[name=upTo]');
    (upTo.element as HTMLInputElement).value = '0.8';
    await upTo.trigger('change');
    await settle();
    expect(studio.calls.filter((c) => c.channel === 'datasets:items').at(-1)!.payload).toMatchObject({ scores: { sortBy: 'realness', upTo: 0.8 } });
    expect(view.find('[data-test=count]').text()).toMatch(/^2401 shown/);
    expect(view.find('[data-test=exclude-first]').exists()).toBe(false);
    await view.find('[data-test=exclude-shown]').trigger('click');
    await settle();
    expect(updates).toEqual([{ datasetId: 1, ids: Array.from({ length: 2401 }, (_, i) => i + 1), included: false }]);
    updates.length = 0;
    await view.find('[name=sortKey]').setValue('inversionError');
    await settle();
    expect(studio.calls.filter((c) => c.channel === 'datasets:items').at(-1)!.payload).toMatchObject({ scores: { sortBy: 'inversionError', order: 'desc' } });
    await view.find('[name=excludeCount]').setValue('3');
    await view.find('[data-test=exclude-first]').trigger('click');
    await settle();
    expect(updates).toEqual([{ datasetId: 1, ids: [1, 2, 3], included: false }]);
  });
});

describe('DatasetsView map', () => {
  const summary: DatasetSummary = { id: 1, name: 'faces', kind: 'crops', source: '/p', items: 3, included: 3, problems: 0, labels: [], sizes: [[64, 3]], scoredBy: [] };

  it('makes the map as a job, draws its points, selects the pictures a lasso holds and excludes them', async () => {
    let mapped = false;
    const updates: unknown[] = [];
    const points = [{ id: 1, x: 0, y: 0, included: true, label: null }, { id: 2, x: 0.1, y: 0.1, included: true, label: null }, { id: 3, x: 10, y: 10, included: true, label: null }];
    const studio = fakeStudio({
      'datasets:list': () => ({ datasets: [summary] }),
      'datasets:items': () => ({ total: 3, items: [item(1), item(2), item(3)] }),
      'datasets:map': () => ((mapped = true), { jobId: 4 }),
      'datasets:map-points': () => ({ points: mapped ? points : [] }),
      'datasets:update': (r) => (updates.push(r), { updated: 2 }),
    });
    const view = mount(DatasetsView, { global: { plugins: [studio.pinia] } });
    await studio.connected;
    await settle();
    await view.find('[data-dataset=faces] button').trigger('click');
    await settle();
    await view.find('[name=showMap]').setValue(true);
    await settle();
    expect(view.find('[data-test=map]').exists()).toBe(false); // no map made yet
    await view.find('[data-test=build-map]').trigger('click');
    await settle();
    expect(studio.calls.find((c) => c.channel === 'datasets:map')!.payload).toEqual({ datasetId: 1, space: 'general' });
    studio.emit('jobs:update', { jobId: 4, kind: 'map', title: 'mapping', done: 3, total: 3, status: 'done', cancellable: true });
    await settle();
    await settle();
    expect(view.find('figure.map').attributes('data-points')).toBe('3');
    // A lasso around the two close points.
    const canvas = view.find('[data-test=map]');
    const stroke: [number, number][] = [[0, 0], [200, 0], [200, 100], [0, 100], [0, 1]]; // the points land at (152, 12), (155, 15) and (488, 348)
    for (const [i, [x, y]] of stroke.entries()) await canvas.trigger(i === 0 ? 'pointerdown' : 'pointermove', { clientX: x, clientY: y });
    await canvas.trigger('pointerup');
    expect(view.find('[data-test=count]').text()).toMatch(/2 selected/);
    await view.find('[data-test=exclude]').trigger('click');
    await settle();
    expect(updates).toEqual([{ datasetId: 1, ids: [1, 2], included: false }]);
  });
});

describe('dropping on the Datasets view', () => {
  const drop = async (view: ReturnType<typeof mount>, name: string) => {
    const event = new Event('drop', { bubbles: true, cancelable: true }) as Event & { dataTransfer: unknown };
    Object.defineProperty(event, 'dataTransfer', { value: { files: [new File([], name)] } });
    view.find('[data-test=drop-zone]').element.dispatchEvent(event);
    await flushPromises();
  };

  it('fills the import form from a dropped folder or picture, and says why a browser cannot', async () => {
    const studio = fakeStudio();
    const view = mount(DatasetsView, { global: { plugins: [studio.pinia] } });
    await studio.connected;
    await drop(view, '/home/me/anime faces');
    expect((view.find('[name=importDir]').element as HTMLInputElement).value).toBe('/home/me/anime faces');
    expect((view.find('[name=importName]').element as HTMLInputElement).value).toBe('anime faces');
    await drop(view, '/home/me/cats/tabby.jpg');
    expect((view.find('[name=importDir]').element as HTMLInputElement).value).toBe('/home/me/cats');
    await drop(view, 'tabby.jpg'); // the fake says nothing about where this one lives, as a browser would
    expect(view.find('[data-test=drop-note]').text()).toMatch(/type the folder path instead/);
  });
});

describe('DuplicatesPanel', () => {
  it('keeps the first included picture of a group and excludes the others', async () => {
    const group = [item(1), item(2), item(3)];
    let updated: unknown;
    const studio = fakeStudio({ 'datasets:duplicates': () => ({ exact: [group], near: [] }), 'datasets:update': (r) => ((updated = r), { updated: 2 }) });
    await studio.connected;
    useDatasetsStore().openId = 1;
    const panel = mount(DuplicatesPanel, { props: { datasetId: 1 }, global: { plugins: [studio.pinia] } });
    await settle();
    expect(panel.findAll('figure')).toHaveLength(3);
    await panel.find('[data-test=keep-one]').trigger('click');
    await settle();
    expect(updated).toEqual({ datasetId: 1, ids: [3, 4], included: false });
  });
});
