// @vitest-environment happy-dom
import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import LabView from '../../src/renderer/src/views/LabView.vue';
import { useLabStore } from '../../src/renderer/src/stores/lab';
import type { RequestOf } from '../../src/shared/contract';
import { fakeStudio, settle } from './fakeStudio';

/** A fake generator whose "picture" names its latent, so a test can read what was drawn. */
const draw = (latent: number[]) => `data:image/png;base64,${latent.map((x) => x.toFixed(2)).join('|')}`;

function labStudio(renderDelay = 0) {
  const renders: number[][][] = [];
  const studio = fakeStudio({
    'runs:list': () => ({ runs: [{ runId: 'digits', preset: 'mnist-quick', dataset: 'mnist', status: 'finished', step: 60, steps: 60, lastSample: null, checkpoint: 'checkpoint.bin', updatedAt: 0 }] }),
    'lab:open': () => ({ runId: 'digits', step: 60, latentDim: 2, imageShape: [28, 28, 1], preset: 'mnist-quick', dataset: 'mnist' }),
    'lab:sheet': () => ({ latents: [[0, 0], [1, 1], [2, 0]], images: [[0, 0], [1, 1], [2, 0]].map(draw) }),
    'lab:render': ((r: RequestOf<'lab:render'>) => {
      renders.push(r.latents);
      const reply = { images: r.latents.map(draw) };
      return renderDelay ? new Promise((resolve) => setTimeout(() => resolve(reply), renderDelay)) : reply;
    }) as never,
    'lab:directions': () => ({ directions: [{ vector: [1, 0], explained: 0.6 }, { vector: [0, 1], explained: 0.3 }] }),
    'bookmarks:list': () => ({ bookmarks: [] }),
  });
  return { ...studio, renders };
}

function conditionalStudio() {
  const calls: { channel: string; payload: never }[] = [];
  const record = (channel: string, reply: (p: never) => unknown) => (p: never) => (calls.push({ channel, payload: p }), reply(p));
  fakeStudio({
    'lab:open': () => ({ runId: 'cgan', step: 60, latentDim: 2, imageShape: [28, 28, 1], preset: 'mnist-cgan', dataset: 'mnist', classes: ['zero', 'one', 'two'] }),
    'lab:sheet': record('lab:sheet', () => ({ latents: [[0, 0], [1, 1]], images: ['a', 'b'] })),
    'lab:render': record('lab:render', (r: RequestOf<'lab:render'>) => ({ images: r.latents.map((l, i) => `${l.join(',')}@${r.labels![i].join(',')}`) })),
    'bookmarks:list': () => ({ bookmarks: [] }),
    'bookmarks:add': record('bookmarks:add', () => ({ bookmark: {} })),
  });
  return calls;
}

