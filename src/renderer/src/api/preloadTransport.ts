import type { PreloadApi } from '../../../shared/channels';
import { PICTURE_SCHEME } from '../../../shared/picturePaths';
import type { Transport } from './client';

/** Electron: the preload's allowlisted API; pictures come over the app's studio-run: protocol. */
export function preloadTransport(api: PreloadApi): Transport {
  return {
    invoke: (channel, payload) => api.invoke(channel, payload),
    on: (event, listener) => api.on(event, listener),
    fileUrl: (path) => `${PICTURE_SCHEME}://${path}`,
    droppedPath: (file) => api.pathForFile(file) || undefined,
  };
}
