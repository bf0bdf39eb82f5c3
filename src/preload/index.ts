/**
 * The renderer's only door to main: exactly the contract's channels and events (an allowlist), over two IPC
 * names. Everything else is refused here, and main validates every request again.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { CHANNELS, EVENTS, IPC_EVENT, IPC_INVOKE, type PreloadApi } from '../shared/channels';

export const studioApi: PreloadApi = {
  invoke(channel: string, payload: unknown): Promise<unknown> {
    if (!(CHANNELS as readonly string[]).includes(channel)) return Promise.reject(new Error(`channel '${channel}' is not part of the contract`));
    return ipcRenderer.invoke(IPC_INVOKE, channel, payload);
  },
  on(event: string, listener: (payload: unknown) => void): () => void {
    if (!(EVENTS as readonly string[]).includes(event)) throw new Error(`event '${event}' is not part of the contract`);
    const relay = (_e: IpcRendererEvent, name: string, payload: unknown): void => {
      if (name === event) listener(payload);
    };
    ipcRenderer.on(IPC_EVENT, relay);
    return () => ipcRenderer.removeListener(IPC_EVENT, relay);
  },
  pathForFile: (file) => webUtils.getPathForFile(file),
};

contextBridge.exposeInMainWorld('ganStudio', studioApi);
