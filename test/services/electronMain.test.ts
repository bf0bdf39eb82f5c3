/** Electron's main glue under vi.mock('electron'): the secure window, CSP, the run-picture protocol, IPC, dialogs. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const h = vi.hoisted(() => ({
  lock: true,
  userData: '',
  windows: [] as { options: Record<string, unknown>; loaded: string[]; openHandler?: (d: { url: string }) => unknown; contentsEvents: Map<string, (e: { preventDefault(): void }, url: string) => void> }[],
  permissionRequest: undefined as undefined | ((wc: unknown, permission: string, cb: (granted: boolean) => void) => void),
  permissionCheck: undefined as undefined | ((...a: unknown[]) => boolean),
  appEvents: new Map<string, (...a: unknown[]) => void>(),
  ipc: new Map<string, (...a: unknown[]) => unknown>(),
  protocols: new Map<string, (req: { url: string }) => unknown>(),
  privileged: [] as unknown[],
  headerHooks: [] as ((details: unknown, cb: (r: unknown) => void) => void)[],
  fetched: [] as string[],
  quit: vi.fn(),
  dialogPaths: ['/home/me/pictures'],
}));

vi.mock('electron', () => {
  class BrowserWindow {
    static all: BrowserWindow[] = [];
    webContents = {
      setWindowOpenHandler: (fn: (d: { url: string }) => unknown) => (this.record.openHandler = fn),
      on: (name: string, fn: (e: { preventDefault(): void }, url: string) => void) => this.record.contentsEvents.set(name, fn),
      reload: vi.fn(), send: vi.fn(), isDestroyed: () => false,
    };
    record: (typeof h.windows)[number];
    constructor(options: Record<string, unknown>) {
      this.record = { options, loaded: [], contentsEvents: new Map() };
      h.windows.push(this.record);
      BrowserWindow.all.push(this);
      h.appEvents.get('web-contents-created')?.({}, this.webContents);
    }
    loadFile(f: string) { this.record.loaded.push(f); return Promise.resolve(); }
    loadURL(u: string) { this.record.loaded.push(u); return Promise.resolve(); }
    static getAllWindows() { return BrowserWindow.all; }
    static getFocusedWindow() { return null; }
  }
  return {
    app: {
      requestSingleInstanceLock: () => h.lock,
      whenReady: () => Promise.resolve(),
      getPath: () => h.userData,
      on: (name: string, fn: (...a: unknown[]) => void) => h.appEvents.set(name, fn),
      quit: h.quit,
    },
    BrowserWindow,
    ipcMain: { handle: (name: string, fn: (...a: unknown[]) => unknown) => h.ipc.set(name, fn) },
    protocol: { registerSchemesAsPrivileged: (s: unknown) => h.privileged.push(s), handle: (scheme: string, fn: (req: { url: string }) => unknown) => h.protocols.set(scheme, fn) },
    session: {
      defaultSession: {
        webRequest: { onHeadersReceived: (fn: (details: unknown, cb: (r: unknown) => void) => void) => h.headerHooks.push(fn) },
        setPermissionRequestHandler: (fn: typeof h.permissionRequest) => (h.permissionRequest = fn),
        setPermissionCheckHandler: (fn: typeof h.permissionCheck) => (h.permissionCheck = fn),
      },
    },
    net: { fetch: (url: string) => (h.fetched.push(url), new Response('png')) },
    Menu: { buildFromTemplate: (t: unknown) => t, setApplicationMenu: vi.fn() },
    dialog: { showOpenDialog: async () => ({ canceled: false, filePaths: h.dialogPaths }), showErrorBox: vi.fn() },
    shell: { openExternal: vi.fn(), openPath: vi.fn() },
  };
});

/** The built renderer's page, as the window loaded it. */
const appPage = (): string => pathToFileURL(h.windows[0].loaded[0]).href;
const fromApp = () => ({ senderFrame: { url: appPage(), parent: null } });

async function startMain(): Promise<void> {
  vi.resetModules();
  await import('../../src/main/index');
  await new Promise((r) => setTimeout(r, 20));
}

