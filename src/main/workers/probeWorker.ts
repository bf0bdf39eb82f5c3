/** Tries every backend, starts the one training would use, reports them, and exits: main itself never loads tfjs. */
import { parentPort, workerData } from 'node:worker_threads';
import type { BackendInfo } from '../../shared/contract';
import { closeBackends, probeBackends, startBackend, type BackendName } from '../engine/runtime/backend';

const { backend } = workerData as { backend: BackendName | 'auto' };

probeBackends()
  .then(async (probes): Promise<BackendInfo> => {
    const r = await startBackend(backend);
    return { name: r.name, gpu: r.gpu, description: r.description, probes };
  })
  .then((info) => parentPort!.postMessage({ ok: true, info }), (err: unknown) => parentPort!.postMessage({ ok: false, message: err instanceof Error ? err.message : String(err) }))
  .finally(() => {
    closeBackends();
    parentPort!.close();
  });
