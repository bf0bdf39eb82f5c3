/** Starts the backend training would use, reports it, and exits: main itself never loads tfjs. */
import { parentPort, workerData } from 'node:worker_threads';
import type { BackendInfo } from '../../shared/contract';
import { closeBackends, startBackend, type BackendName } from '../engine/backend';

const { backend } = workerData as { backend: BackendName | 'auto' };

startBackend(backend)
  .then((r): BackendInfo => ({ name: r.name, gpu: r.gpu, description: r.description, probes: r.probes }))
  .then((info) => parentPort!.postMessage({ ok: true, info }), (err: unknown) => parentPort!.postMessage({ ok: false, message: err instanceof Error ? err.message : String(err) }))
  .finally(() => {
    closeBackends();
    parentPort!.close();
  });
