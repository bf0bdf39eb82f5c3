// @vitest-environment happy-dom
import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import JobsIndicator from '../../src/renderer/src/components/JobsIndicator.vue';
import type { JobInfo } from '../../src/shared/contract';
import { fakeStudio } from './fakeStudio';

const job = (jobId: number, over: Partial<JobInfo> = {}): JobInfo => ({ jobId, kind: 'import', title: `import of 'set ${jobId}'`, done: 5, total: 20, status: 'running', cancellable: true, ...over });
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('the jobs indicator', () => {
  it('lists the running jobs of every kind, follows their updates, and cancels one', async () => {
    const studio = fakeStudio({ 'jobs:list': () => ({ jobs: [job(1), job(2, { kind: 'native-build', title: 'native build', cancellable: false, done: 1, total: 4 })] }), 'jobs:cancel': (r: { jobId: number }) => r });
    await studio.connected;
    const indicator = mount(JobsIndicator, { global: { plugins: [studio.pinia] } });
    await settle();
    expect(indicator.find('[data-action=jobs]').text()).toBe('2 jobs running');
    await indicator.find('[data-action=jobs]').trigger('click');
    expect(indicator.findAll('li .title').map((t) => t.text())).toEqual(["import of 'set 1'", 'native build']);
    expect(indicator.find('[data-job="1"] .pct').text()).toBe('25 %');
    expect(indicator.find('[data-job="2"] [data-action=cancel-job]').exists()).toBe(false); // a build cannot be cancelled

    studio.emit('jobs:update', job(3, { kind: 'inversion', title: "inversion of 'a.png' on 'digits'", done: 0, total: 300 }));
    studio.emit('jobs:update', job(1, { done: 10 }));
    await settle();
    expect(indicator.find('[data-action=jobs]').text()).toBe('3 jobs running');
    expect(indicator.find('[data-job="1"] .pct').text()).toBe('50 %');

    await indicator.find('[data-job="3"] [data-action=cancel-job]').trigger('click');
    expect(studio.calls.at(-1)).toEqual({ channel: 'jobs:cancel', payload: { jobId: 3 } });
    studio.emit('jobs:update', job(3, { status: 'cancelled' }));
    studio.emit('jobs:update', job(1, { status: 'done' }));
    studio.emit('jobs:update', job(2, { status: 'done' }));
    await settle();
    expect(indicator.find('[data-test=jobs]').exists()).toBe(false);
  });
});
