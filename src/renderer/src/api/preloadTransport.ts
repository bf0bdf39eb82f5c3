import type { PreloadApi } from '../../../shared/channels';
import { RUN_FILE_SCHEME } from '../../../shared/runFiles';
import type { Transport } from './client';

/** Electron: the preload's allowlisted API; pictures come over the app's studio-run: protocol. */
export function preloadTransport(api: PreloadApi): Transport {
  return {
    invoke: (channel, payload) => api.invoke(channel, payload),
    on: (event, listener) => api.on(event, listener),
    pictureUrl: (runId, file) => `${RUN_FILE_SCHEME}://runs/${encodeURIComponent(runId)}/${file}`,
    thumbnailUrl: (hash) => `${RUN_FILE_SCHEME}://thumbnails/${hash}.webp`,
  };
}
