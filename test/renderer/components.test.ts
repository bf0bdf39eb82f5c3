// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils';
import { describe, expect, it, vi } from 'vitest';
import ConfigForm, { type ConfigDraft } from '../../src/renderer/src/components/ConfigForm.vue';
import MetricChart from '../../src/renderer/src/components/MetricChart.vue';
import SampleGallery from '../../src/renderer/src/components/SampleGallery.vue';
import RunsView from '../../src/renderer/src/views/RunsView.vue';
import RunExport from '../../src/renderer/src/components/RunExport.vue';
import ImportGenerator from '../../src/renderer/src/components/ImportGenerator.vue';
import CollectPanel from '../../src/renderer/src/components/CollectPanel.vue';
import WhatDLearned from '../../src/renderer/src/components/WhatDLearned.vue';
import StepByStep from '../../src/renderer/src/components/StepByStep.vue';
import SweepsPanel from '../../src/renderer/src/components/SweepsPanel.vue';
import type { RunDetail, RunSummary } from '../../src/shared/contract';
import type { FeatureSpaceId, QualityScores } from '../../src/shared/quality';
import TrainView from '../../src/renderer/src/views/TrainView.vue';
import { configFields, fieldErrors } from '../../src/shared/config/form';
import { presetConfig } from '../../src/shared/config/presets';
import { fakeStudio, settle } from './fakeStudio';

const draftOf = (): ConfigDraft => {
  const { preset: _p, ...groups } = presetConfig('mnist-quick');
  return groups as unknown as ConfigDraft;
};

describe('ConfigForm', () => {
  it('draws one input per schema field, grouped, and edits the draft with typed values', async () => {
    const draft = draftOf();
    const form = mount(ConfigForm, { props: { modelValue: draft, errors: {} } });
    const names = (): (string | undefined)[] => form.findAll('.field input, .field select').map((i) => i.attributes('name'));
    // a first-time user sees the basic fields that apply to the preset (MNIST: no folder, no background)
    expect(form.findAll('details summary').map((s) => s.text())).toEqual(['Model', 'Data', 'Training', 'Monitoring']);
    // (mnist-quick has a time budget: its step count is planned, so the field for one is not shown)
    expect(names()).toEqual(['model.imageSize', 'model.channels', 'data.source', 'data.flip', 'train.minutes', 'train.batchSize', 'train.augment', 'monitor.evalEvery']);
    expect(form.find('label[for="train.batchSize"]').text()).toBe('Batch size (pictures)');
    await form.find('[data-action=advanced]').setValue(true);
    expect(form.findAll('details summary').map((s) => s.text())).toEqual(['Model', 'Data', 'Optimiser', 'Training', 'Monitoring']);
    const applying = configFields().filter((f) => !['data.path', 'data.dataset', 'data.pattern', 'data.background', 'train.gpWeight', 'train.beganGamma', 'train.beganLambdaK', 'train.clip', 'train.steps', 'train.augmentOps', 'train.adaTarget', 'train.adaKimg'].includes(f.path));
    expect(names()).toEqual(applying.map((f) => f.path));
    expect(form.find('[name="train.instanceNoise"]').element.parentElement!.textContent).toMatch(/Sønderby et al\. 2016/);
    expect((form.find('[name="train.batchSize"]').element as HTMLInputElement).value).toBe('32');

    await form.find('[name="train.batchSize"]').setValue('64');
    await form.find('[name="model.channels"]').setValue('3');
    await form.find('[name="train.minutes"]').setValue('0');
    await form.setProps({ modelValue: form.emitted('update:modelValue')!.at(-1)![0] as ConfigDraft });
    await form.find('[name="train.steps"]').setValue('');
    const edits = form.emitted('update:modelValue')!.map((e) => e[0] as ConfigDraft);
    expect(edits[0].train.batchSize).toBe(64);
    expect(edits[1].model.channels).toBe(3);
    expect(edits[2].train.minutes).toBe(0);
    expect(edits[3].train.steps).toBe(''); // stays empty and invalid, never silently 0
    expect(fieldErrors(edits[3])).toHaveProperty(['train.steps']);
  });

  it('shows only the fields that apply to the chosen objective and data source', async () => {
    const form = mount(ConfigForm, { props: { modelValue: draftOf(), errors: {} } });
    await form.find('[data-action=advanced]').setValue(true);
    const shown = (path: string): boolean => form.find(`[name="${path}"]`).exists();
    expect([shown('train.clip'), shown('train.gpWeight'), shown('train.realLabel'), shown('data.path')]).toEqual([false, false, true, false]);
    const with_ = (group: 'train' | 'data', values: Record<string, unknown>) => form.setProps({ modelValue: { ...draftOf(), [group]: { ...draftOf()[group], ...values } } });
    await with_('train', { loss: 'wgan' });
    expect([shown('train.clip'), shown('train.gpWeight'), shown('train.realLabel')]).toEqual([true, false, false]);
    await with_('train', { loss: 'wgan-gp' });
    expect([shown('train.clip'), shown('train.gpWeight'), shown('train.realLabel')]).toEqual([false, true, false]);
    await with_('data', { source: 'folder' });
    expect([shown('data.path'), shown('data.pattern'), shown('data.background'), shown('data.dataset')]).toEqual([true, true, true, false]);
    await with_('data', { source: 'catalogue' });
    expect([shown('data.path'), shown('data.dataset')]).toEqual([false, true]);
  });

  it('shows the schema message beside an invalid field and opens its group', () => {
    const form = mount(ConfigForm, { props: { modelValue: draftOf(), errors: { 'model.imageSize': 'a DCGAN needs a power of two from 32 to 128' } } });
    expect(form.find('[data-test="error-model.imageSize"]').text()).toBe('a DCGAN needs a power of two from 32 to 128');
    expect(form.find('[name="model.imageSize"]').attributes('aria-invalid')).toBe('true');
    const model = form.findAll('details')[0];
    expect(model.attributes('open')).toBeDefined();
    expect(model.find('.badge').exists()).toBe(true);
    // an advanced field that needs a fix is shown although the advanced settings are closed
    const advanced = mount(ConfigForm, { props: { modelValue: draftOf(), errors: { 'optim.lrG': 'Too big' } } });
    expect(advanced.find('[name="optim.lrG"]').exists()).toBe(true);
    expect(advanced.find('[name="optim.lrD"]').exists()).toBe(false);
  });
});

