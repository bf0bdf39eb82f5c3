/** A studio behind an in-memory transport: records calls, answers from handlers, emits events on demand. */
import { createPinia, setActivePinia } from 'pinia';
import { StudioClient, type Transport } from '../../src/renderer/src/api/client';
import { useStudioStore } from '../../src/renderer/src/stores/studio';
import type { Channel, ContractError, EventName, Events } from '../../src/shared/contract';

type Handler = (payload: never) => unknown;

export function fakeStudio(handlers: Partial<Record<Channel, Handler>> = {}) {
  const calls: { channel: string; payload: unknown }[] = [];
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const defaults: Partial<Record<Channel, Handler>> = {
    'studio:info': () => ({ version: '0.1.0', host: 'server', workspace: '/ws', canPickFolders: false }),
    'studio:backend': () => ({ name: 'wasm', gpu: false, description: 'wasm (XNNPACK, SIMD, 2 threads)', probes: [] }),
    'runs:list': () => ({ runs: [] }),
    'datasets:list': () => ({ datasets: [] }),
    'jobs:list': () => ({ jobs: [] }),
  };
  const transport: Transport = {
    async invoke(channel, payload) {
      calls.push({ channel, payload });
      const handler = handlers[channel as Channel] ?? defaults[channel as Channel];
      if (!handler) return { ok: false, error: { code: 'unknown-channel', message: `no fake for ${channel}` } };
      const value = handler(payload as never) as { error?: ContractError };
      return value && value.error ? { ok: false, error: value.error } : { ok: true, value };
    },
    on(event, listener) {
      const set = listeners.get(event) ?? listeners.set(event, new Set()).get(event)!;
      set.add(listener);
      return () => set.delete(listener);
    },
    fileUrl: (path) => `/${path}?token=t`,
    droppedPath: (file) => (file.name.startsWith('/') ? file.name : undefined),
  };
  const emit = <E extends EventName>(event: E, payload: Events[E]): void => listeners.get(event)?.forEach((fn) => fn(payload));
  const pinia = createPinia();
  setActivePinia(pinia);
  const connected = useStudioStore().connect(new StudioClient(transport));
  return { calls, emit, pinia, connected, listenerCount: (event: string) => listeners.get(event)?.size ?? 0 };
}

/** Waits for queued promises and one redraw (the stores redraw charts at most every 100 ms, on a frame). */
export const settle = () => new Promise((resolve) => setTimeout(resolve, 150));
