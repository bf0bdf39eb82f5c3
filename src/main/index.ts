/**
 * Electron entry: one secure window over the renderer, the app menu, the contract on ipcMain, run pictures on
 * the studio-run: protocol, runs in a workspace under the user's data folder (or where the user moved it).
 * The engine and services never import electron; this file and host/ipc.ts are the only glue.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, Menu, net, protocol, session, shell } from 'electron';
import { CONTENT_SECURITY_POLICY } from '../shared/csp';
import { PICTURE_SCHEME } from '../shared/picturePaths';
import { appPageMatcher, denyPermissions, lockNavigation } from './host/electronGuards';
import { broadcastToWindows, registerIpc } from './host/ipc';
import { requestPath } from './host/serverGuard';
import { readSettings, writeSettings } from './host/settings';
import { Studio } from './services/studio';

protocol.registerSchemesAsPrivileged([{ scheme: PICTURE_SCHEME, privileges: { standard: true, secure: true } }]);

const PAGE = join(__dirname, '../renderer/index.html');
const isAppPage = appPageMatcher(PAGE, process.env.ELECTRON_RENDERER_URL);

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    title: 'GAN Studio',
    webPreferences: {
      preload: join(__dirname, '../preload/index.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    },
  });
  if (process.env.ELECTRON_RENDERER_URL) void win.loadURL(process.env.ELECTRON_RENDERER_URL);
  else void win.loadFile(PAGE);
  return win;
}

async function pickFolder(title: string): Promise<string | null> {
  const parent = BrowserWindow.getFocusedWindow();
  const options = { title, properties: ['openDirectory', 'createDirectory'] as ('openDirectory' | 'createDirectory')[] };
  const result = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
  return result.canceled ? null : result.filePaths[0];
}

function buildMenu(studio: Studio): Menu {
  const chooseWorkspace = async (): Promise<void> => {
    const path = await pickFolder('Choose the workspace folder for runs');
    if (!path) return;
    const reply = await studio.handle('studio:set-workspace', { path });
    if (!reply.ok) dialog.showErrorBox('GAN Studio', reply.error.message);
    else BrowserWindow.getAllWindows().forEach((w) => w.webContents.reload());
  };
  return Menu.buildFromTemplate([
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    { label: 'File', submenu: [{ label: 'Choose Workspace Folder…', click: () => void chooseWorkspace() }, { type: 'separator' }, { role: 'quit' }] },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
    { role: 'help', submenu: [{ label: 'Workspace: show in file manager', click: () => void shell.openPath(studio.workspaceDir) }] },
  ]);
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  void app.whenReady().then(() => {
    const settingsFile = join(app.getPath('userData'), 'settings.json');
    const workspace = process.env.GAN_STUDIO_WORKSPACE ?? readSettings(settingsFile).workspace ?? join(app.getPath('userData'), 'runs');
    const studio = new Studio(workspace, 'auto', { kind: 'electron', pickFolder, saveWorkspace: (path) => writeSettings(settingsFile, { workspace: path }) });
    studio.subscribe((event, payload) => broadcastToWindows(BrowserWindow.getAllWindows().map((w) => w.webContents), event, payload));
    registerIpc(ipcMain, studio, isAppPage);
    denyPermissions(session.defaultSession);

    session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
      callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
    });
    protocol.handle(PICTURE_SCHEME, (request) => {
      // decoded and checked once, as the server does: a malformed or climbing path is refused, never thrown
      const url = new URL(request.url);
      const path = requestPath(`/${url.host}${url.pathname}`);
      if (path === undefined) return new Response('a malformed path', { status: 400 });
      const file = studio.pictureFile(path.slice(1));
      return file ? net.fetch(pathToFileURL(file).toString()) : new Response('not a run picture', { status: 404 });
    });
    Menu.setApplicationMenu(buildMenu(studio));
    createWindow();

    let quitting = false;
    app.on('before-quit', (event) => {
      if (quitting) return;
      // Trainings write their checkpoints before the app goes.
      event.preventDefault();
      quitting = true;
      void studio.stopAll().finally(() => app.quit());
    });
  });
  // Every window or frame the app ever makes stays on the app's page; links open in the user's browser.
  app.on('web-contents-created', (_event, contents) => lockNavigation(contents, isAppPage, (url) => void shell.openExternal(url)));
  app.on('second-instance', () => {
    const win = BrowserWindow.getAllWindows()[0];
    if (win?.isMinimized()) win.restore();
    win?.focus();
  });
  app.on('window-all-closed', () => app.quit());
}
