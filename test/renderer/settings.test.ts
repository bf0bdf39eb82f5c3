// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import SettingsView from '../../src/renderer/src/views/SettingsView.vue';
import type { Responses } from '../../src/shared/contract';
import { fakeStudio, settle } from './fakeStudio';

describe('SettingsView', () => {
  it('lists the backends, offers the native build for each TensorFlow found, and shows its progress to the end', async () => {
    let built = false;
    const wheel = '/opt/pypi/files/tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl';
    const status = (): Responses['native:status'] => ({
      build: built ? { tensorflow: '2.21.0', source: wheel, gpu: false, builtAt: '2026-11-23T18:00:00Z', works: true, onGpu: false } : null,
      found: [{ path: wheel, version: '2.21.0', gpu: false }], looked: ['python3: import tensorflow'], cuda: null, building: null,
    });
    const { calls, emit, pinia } = fakeStudio({ 'native:status': status, 'native:install': () => ({ jobId: 1 }) });
    const view = mount(SettingsView, { global: { plugins: [pinia] } });
    await settle();
    expect(view.find('[data-test=native-build]').text()).toBe('Not built yet.');
    expect(view.text()).toContain('TensorFlow 2.21.0 (CPU)');

    await view.find('[data-action=build-native]').trigger('click');
    await flushPromises();
    expect(calls.filter((c) => c.channel === 'native:install').map((c) => c.payload)).toEqual([{ from: wheel }]);
    emit('native:progress', { jobId: 1, step: 3, steps: 4, what: 'compiling the binding', status: 'running' });
    await flushPromises();
    expect(view.find('[data-test=native-progress]').text()).toContain('step 3 of 4: compiling the binding');
    expect(view.find('[data-action=build-native]').attributes('disabled')).toBeDefined();

    built = true;
    const probesBefore = calls.filter((c) => c.channel === 'studio:backend').length;
    emit('native:progress', { jobId: 1, step: 4, steps: 4, what: 'built against TensorFlow 2.21.0', status: 'done' });
    await settle();
    expect(view.find('[data-test=native-build]').text()).toMatch(/Built against TensorFlow 2.21.0 \(CPU\) from .*loads and computes/);
    expect(calls.filter((c) => c.channel === 'studio:backend').length).toBe(probesBefore + 1); // the backend is probed again
  });

  it('says when a CUDA build computes on the CPU only, with the CUDA libraries found and missing', async () => {
    const wheel = '/w/tensorflow-2.18.1-cp312-cp312-manylinux_2_17_x86_64.whl';
    const { pinia } = fakeStudio({
      'native:status': (): Responses['native:status'] => ({
        build: { tensorflow: '2.18.1', source: wheel, gpu: true, builtAt: '2026-11-23T18:00:00Z', works: true, onGpu: false },
        found: [{ path: wheel, version: '2.18.1', gpu: true }], looked: [], building: null,
        cuda: { found: ['/usr/lib/python3/dist-packages/nvidia/cuda_runtime/lib/libcudart.so.12'], missing: ['libcudnn.so.9'] },
      }),
    });
    const view = mount(SettingsView, { global: { plugins: [pinia] } });
    await settle();
    expect(view.find('[data-test=native-build]').text()).toMatch(/\(CUDA-enabled\).*loads and computes — on the CPU only: TensorFlow sees no GPU/);
    expect(view.text()).toMatch(/CUDA libraries found: \/usr\/lib\/python3\/dist-packages\/nvidia\/cuda_runtime\/lib\/libcudart.so.12; missing: libcudnn.so.9/);
  });
});
