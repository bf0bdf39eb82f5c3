/** The connection to main and what it says about itself: host, workspace, backend. */
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { BackendInfo, Responses } from '../../../shared/contract';
import type { StudioClient } from '../api/client';
import type { ConnectionState } from '../api/webSocketTransport';

export const useStudioStore = defineStore('studio', () => {
  const client = shallowRef<StudioClient | null>(null);
  const info = ref<Responses['studio:info'] | null>(null);
  const backend = ref<BackendInfo | null>(null);
  const backendError = ref<string | null>(null);
  const error = ref<string | null>(null);
  const connection = ref<ConnectionState>('open');

  function api(): StudioClient {
    if (!client.value) throw new Error('the studio is not connected');
    return client.value;
  }

  async function connect(c: StudioClient): Promise<void> {
    client.value = c;
    try {
      info.value = await c.call('studio:info', {});
    } catch (err) {
      error.value = (err as Error).message;
    }
    // The probe starts a backend in a worker (a second or two): the page does not wait for it.
    void c.call('studio:backend', {}).then(
      (b) => (backend.value = b),
      (err: Error) => (backendError.value = err.message),
    );
  }

  /** Probes the backend again (after the native one was built). */
  async function reprobe(): Promise<void> {
    backend.value = null;
    backendError.value = null;
    try {
      backend.value = await api().call('studio:backend', {});
    } catch (err) {
      backendError.value = (err as Error).message;
    }
  }

  async function pickFolder(title: string): Promise<string | null> {
    return (await api().call('studio:pick-folder', { title })).path;
  }

  return { client, info, backend, backendError, error, connection, api, connect, reprobe, pickFolder };
});
