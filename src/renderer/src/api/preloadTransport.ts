import type { PreloadApi } from '../../../shared/channels';
import { RUN_FILE_SCHEME } from '../../../shared/runFiles';
import type { Transport } from './client';

/** Electron: the preload's allowlisted API; pictures come over the app's studio-run: protocol. */
export function preloadTransport(api: PreloadApi): Transport {
  return {
    invoke: (channel, payload) => api.invoke(channel, payload),
    on: (event, listener) => api.on(event, listener),
    fileUrl: (path) => `${RUN_FILE_SCHEME}://${path}`,
    droppedPath: (file) => api.pathForFile(file) || undefined,
  };
}
