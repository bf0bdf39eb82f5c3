/** Every run in the workspace, the one opened, and two runs side by side for comparison. */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { RunDetail, RunSummary } from '../../../shared/contract';
import { guarded as guard } from './guarded';
import { useStudioStore } from './studio';

export const useRunsStore = defineStore('runs', () => {
  const studio = useStudioStore();
  const runs = ref<RunSummary[]>([]);
  const loading = ref(false);
  const error = ref<string | null>(null);
  const opened = ref<RunDetail | null>(null);
  /** Run ids ticked for comparison (at most two) and their details once loaded. */
  const compareIds = ref<string[]>([]);
  const compared = ref<RunDetail[]>([]);
  let listening = false;

  function guarded<T>(work: () => Promise<T>): Promise<T | undefined> {
    loading.value = true;
    return guard(error, work, () => (loading.value = false));
  }

  async function refresh(): Promise<void> {
    if (!listening) {
      listening = true;
      // A run that starts or ends changes the list.
      studio.api().on('training:status', (s) => {
        if (['starting', 'stopped', 'finished', 'failed'].includes(s.status)) void refresh();
      });
    }
    await guarded(async () => (runs.value = (await studio.api().call('runs:list', {})).runs));
  }

  const open = (runId: string) => guarded(async () => (opened.value = await studio.api().call('runs:get', { runId })));

  function toggleCompare(runId: string): void {
    const ids = compareIds.value.includes(runId) ? compareIds.value.filter((id) => id !== runId) : [...compareIds.value, runId].slice(-2);
    compareIds.value = ids;
    compared.value = compared.value.filter((d) => ids.includes(d.summary.runId));
  }

  const compare = () => guarded(async () => (compared.value = await Promise.all(compareIds.value.map((runId) => studio.api().call('runs:get', { runId })))));

  return { runs, loading, error, opened, compareIds, compared, refresh, open, toggleCompare, compare };
});
