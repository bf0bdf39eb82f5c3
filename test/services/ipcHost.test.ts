import { describe, expect, it } from 'vitest';
import type { IpcMain, WebContents } from 'electron';
import { broadcastToWindows, registerIpc } from '../../src/main/host/ipc';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Studio } from '../../src/main/services/studio';

describe('main process IPC glue', () => {
  it('routes the invoke channel to the service, which answers bad requests with typed errors', async () => {
    const handlers = new Map<string, (...a: unknown[]) => unknown>();
    const ipcMain = { handle: (name: string, fn: (...a: unknown[]) => unknown) => handlers.set(name, fn) } as unknown as IpcMain;
    registerIpc(ipcMain, new Studio(mkdtempSync(join(tmpdir(), 'gan-ipc-')), 'cpu', { kind: 'electron' }), (url) => url === 'file:///app/index.html');
    expect([...handlers.keys()]).toEqual(['studio:invoke']);
    const invoke = handlers.get('studio:invoke')!;
    const app = { senderFrame: { url: 'file:///app/index.html', parent: null } };
    await expect(invoke(app, 'training:stop', { runId: 'ghost' })).resolves.toMatchObject({ ok: false, error: { code: 'not-found' } });
    await expect(invoke(app, 'training:start', 42)).resolves.toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    expect(await invoke({ senderFrame: { url: 'file:///elsewhere.html', parent: null } }, 'training:stop', { runId: 'ghost' })).toMatchObject({ ok: false, error: { code: 'unsupported' } });
  });

  it('sends events to open windows only', () => {
    const sent: unknown[][] = [];
    const open = { isDestroyed: () => false, send: (...a: unknown[]) => sent.push(a) } as unknown as WebContents;
    const closed = { isDestroyed: () => true, send: () => { throw new Error('sent to a closed window'); } } as unknown as WebContents;
    broadcastToWindows([open, closed], 'training:status', { runId: 'r', status: 'running', step: 3 });
    expect(sent).toEqual([['studio:event', 'training:status', { runId: 'r', status: 'running', step: 3 }]]);
  });
});
