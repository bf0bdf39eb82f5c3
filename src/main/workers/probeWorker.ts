/** Tries every backend, starts the one training would use and reports them: main itself never loads tfjs. */
import { parentPort } from 'node:worker_threads';
import type { BackendInfo } from '../../shared/contract';
import { closeBackends, probeBackends, startBackend, type BackendName } from '../engine/runtime/backend';
import { serve } from './rpc';

export type ProbeApi = { probe: { args: { backend: BackendName | 'auto' }; progress: never; reply: BackendInfo } };

serve<ProbeApi>(parentPort!, {
  probe: async ({ backend }) => {
    try {
      const probes = await probeBackends();
      const r = await startBackend(backend);
      return { name: r.name, gpu: r.gpu, description: r.description, probes };
    } finally {
      closeBackends();
    }
  },
});