describe('the lab store', () => {
  it('draws a conditional run as the chosen class, morphs between classes and bookmarks the class with the latent', async () => {
    const calls = conditionalStudio();
    const lab = useLabStore();
    await lab.open('cgan');
    expect(calls.find((c) => c.channel === 'lab:sheet')!.payload).toMatchObject({ label: [1, 0, 0] });
    expect(lab.sheet[0]).toMatchObject({ name: 'seed 0 #1 (zero)', label: [1, 0, 0] });
    lab.inspect(lab.sheet[1]);
    await lab.chooseClass(2);
    await settle();
    expect(calls.filter((c) => c.channel === 'lab:sheet').at(-1)!.payload).toMatchObject({ label: [0, 0, 1] });
    expect(lab.picture).toBe('1,1@0,0,1'); // the inspected sample, drawn again as class two

    await lab.morphTo(1, 3);
    expect(lab.strip.labels).toEqual([[0, 0, 1], [0, 0.5, 0.5], [0, 1, 0]]);
    expect(lab.strip.latents).toEqual([[1, 1], [1, 1], [1, 1]]);
    expect(lab.strip.images[1]).toBe('1,1@0,0.5,0.5');

    await lab.bookmark(lab.inspected!, 'sample');
    expect(calls.find((c) => c.channel === 'bookmarks:add')!.payload).toMatchObject({ latent: [1, 1], label: [0, 0, 1] });
  });


  it('moves the inspected latent along the sliders, keeps locked ones on reset, and draws only the latest position', async () => {
    const { renders } = labStudio(30);
    const lab = useLabStore();
    await lab.loadRuns();
    await lab.open('digits');
    await lab.findDirections();
    expect(lab.directions.map((d) => d.name)).toEqual(['PC1', 'PC2']);
    lab.inspect(lab.sheet[1]);
    await settle();
    renders.length = 0;

    for (const v of [0.5, 1, 1.5, 2]) lab.setAmount(0, v); // faster than pictures come back
    lab.setAmount(1, -1);
    await settle();
    expect(lab.current).toEqual([3, 0]);
    expect(renders.length).toBeLessThanOrEqual(2); // the first position, then the latest: not one per move
    expect(renders.at(-1)).toEqual([[3, 0]]);
    expect(lab.picture).toBe(draw([3, 0]));

    lab.toggleLock(0);
    lab.setAmount(0, -3); // a locked slider does not move
    lab.resetSliders();
    await settle();
    expect(lab.amounts).toEqual([2, 0]);
    expect(lab.picture).toBe(draw([3, 1]));

    lab.inspect(lab.sheet[0]); // another sample: the locked slider still applies
    await settle();
    expect(lab.current).toEqual([2, 0]);
  });

  it('computes A − B + C from the wells with the result in the middle of its noisy grid, and directions from A − B', async () => {
    const { renders } = labStudio();
    const lab = useLabStore();
    await lab.open('digits');
    const [a, b, c] = lab.sheet;
    await lab.computeArithmetic();
    expect(lab.error).toMatch(/fill wells A, B and C/);
    lab.addToWell('A', a);
    lab.addToWell('A', b); // mean(A) = (0.5, 0.5)
    lab.addToWell('B', c);
    lab.addToWell('C', b);
    renders.length = 0;
    await lab.computeArithmetic();
    expect(lab.result!.exemplar.latent).toEqual([-0.5, 1.5]);
    expect(renders[0]).toHaveLength(9);
    expect(renders[0][4]).toEqual([-0.5, 1.5]);
    expect(renders[0].filter((l) => l !== renders[0][4]).every((l) => l.every((x, i) => Math.abs(x - [-0.5, 1.5][i]) <= 0.25))).toBe(true);
    expect(lab.result!.grid[4]).toBe(draw([-0.5, 1.5]));

    lab.defineDirection('smile');
    expect(lab.directions.at(-1)).toEqual({ name: 'smile', vector: [-1.5, 0.5] });
    await lab.findDirections(); // found directions replace found ones only
    await lab.findDirections();
    expect(lab.directions.map((d) => d.name)).toEqual(['smile', 'PC1', 'PC2']);
  });

  it('cancels a running inversion through the one jobs:cancel channel', async () => {
    const studio = fakeStudio({
      'lab:open': () => ({ runId: 'digits', step: 60, latentDim: 2, imageShape: [28, 28, 1], preset: 'mnist-quick', dataset: 'mnist' }),
      'lab:sheet': () => ({ latents: [[0, 0]], images: [draw([0, 0])] }),
      'bookmarks:list': () => ({ bookmarks: [] }),
      'lab:invert': () => ({ jobId: 5 }),
      'jobs:cancel': ((r: { jobId: number }) => r) as never,
    });
    const lab = useLabStore();
    await lab.open('digits');
    await lab.invert({ itemId: 7 }, 300);
    await lab.cancelInversion();
    expect(studio.calls.at(-1)).toEqual({ channel: 'jobs:cancel', payload: { jobId: 5 } });
    expect(lab.error).toBe(null);
  });

  it("switches a style-based run's lab to w (new latents, that space's bookmarks) and redraws the sheet at a new ψ", async () => {
    let view = { space: 'z', truncation: 1 };
    const studio = fakeStudio({
      'runs:list': () => ({ runs: [{ runId: 'style', preset: null, dataset: 'cartoon-faces', status: 'finished', step: 60, steps: 60, lastSample: null, checkpoint: 'checkpoint.bin', updatedAt: 0 }] }),
      'lab:open': ((r: RequestOf<'lab:open'>) => {
        view = { space: r.space ?? view.space, truncation: r.truncation ?? view.truncation };
        return { runId: 'style', step: 60, latentDim: 2, imageShape: [64, 64, 3], preset: null, dataset: 'cartoon-faces', classes: [], ema: false, spaces: ['z', 'w'], ...view };
      }) as never,
      'lab:sheet': () => ({ latents: view.space === 'z' ? [[0, 0], [1, 1]] : [[5, 5], [6, 6]], images: ['a', 'b'] }),
      'lab:render': ((r: RequestOf<'lab:render'>) => ({ images: r.latents.map((l) => `${view.space}:${l.join(',')}@${view.truncation}`) })) as never,
      'bookmarks:list': () => ({ bookmarks: (['z', 'w'] as const).map((space, i) => ({ id: i + 1, name: `${space} one`, space, runId: 'style', step: 60, latent: [0, 0], tags: [], label: null, origin: 'sample', thumbnail: null, createdAt: 0 })) }),
    });
    const page = mount(LabView, { global: { plugins: [studio.pinia] } });
    await studio.connected;
    await settle();
    const lab = useLabStore();
    expect(page.findAll('[data-field=lab-space] option').map((o) => o.text())).toEqual(['z', 'w']);
    expect(lab.bookmarks.map((b) => b.name)).toEqual(['z one']);
    lab.inspect(lab.sheet[1]);
    lab.addToWell('A', lab.sheet[0]);

    await page.find('[data-field=lab-space]').setValue('w');
    await settle();
    expect(studio.calls.filter((c) => c.channel === 'lab:open').at(-1)!.payload).toEqual({ runId: 'style', space: 'w' });
    expect(lab.sheet.map((e) => e.latent)).toEqual([[5, 5], [6, 6]]);
    expect([lab.base, lab.wells.A]).toEqual([null, []]); // z latents mean nothing in w
    expect(lab.bookmarks.map((b) => b.name)).toEqual(['w one']);
    expect(page.text()).toMatch(/w of 2/);

    lab.inspect(lab.sheet[0]);
    await page.find('[data-field=lab-truncation]').setValue('0.5');
    await settle();
    expect(studio.calls.filter((c) => c.channel === 'lab:open').at(-1)!.payload).toEqual({ runId: 'style', truncation: 0.5 });
    expect(lab.sheet.map((e) => e.image)).toEqual(['w:5,5@0.5', 'w:6,6@0.5']);
    expect(lab.picture).toBe('w:5,5@0.5');
    expect(page.find('[data-test=lab-truncation]').text()).toBe('0.50');
  });
});