describe('Electron main', () => {
  beforeEach(() => {
    h.userData = mkdtempSync(join(tmpdir(), 'gan-electron-'));
    h.windows.length = 0;
    h.ipc.clear();
    h.protocols.clear();
    h.headerHooks.length = 0;
    h.fetched.length = 0;
    h.quit.mockClear();
    h.lock = true;
  });

  it('opens one locked-down window with the preload, and denies new windows', async () => {
    await startMain();
    expect(h.windows).toHaveLength(1);
    expect(h.windows[0].options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, preload: expect.stringMatching(/preload[/\\]index\.js$/) });
    expect(h.windows[0].loaded[0]).toMatch(/renderer[/\\]index\.html$/);
    expect(h.windows[0].openHandler!({ url: 'https://example.org' })).toEqual({ action: 'deny' });
  });

  it('adds the Content-Security-Policy to every response', async () => {
    await startMain();
    let headers: Record<string, string[]> = {};
    h.headerHooks[0]({ responseHeaders: { 'x-a': ['1'] } }, (r) => (headers = (r as { responseHeaders: Record<string, string[]> }).responseHeaders));
    expect(headers['x-a']).toEqual(['1']);
    expect(headers['Content-Security-Policy'][0]).toMatch(/^default-src 'self'; script-src 'self'/);
  });

  it('serves run pictures from the workspace and nothing else', async () => {
    await startMain();
    const handler = h.protocols.get('studio-run')!;
    expect(h.privileged).toContainEqual([{ scheme: 'studio-run', privileges: { standard: true, secure: true } }]);
    await handler({ url: 'studio-run://runs/my-run/samples/step-000010.png' });
    expect(h.fetched).toEqual([`file://${join(h.userData, 'runs', 'my-run', 'samples', 'step-000010.png')}`]);
    const refused = (await handler({ url: 'studio-run://runs/my-run/config.json' })) as Response;
    expect(refused.status).toBe(404);
    expect(((await handler({ url: 'studio-run://runs/%2E%2E/samples/step-1.png' })) as Response).status).toBe(404);
    expect(((await handler({ url: 'studio-run://runs/%/samples/step-1.png' })) as Response).status).toBe(400);
    expect(((await handler({ url: 'studio-run://runs/my-run%2F..%2F..%2Fsecret/samples/step-000010.png' })) as Response).status).toBe(400);
    expect(h.fetched).toHaveLength(1);
  });

  it('answers the contract on ipcMain with the desktop host and its folder dialog', async () => {
    await startMain();
    const invoke = (channel: string, payload: unknown) => h.ipc.get('studio:invoke')!(fromApp(), channel, payload);
    expect(await invoke('studio:info', {})).toMatchObject({ ok: true, value: { host: 'electron', canPickFolders: true, workspace: join(h.userData, 'runs') } });
    expect(await invoke('studio:pick-folder', { title: 'Pictures' })).toEqual({ ok: true, value: { path: '/home/me/pictures' } });
    expect(await invoke('fs:read', {})).toMatchObject({ ok: false, error: { code: 'unknown-channel' } });
  });

  it('answers IPC only from the app page in a top-level frame', async () => {
    await startMain();
    const invoke = h.ipc.get('studio:invoke')!;
    const refused = { ok: false, error: { code: 'unsupported', message: 'GAN Studio answers only its own page' } };
    expect(await invoke({ senderFrame: { url: 'https://evil.example/', parent: null } }, 'studio:info', {})).toEqual(refused);
    expect(await invoke({ senderFrame: { url: pathToFileURL('/tmp/dropped.html').href, parent: null } }, 'studio:info', {})).toEqual(refused);
    expect(await invoke({ senderFrame: { url: appPage(), parent: {} } }, 'studio:info', {})).toEqual(refused);
    expect(await invoke({ senderFrame: null }, 'studio:info', {})).toEqual(refused);
    expect(await invoke({}, 'studio:info', {})).toEqual(refused);
    expect(await invoke(fromApp(), 'studio:info', {})).toMatchObject({ ok: true });
  });

  it('keeps every window on the app page and denies every permission', async () => {
    await startMain();
    const events = h.windows[0].contentsEvents;
    const tryGo = (event: string, url: string): boolean => {
      const e = { preventDefault: vi.fn() };
      events.get(event)!(e, url);
      return e.preventDefault.mock.calls.length === 0;
    };
    for (const event of ['will-navigate', 'will-redirect']) {
      expect(tryGo(event, 'https://evil.example/'), event).toBe(false);
      expect(tryGo(event, pathToFileURL('/home/me/Downloads/dropped.html').href), event).toBe(false);
      expect(tryGo(event, 'not a url'), event).toBe(false);
      expect(tryGo(event, `${appPage()}#/runs`), event).toBe(true);
    }
    const granted: boolean[] = [];
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read']) h.permissionRequest!({}, permission, (g) => granted.push(g));
    expect(granted).toEqual([false, false, false, false]);
    expect(h.permissionCheck!({}, 'media')).toBe(false);
  });

  it('remembers a moved workspace for the next start', async () => {
    await startMain();
    const moved = mkdtempSync(join(tmpdir(), 'gan-moved-'));
    expect(await h.ipc.get('studio:invoke')!(fromApp(), 'studio:set-workspace', { path: moved })).toMatchObject({ ok: true });
    h.windows.length = 0;
    await startMain();
    expect(await h.ipc.get('studio:invoke')!(fromApp(), 'studio:info', {})).toMatchObject({ value: { workspace: moved } });
  });

  it('quits at once when another instance holds the lock', async () => {
    h.lock = false;
    await startMain();
    expect(h.quit).toHaveBeenCalled();
    expect(h.windows).toHaveLength(0);
  });
});