describe('SampleGallery', () => {
  const samples = [0, 100, 200].map((step) => ({ step, file: `samples/step-${step}.png` }));

  it('follows the newest grid and scrubs back through earlier ones', async () => {
    const gallery = mount(SampleGallery, { props: { samples, pinned: null, pictureUrl: (f: string) => `/x/${f}` } });
    expect(gallery.find('img').attributes('src')).toBe('/x/samples/step-200.png');
    await gallery.find('input[type=range]').setValue('0');
    expect(gallery.emitted('pin')).toEqual([[0]]);
    await gallery.setProps({ pinned: 0 });
    expect(gallery.find('[data-test=sample-step]').text()).toBe('step 0');
    await gallery.find('input[type=range]').setValue('2');
    expect(gallery.emitted('pin')!.at(-1)).toEqual([null]); // the last snapshot means "follow"
  });

  it('says so when there is nothing yet', () => {
    expect(mount(SampleGallery, { props: { samples: [], pinned: null, pictureUrl: String } }).text()).toMatch(/No samples yet/);
  });
});

describe('MetricChart', () => {
  it('counts the points it draws', () => {
    const chart = mount(MetricChart, { props: { title: 'Losses', lines: [{ label: 'D', color: '#f00', points: [[1, 2], [2, 3]] }] } });
    expect(chart.find('figure').attributes('data-points')).toBe('2');
    expect(mount(MetricChart, { props: { title: 'Losses', lines: [] } }).text()).toMatch(/No points yet/);
  });
});

