/** Every long job the studio runs (imports, crops, inversions, native builds), from the one jobs:update stream. */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { JobInfo } from '../../../shared/contract';
import { useStudioStore } from './studio';

export const useJobsStore = defineStore('jobs', () => {
  const studio = useStudioStore();
  const byId = ref(new Map<number, JobInfo>());
  const error = ref<string | null>(null);
  const running = computed(() => [...byId.value.values()].filter((j) => j.status === 'running').sort((a, b) => a.jobId - b.jobId));
  let stopListening: (() => void) | undefined;

  /** Lists what runs now, then follows every update; a job that ended leaves the list. */
  async function follow(): Promise<void> {
    stopListening ??= studio.api().on('jobs:update', (job) => {
      const next = new Map(byId.value);
      if (job.status === 'running') next.set(job.jobId, job);
      else next.delete(job.jobId);
      byId.value = next;
    });
    const { jobs } = await studio.api().call('jobs:list', {});
    byId.value = new Map(jobs.map((j) => [j.jobId, j]));
  }

  async function cancel(jobId: number): Promise<void> {
    error.value = null;
    try {
      await studio.api().call('jobs:cancel', { jobId });
    } catch (err) {
      error.value = (err as Error).message;
    }
  }

  return { running, error, follow, cancel };
});
