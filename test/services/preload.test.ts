import { beforeEach, describe, expect, it, vi } from 'vitest';

const listeners = new Map<string, Set<(...a: unknown[]) => void>>();
const exposed: Record<string, unknown> = {};
vi.mock('electron', () => ({
  webUtils: { getPathForFile: (f: { name: string }) => `/dropped/${f.name}` },
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => { exposed[key] = api; } },
  ipcRenderer: {
    invoke: vi.fn(async (...args: unknown[]) => ({ ok: true, value: args })),
    on: (name: string, fn: (...a: unknown[]) => void) => { (listeners.get(name) ?? listeners.set(name, new Set()).get(name)!).add(fn); },
    removeListener: (name: string, fn: (...a: unknown[]) => void) => { listeners.get(name)?.delete(fn); },
  },
}));

const { studioApi } = await import('../../src/preload/index');
const emit = (name: string, payload: unknown): void => listeners.get('studio:event')?.forEach((fn) => fn({}, name, payload));

describe('preload', () => {
  beforeEach(() => listeners.clear());

  it('exposes exactly the contract (and where a dropped file lives) through contextBridge', () => {
    expect(exposed.ganStudio).toBe(studioApi);
    expect(Object.keys(studioApi)).toEqual(['invoke', 'on', 'pathForFile']);
  });

  it('forwards contract channels to main and refuses any other', async () => {
    await expect(studioApi.invoke('training:pause', { runId: 'a' })).resolves.toEqual({ ok: true, value: ['studio:invoke', 'training:pause', { runId: 'a' }] });
    await expect(studioApi.invoke('fs:readFile', '/etc/passwd')).rejects.toThrow(/'fs:readFile' is not part of the contract/);
    expect(() => studioApi.on('shell:exec', () => {})).toThrow(/not part of the contract/);
  });

  it('delivers only the subscribed event, and nothing after unsubscribing', () => {
    const got: unknown[] = [];
    const off = studioApi.on('training:progress', (p) => got.push(p));
    emit('training:progress', { step: 1 });
    emit('training:status', { status: 'running' });
    off();
    emit('training:progress', { step: 2 });
    expect(got).toEqual([{ step: 1 }]);
    expect(listeners.get('studio:event')?.size).toBe(0);
  });
});
