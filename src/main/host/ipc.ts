/** The contract on Electron's ipcMain: one invoke name for every channel, one send name for every event. */
import type { IpcMain, WebContents } from 'electron';
import { IPC_EVENT, IPC_INVOKE } from '../../shared/channels';
import type { EventName, Events } from '../../shared/contract';
import { isAppSender } from './electronGuards';
import type { ContractHandler } from './wsServer';

export function registerIpc(ipcMain: IpcMain, handler: ContractHandler, isAppPage: (url: string) => boolean): void {
  // Main validates every request (handler.handle never throws: bad input comes back as a typed error).
  ipcMain.handle(IPC_INVOKE, (event, channel: unknown, payload: unknown) => {
    if (!isAppSender(event, isAppPage)) return { ok: false, error: { code: 'unsupported', message: 'GAN Studio answers only its own page' } };
    return handler.handle(String(channel), payload);
  });
}

/** Sends an event to every window that is still open. */
export function broadcastToWindows<E extends EventName>(windows: WebContents[], event: E, payload: Events[E]): void {
  for (const w of windows) if (!w.isDestroyed()) w.send(IPC_EVENT, event, payload);
}