describe('TrainView', () => {
  it('refuses to start with an invalid field, then starts the edited preset', async () => {
    const studio = fakeStudio({ 'training:start': (r: { runId: string }) => ({ runId: r.runId, dir: `/ws/${r.runId}` }) });
    const view = mount(TrainView, { global: { plugins: [studio.pinia] } });
    await studio.connected;
    await settle();
    expect(view.find('[data-test=backend]').text()).toMatch(/wasm \(XNNPACK, SIMD, 2 threads\).*no GPU/);
    expect(view.find('[data-test=state-empty]').exists()).toBe(true);

    await view.find('[name="train.batchSize"]').setValue('0');
    expect(view.find('[data-test="error-train.batchSize"]').exists()).toBe(true);
    expect(view.find('[data-test=start]').attributes('disabled')).toBeDefined();
    await view.find('[name="train.batchSize"]').setValue('16');
    await view.find('[name=runId]').setValue('bad name!');
    expect(view.text()).toMatch(/Run name must be a run name/);
    await view.find('[name=runId]').setValue('mine');
    await view.find('[data-test=start]').trigger('click');
    await flushPromises();
    const start = studio.calls.find((c) => c.channel === 'training:start')!.payload as { runId: string; overrides: ConfigDraft };
    expect(start.runId).toBe('mine');
    expect(start).not.toHaveProperty('backend'); // auto: the studio's own choice
    expect(start.overrides.train.batchSize).toBe(16);
    expect(view.find('[data-test=status]').text()).toBe('starting');
    // the native backend's compiled step, once it settles: how the steps run, or why they fell back
    studio.emit('training:status', { runId: 'mine', status: 'running', step: 0, backend: { description: 'tensorflow', gpu: false } });
    await flushPromises();
    expect(view.find('[data-test=compiled-step]').exists()).toBe(false);
    studio.emit('training:status', { runId: 'mine', status: 'running', step: 2, backend: { description: 'tensorflow', gpu: false, compiled: 'op by op, because the recorded step did not run' } });
    await flushPromises();
    expect(view.find('[data-test=backend]').text()).toMatch(/Training on tensorflow — CPU, no GPU; op by op, because the recorded step did not run/);
    expect(view.find('[data-test=latest-scores]').exists()).toBe(false);
    studio.emit('training:quality', { runId: 'mine', step: 200, snapshot: true, quality: { space: 'mnist-classifier', samples: 256, reference: 1000, fid: 12.5, kid: 0.25, kidStd: 0.02, precision: 0.8, recall: 0.6, density: 1, coverage: 0.7, memorised: 0.01, diversity: 0.9, seconds: 2 } });
    await flushPromises();
    expect(view.find('[data-test=latest-scores]').text()).toBe('Quality at step 200: KID 0.250 ± 0.0200 · FID 12.5 · precision 0.80 · recall 0.60 · coverage 0.70 · memorised 1 %');
    expect(view.findAll('figcaption')[0].text()).toMatch(/^KID, lower is better \(our MNIST classifier/);
    expect(view.find('[data-test=alarms]').exists()).toBe(false);
    studio.emit('training:alarm', { runId: 'mine', step: 230, alarm: { kind: 'd-wins', message: 'D wins outright: it scored generated pictures below 0.01', advice: 'try a lower D learning rate' } });
    await flushPromises();
    expect(view.find('[data-test=alarms] [data-alarm=d-wins]').text()).toMatch(/^D wins outright step 230 ?.*Try: try a lower D learning rate$/);
    // A time budget's plan: the step count it aims at replaces the form's, and the plan is said.
    expect(view.find('[data-test=budget-plan]').exists()).toBe(false);
    studio.emit('training:progress', { runId: 'mine', step: 240, epoch: 1, lossD: 1, lossG: 1, dReal: 0.6, dFake: 0.4, stepMs: 190, imagesPerSec: 170, etaSeconds: 200, steps: 1234, budget: { steps: 1234, minutes: 4, secondsPerStep: 0.1904 } });
    await new Promise((r) => setTimeout(r, 50));
    await flushPromises();
    expect(view.find('[data-test=budget-plan]').text()).toBe('Time budget 4 min: 1,234 steps planned at 0.190 s per step on this machine');
    studio.emit('training:progress', { runId: 'mine', step: 240, epoch: 1, lossD: 1, lossG: 1, dReal: 0.6, dFake: 0.4, stepMs: 190, imagesPerSec: 170, etaSeconds: 200, steps: 1234, budget: { steps: 1234, minutes: 4, secondsPerStep: 0.1904, width: 40, minSteps: 4321 } });
    // The progress line redraws at most ten times a second.
    await vi.waitFor(() => expect(view.find('[data-test=budget-plan]').text()).toBe('Time budget 4 min: 1,234 steps planned at 0.190 s per step on this machine, at width 40 (the widest that trains 4,321 steps here)'), { timeout: 1000 });
    expect(view.find('[data-test=progress-text]').text()).toMatch(/240 \/ 1,?234/);

    studio.emit('training:status', { runId: 'mine', status: 'failed', step: 12, message: "folder '/p' holds no pictures", checkpoint: '/ws/mine/checkpoint.bin' });
    await flushPromises();
    expect(view.find('[data-test=state-error]').text()).toMatch(/holds no pictures[\s\S]*last checkpoint is kept at \/ws\/mine\/checkpoint.bin/);
  });

  it('lists the backends to train on, offers the native build where it is missing, and sends the one chosen', async () => {
    const probes = [
      { name: 'tensorflow', available: false, detail: 'no native build in /data/native' },
      { name: 'wasm', available: true, detail: '@tensorflow/tfjs-backend-wasm' },
      { name: 'cpu', available: true, detail: '@tensorflow/tfjs-backend-cpu' },
    ];
    const studio = fakeStudio({
      'studio:backend': () => ({ name: 'wasm', gpu: false, description: 'wasm (XNNPACK, SIMD, 2 threads)', probes }),
      'training:start': (r: { runId: string }) => ({ runId: r.runId, dir: `/ws/${r.runId}` }),
    });
    const view = mount(TrainView, { global: { plugins: [studio.pinia] } });
    await studio.connected;
    await settle();
    const options = view.findAll('[name=backend] option');
    expect(options.map((o) => [o.text(), o.attributes('disabled') !== undefined])).toEqual([['auto — wasm', false], ['tensorflow (not available)', true], ['wasm', false], ['cpu', false]]);
    expect(options[1].attributes('title')).toBe('no native build in /data/native');
    expect(view.find('[data-test=native-offer] a').attributes('href')).toBe('#/settings');

    await view.find('[name=runId]').setValue('on-cpu');
    await view.find('[name=backend]').setValue('cpu');
    await view.find('[data-test=start]').trigger('click');
    await flushPromises();
    expect(studio.calls.find((c) => c.channel === 'training:start')!.payload).toMatchObject({ runId: 'on-cpu', backend: 'cpu' });
  });
});

describe('RunsView', () => {
  it('shows an empty state before any run, with comparison off', async () => {
    const studio = fakeStudio();
    const view = mount(RunsView, { global: { plugins: [studio.pinia] } });
    await studio.connected;
    await settle();
    expect(view.find('[data-test=state-empty]').text()).toMatch(/No runs in this workspace yet/);
    expect(view.find('[data-test=compare]').attributes('disabled')).toBeDefined();
  });
});

describe('RunsView quality', () => {
  const scores = (step: number, space: FeatureSpaceId = 'general'): QualityScores => ({ space, samples: 256, reference: 1000, fid: 1000 / step, kid: step === 400 ? 0.01 : 1 / step, kidStd: 0.001, precision: 0.5, recall: 0.4, density: 0.9, coverage: 0.6, memorised: 0.02, diversity: 0.9, seconds: 3 });
  const summary = (runId: string, best: RunSummary['best']): RunSummary => ({ runId, preset: 'dcgan-64', dataset: 'emoji', status: 'finished', step: 600, steps: 600, lastSample: null, checkpoint: `/ws/${runId}/checkpoint.bin`, updatedAt: 1, best });
  const detail = (runId: string, space: FeatureSpaceId): RunDetail => ({
    summary: summary(runId, { step: 400, kid: 0.01, fid: 2.5, space }),
    config: presetConfig('dcgan-64'),
    series: { lossD: [], lossG: [], dReal: [], dFake: [], dFakeAfter: [], gradNormG: [], augmentP: [], convergence: [], beganK: [], imagesPerSec: [] },
    samples: [],
    quality: [200, 400, 600].map((step) => ({ step, quality: scores(step, space) })),
    snapshots: [{ step: 400, quality: scores(400, space), best: true }, { step: 600, quality: scores(600, space), best: false }],
    alarms: [{ step: 600, alarm: { kind: 'collapse', message: "the samples are collapsing: their diversity is 30 % of the training pictures'", advice: 'go back to the best snapshot' } }],
  });

  it("lists each run's best score, charts its quality, marks the best snapshot and opens a snapshot in the lab", async () => {
    const studio = fakeStudio({
      'runs:list': () => ({ runs: [summary('faces', { step: 400, kid: 0.01, fid: 2.5, space: 'general' }), summary('digits', { step: 600, kid: 0.5, fid: 9, space: 'faces' })] }),
      'runs:get': (r: { runId: string }) => detail(r.runId, r.runId === 'faces' ? 'general' : 'faces'),
      'lab:open': (r: { runId: string; snapshot?: number }) => ({ runId: r.runId, step: r.snapshot ?? 600, snapshot: r.snapshot, latentDim: 100, imageShape: [64, 64, 3], preset: 'dcgan-64', dataset: 'emoji', classes: [], ema: false }),
      'lab:sheet': () => ({ latents: [], images: [] }),
      'bookmarks:list': () => ({ bookmarks: [] }),
    });
    const view = mount(RunsView, { global: { plugins: [studio.pinia] } });
    await studio.connected;
    await settle();
    expect(view.find('[data-run=faces] [data-test=best]').text()).toBe('0.0100 (400)');
    expect(view.find('[data-run=faces] [data-test=best]').attributes('title')).toMatch(/FID 2.5; measured in MobileNetV3/);

    await view.find('[data-test=open-faces]').trigger('click');
    await settle();
    const captions = view.findAll('[data-test=run-detail] figcaption').map((c) => c.text());
    expect(captions[0]).toMatch(/^KID, lower is better \(MobileNetV3/);
    expect(captions[1]).toMatch(/Precision, recall and coverage/);
    expect(view.find('[data-test=alarms] [data-alarm=collapse]').text()).toMatch(/^Collapse step 600 ?the samples are collapsing: .*Try: go back to the best snapshot$/);
    const rows = view.findAll('[data-test=snapshots] tbody tr');
    expect(rows.map((r) => [r.attributes('data-snapshot'), r.classes('best')])).toEqual([['400', true], ['600', false]]);
    expect(rows[0].text()).toMatch(/★.*400.*KID 0\.0100 ± 0\.00100 · FID 2\.5/);

    await view.find('[data-test=lab-snapshot-400]').trigger('click');
    await settle();
    expect(studio.calls.find((c) => c.channel === 'lab:open')!.payload).toEqual({ runId: 'faces', snapshot: 400 });

    // Two runs scored in different feature spaces: their scores are not overlaid.
    await view.find('[aria-label="compare faces"]').setValue(true);
    await view.find('[aria-label="compare digits"]').setValue(true);
    await view.find('[data-test=compare]').trigger('click');
    await settle();
    expect(view.find('[data-test=comparison]').text()).toMatch(/not compared: they were measured in different feature spaces/);
    expect(view.findAll('[data-test=comparison] figcaption').map((c) => c.text()).some((t) => /KID/.test(t))).toBe(false);
  });
});

describe('RunExport', () => {
  it('exports the generator in the format chosen and films the training, showing what was written', async () => {
    const studio = fakeStudio({
      'runs:export': () => ({ file: 'runs/faces/exports/generator-900-toy', bytes: 3_600_000, step: 900, ema: true, bookmarks: { kept: 2, skipped: 0 } }),
      'runs:timelapse': () => ({ file: 'runs/faces/exports/timelapse-5.webm', frames: 19 }),
    });
    const view = mount(RunExport, { props: { runId: 'faces', hasSamples: true }, global: { plugins: [studio.pinia] } });
    await studio.connected;
    await view.find('[data-field=export-format]').setValue('toy');
    await view.find('[data-action=export-model]').trigger('click');
    await settle();
    expect(studio.calls.find((c) => c.channel === 'runs:export')?.payload).toEqual({ runId: 'faces', format: 'toy' });
    expect(view.find('[data-export-result]').text()).toBe('runs/faces/exports/generator-900-toy · 3.6 MB · step 900, weight average · 2 bookmarks');

    await view.find('[data-field=timelapse-format]').setValue('webm');
    await view.find('[data-action=export-timelapse]').trigger('click');
    await settle();
    expect(studio.calls.find((c) => c.channel === 'runs:timelapse')?.payload).toEqual({ runId: 'faces', format: 'webm', fps: 8 });
    expect(view.find('[data-test=timelapse-video]').attributes('src')).toBe('/runs/faces/exports/timelapse-5.webm?token=t');
    expect(view.find('[data-download=timelapse]').text()).toBe('WEBM, 19 frames');
  });

  it('shows why an export failed, and offers no timelapse before the run has samples', async () => {
    const studio = fakeStudio({ 'runs:export': () => ({ error: { code: 'internal', message: "operation 3 (Cumsum) of G has no ONNX export" } }) });
    const view = mount(RunExport, { props: { runId: 'faces', hasSamples: false }, global: { plugins: [studio.pinia] } });
    await studio.connected;
    await view.find('[data-action=export-model]').trigger('click');
    await settle();
    expect(view.text()).toMatch(/Cumsum\) of G has no ONNX export/);
    expect(view.find('[data-action=export-timelapse]').exists()).toBe(false);
  });
});

describe('ImportGenerator', () => {
  it('imports the file named as the run named, says what it read, and tells the view', async () => {
    const studio = fakeStudio({ 'runs:import-generator': () => ({ runId: 'torch-faces', format: 'onnx', latentDim: 100, classes: 0, imageShape: [64, 64, 3] }) });
    const view = mount(ImportGenerator, { global: { plugins: [studio.pinia] } });
    await studio.connected;
    expect(view.find('[data-action=import-generator]').attributes('disabled')).toBeDefined();
    await view.find('[name=generatorPath]').setValue('  /models/netG.onnx ');
    await view.find('[name=generatorRunId]').setValue('torch-faces');
    await view.find('[data-action=import-generator]').trigger('click');
    await settle();
    expect(studio.calls.find((c) => c.channel === 'runs:import-generator')?.payload).toEqual({ path: '/models/netG.onnx', runId: 'torch-faces' });
    expect(view.find('[data-import-result]').text()).toBe('torch-faces: ONNX, z of 100 → 64 × 64 × 3');
    expect(view.emitted('imported')).toEqual([['torch-faces']]);
  });

  it("shows the studio's refusal", async () => {
    const studio = fakeStudio({ 'runs:import-generator': () => ({ error: { code: 'invalid-request', message: "path: '/m/x.onnx' uses ONNX ops GAN Studio cannot run: Softplus" } }) });
    const view = mount(ImportGenerator, { global: { plugins: [studio.pinia] } });
    await studio.connected;
    await view.find('[name=generatorPath]').setValue('/m/x.onnx');
    await view.find('[name=generatorRunId]').setValue('x');
    await view.find('[data-action=import-generator]').trigger('click');
    await settle();
    expect(view.text()).toMatch(/cannot run: Softplus/);
    expect(view.emitted('imported')).toBeUndefined();
  });
});

describe('CollectPanel', () => {
  it('starts a collection from a page pattern, follows its job to the end line, cancels, and imports the folder', async () => {
    const studio = fakeStudio({
      'datasets:collect': () => ({ jobId: 7, dir: '/ws/collected/board' }),
      'jobs:cancel': () => ({ jobId: 7 }),
      'datasets:import': () => ({ jobId: 8, datasetId: 3 }),
    });
    const view = mount(CollectPanel, { global: { plugins: [studio.pinia] } });
    await studio.connected;
    await view.find('[name=collectName]').setValue('board');
    await view.find('[name=collectPattern]').setValue('https://board.example/posts?page={n}');
    await view.find('[name=collectPages]').setValue('2-4');
    await view.find('[name=collectSelect]').setValue('img.preview');
    await view.find('[name=collectDelay]').setValue('2');
    await view.find('form').trigger('submit');
    await settle();
    expect(studio.calls.find((c) => c.channel === 'datasets:collect')?.payload).toEqual({
      name: 'board', pagePattern: 'https://board.example/posts?page={n}', pages: '2-4', select: 'img.preview', delaySeconds: 2, allowPrivate: false,
    });
    const job = { jobId: 7, kind: 'collect' as const, title: "collecting 'board' from 3 pages", total: 3, cancellable: true };
    studio.emit('jobs:update', { ...job, done: 1, status: 'running' });
    studio.emit('jobs:update', { ...job, jobId: 99, done: 3, status: 'done' }); // another job: not this panel's
    await settle();
    expect(view.find('[data-test=collect-job]').text()).toMatch(/page 1 \/ 3/);
    expect(view.find('[data-action=collect]').attributes('disabled')).toBeDefined();
    await view.find('[data-action=cancel-collect]').trigger('click');
    await settle();
    expect(studio.calls.find((c) => c.channel === 'jobs:cancel')?.payload).toEqual({ jobId: 7 });
    studio.emit('jobs:update', { ...job, done: 2, status: 'cancelled', message: '5 pictures (0.4 MB) from 2 pages, 0 duplicates, 1 skipped, 0 failed' });
    await settle();
    expect(view.find('[data-test=collect-status]').text()).toBe('cancelled · 5 pictures (0.4 MB) from 2 pages, 0 duplicates, 1 skipped, 0 failed');
    await view.find('[data-action=import-collected]').trigger('click');
    await settle();
    expect(studio.calls.find((c) => c.channel === 'datasets:import')?.payload).toEqual({ name: 'board', dir: '/ws/collected/board' });
  });

  it('sends a list of pages and shows a refusal', async () => {
    const studio = fakeStudio({ 'datasets:collect': () => ({ error: { code: 'invalid-request', message: 'urls.1: must be an http(s) URL' } }) });
    const view = mount(CollectPanel, { global: { plugins: [studio.pinia] } });
    await studio.connected;
    await view.find('[name=collectName]').setValue('x');
    await view.findAll('[name=collectMode]')[1].setValue();
    await view.find('[name=collectUrls]').setValue('https://a.example/1\n ftp://b.example/2 ');
    await view.find('[name=collectAllowPrivate]').setValue(true);
    await view.find('form').trigger('submit');
    await settle();
    expect(studio.calls.find((c) => c.channel === 'datasets:collect')?.payload).toMatchObject({ urls: ['https://a.example/1', 'ftp://b.example/2'], allowPrivate: true });
    expect(view.text()).toMatch(/urls\.1: must be an http\(s\) URL/);
    expect(view.find('[data-test=collect-job]').exists()).toBe(false);
  });
});

describe('WhatDLearned', () => {
  const report = { step: 900, dataset: 'mnist-train', classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], trainCount: 5000, testCount: 2000, trained: { accuracy: 0.912, features: 576 }, pixels: { accuracy: 0.874, features: 784 }, untrained: { accuracy: 0.801, features: 576 }, majority: 0.113 };

  it("shows a run's kept probe, probes again, and draws D's filters and stages for the picture asked for", async () => {
    const studio = fakeStudio({
      'runs:probe': () => ({ ...report, step: 1200, trained: { accuracy: 0.93, features: 576 } }),
      'runs:inspect-d': () => ({ step: 1200, filters: 'data:image/png;base64,F', filterCount: { shown: 64, total: 64 }, picture: 'data:image/png;base64,P', stages: [{ shape: [14, 14, 16], shown: 16, image: 'data:image/png;base64,S1' }, { shape: [7, 7, 32], shown: 16, image: 'data:image/png;base64,S2' }] }),
    });
    const view = mount(WhatDLearned, { props: { runId: 'digits', probe: report }, global: { plugins: [studio.pinia] } });
    await studio.connected;
    const cells = (row: string) => view.findAll(`[data-row=${row}] td`).map((td) => td.text());
    expect(cells('trained')).toEqual(["this run's D", '576', '91.2 %']);
    expect(cells('pixels')).toEqual(['the pixels', '784', '87.4 %']);
    expect(cells('untrained')).toEqual(['the same D untrained', '576', '80.1 %']);
    expect(view.find('[data-row=majority]').text()).toMatch(/11\.3 %/);
    await view.find('[data-action=probe]').trigger('click');
    await settle();
    expect(studio.calls.find((c) => c.channel === 'runs:probe')?.payload).toEqual({ runId: 'digits' });
    expect(view.find('caption').text()).toMatch(/D at step 1200/);
    expect(view.find('[data-row=trained]').text()).toMatch(/93\.0 %/);

    await view.find('[name=inspectIndex]').setValue('7');
    await view.find('[data-action=inspect]').trigger('click');
    await settle();
    expect(studio.calls.find((c) => c.channel === 'runs:inspect-d')?.payload).toEqual({ runId: 'digits', index: 7 });
    expect(view.find('[data-test=filters]').attributes('src')).toBe('data:image/png;base64,F');
    expect(view.findAll('[data-test=stage] figcaption').map((f) => f.text())).toEqual(['stage 1: 14×14×16 (first 16)', 'stage 2: 7×7×32 (first 16)']);
  });

  it('says why a probe was refused', async () => {
    const studio = fakeStudio({ 'runs:probe': () => ({ error: { code: 'invalid-request', message: "the run's pictures ('faces') have no classes to probe with: label them in Datasets" } }) });
    const view = mount(WhatDLearned, { props: { runId: 'faces' }, global: { plugins: [studio.pinia] } });
    await studio.connected;
    expect(view.find('[data-test=probe-table]').exists()).toBe(false);
    await view.find('[data-action=probe]').trigger('click');
    await settle();
    expect(view.text()).toMatch(/have no classes to probe with/);
  });
});

