/**
 * Electron entry: one secure window over the renderer, the contract on ipcMain, runs in the user's data folder.
 * The engine and services never import electron; this file and host/ipc.ts are the only glue.
 */
import { join } from 'node:path';
import { app, BrowserWindow, ipcMain } from 'electron';
import { broadcastToWindows, registerIpc } from './host/ipc';
import { TrainingService } from './services/training';

function createWindow(): void {
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
  else void win.loadFile(join(__dirname, '../renderer/index.html'));
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  void app.whenReady().then(() => {
    const training = new TrainingService(join(app.getPath('userData'), 'runs'));
    training.subscribe((event, payload) => broadcastToWindows(BrowserWindow.getAllWindows().map((w) => w.webContents), event, payload));
    registerIpc(ipcMain, training);
    createWindow();
  });
  app.on('second-instance', () => BrowserWindow.getAllWindows()[0]?.focus());
  app.on('window-all-closed', () => app.quit());
}