describe('StepByStep', () => {
  const verdict = (network: 'D' | 'G', step: number) => ({
    network, step, d: { lossD: 1.2, dReal: 0.61, dFake: 0.32 }, ...(network === 'G' && { g: { lossG: 1.9, dFakeAfter: 0.35 } }),
    scores: [0.31, 0.12, 0.5], samples: ['data:image/png;base64,A', 'data:image/png;base64,B', 'data:image/png;base64,C'],
  });

  it("updates D, then G, shows D's verdict on each picture, and the saliency of the one clicked (again after each step)", async () => {
    const studio = fakeStudio({
      'training:step': (r: { network: 'D' | 'G' }) => verdict(r.network, r.network === 'D' ? 40 : 41),
      'training:saliency': (r: { index: number }) => ({ step: 41, score: 0.12, picture: `data:image/png;base64,P${r.index}`, overlay: `data:image/png;base64,O${r.index}` }),
    });
    const view = mount(StepByStep, { props: { runId: 'digits' }, global: { plugins: [studio.pinia] } });
    await studio.connected;
    expect(view.find('[data-action=step-g]').attributes('disabled')).toBeDefined(); // a step starts with D
    await view.find('[data-action=step-d]').trigger('click');
    await settle();
    expect(view.find('[data-test=step-said]').text()).toMatch(/after D's update: D loss 1\.20, D\(x\) 0\.610, D\(G\(z\)\) 0\.320/);
    expect(view.findAll('[data-test=judged] figcaption').map((f) => f.text())).toEqual(['0.310', '0.120', '0.500']);
    await view.findAll('[data-test=judged]')[1].trigger('click');
    await settle();
    expect(studio.calls.find((c) => c.channel === 'training:saliency')?.payload).toEqual({ runId: 'digits', index: 1 });
    expect(view.find('[data-test=overlay]').attributes('src')).toBe('data:image/png;base64,O1');
    await view.find('[data-action=step-g]').trigger('click');
    await settle();
    expect(studio.calls.filter((c) => c.channel === 'training:step').map((c) => c.payload)).toEqual([{ runId: 'digits', network: 'D' }, { runId: 'digits', network: 'G' }]);
    expect(view.find('[data-test=step-said]').text()).toMatch(/after G's update, step 41: .* G loss 1\.90, D\(G\(z\)\) now 0\.350/);
    expect(studio.calls.filter((c) => c.channel === 'training:saliency')).toHaveLength(2); // the picture looked at, seen again
    expect(view.find('[data-action=step-g]').attributes('disabled')).toBeDefined();
  });
});

describe('SweepsPanel', () => {
  const results = {
    spec: { name: 'losses', preset: 'mnist-quick', set: {}, grid: { 'train.loss': ['hinge', 'wgan-gp'] }, seeds: 2, sampleSeed: 1, parallel: 1, score: 'kid' },
    cells: [
      { index: 0, runId: 'losses-000', point: { 'train.loss': 'hinge' }, seed: 1, status: 'finished', step: 800, best: { score: 0.02, step: 800 } },
      { index: 1, runId: 'losses-001', point: { 'train.loss': 'hinge' }, seed: 2, status: 'finished', step: 800, best: { score: 0.04, step: 600 } },
      { index: 2, runId: 'losses-002', point: { 'train.loss': 'wgan-gp' }, seed: 1, status: 'running', step: 300, best: null },
      { index: 3, runId: 'losses-003', point: { 'train.loss': 'wgan-gp' }, seed: 2, status: 'waiting', step: 0, best: null },
    ],
    rows: [
      { point: { 'train.loss': 'hinge' }, runs: 2, measured: 2, mean: 0.03, std: 0.0141, best: 0.02 },
      { point: { 'train.loss': 'wgan-gp' }, runs: 2, measured: 0, mean: null, std: null, best: null },
    ],
  };

  it("lists the workspace's sweeps and shows one's table (best KID, mean ± spread over seeds) and chart", async () => {
    const studio = fakeStudio({ 'sweeps:list': () => ({ sweeps: ['losses'] }), 'sweeps:results': () => results });
    const view = mount(SweepsPanel, { global: { plugins: [studio.pinia] } });
    await studio.connected;
    await settle();
    expect(studio.calls.find((c) => c.channel === 'sweeps:results')?.payload).toEqual({ name: 'losses' });
    const rows = view.findAll('[data-test=sweep-row]').map((r) => r.findAll('td').map((td) => td.text()));
    expect(rows).toEqual([['hinge', '2 / 2', '0.0300 ± 0.0141', '0.0200'], ['wgan-gp', '0 / 2', '— ± —', '—']]);
    expect(view.find('[data-test=sweep-cells]').text()).toBe('2 of 4 runs finished, 1 training (runs losses-000 … losses-003)');
    expect(view.findAll('[data-test=sweep-chart] circle')).toHaveLength(2); // the two measured seeds
    // each run's end refreshes the table
    const before = studio.calls.filter((c) => c.channel === 'sweeps:results').length;
    studio.emit('training:status', { runId: 'losses-002', status: 'finished', step: 800 });
    await settle();
    expect(studio.calls.filter((c) => c.channel === 'sweeps:results').length).toBe(before + 1);
  });

  it('starts a sweep from its spec, and names a spec that is not JSON or that the studio refuses', async () => {
    const studio = fakeStudio({
      'sweeps:list': () => ({ sweeps: [] }),
      'sweeps:start': (r: { spec: { name: string } }) => (r.spec.name === 'bad' ? { error: { code: 'invalid-request', message: "invalid config: train.los: is not a config field" } } : { jobId: 3, name: r.spec.name, runs: ['x-000'] }),
      'sweeps:results': () => results,
    });
    const view = mount(SweepsPanel, { global: { plugins: [studio.pinia] } });
    await studio.connected;
    await view.find('[name=sweepSpec]').setValue('{ not json');
    await view.find('[data-action=start-sweep]').trigger('click');
    await settle();
    expect(view.text()).toMatch(/the spec is not JSON/);
    await view.find('[name=sweepSpec]').setValue(JSON.stringify({ name: 'bad', grid: { 'train.los': [1] } }));
    await view.find('[data-action=start-sweep]').trigger('click');
    await settle();
    expect(view.text()).toMatch(/train\.los: is not a config field/);
    await view.find('[name=sweepSpec]').setValue(JSON.stringify({ name: 'x', grid: { 'train.loss': ['hinge'] } }));
    await view.find('[data-action=start-sweep]').trigger('click');
    await settle();
    expect(studio.calls.find((c) => c.channel === 'sweeps:start' && (c.payload as { spec: { name: string } }).spec.name === 'x')).toBeDefined();
    expect(view.emitted('started')).toHaveLength(1);
    expect(view.find('[data-test=sweep-table]').exists()).toBe(true);
  });
});
