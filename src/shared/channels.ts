/**
 * The contract's names alone — no schemas, no dependencies — for the preload's allowlist, which is bundled into
 * the sandboxed renderer side. `contract.ts` checks these lists against its schemas at compile time.
 */
export const CHANNELS = [
  'studio:info', 'studio:backend', 'studio:pick-folder', 'studio:set-workspace',
  'training:start', 'training:pause', 'training:resume', 'training:stop', 'training:step', 'training:saliency',
  'runs:list', 'runs:get', 'runs:continue', 'runs:export', 'runs:timelapse', 'runs:import-generator', 'runs:probe', 'runs:inspect-d', 'sweeps:start', 'sweeps:list', 'sweeps:results',
  'datasets:list', 'datasets:import', 'datasets:items', 'datasets:score', 'datasets:map', 'datasets:map-points', 'datasets:update', 'datasets:problems', 'jobs:cancel', 'jobs:list',
  'datasets:embedded', 'datasets:duplicates', 'datasets:collect', 'faces:preview', 'faces:crop',
  'lab:open', 'lab:sheet', 'lab:render', 'lab:directions', 'lab:export', 'lab:invert', 'lab:nearest',
  'bookmarks:list', 'bookmarks:add', 'bookmarks:delete', 'bookmarks:export', 'bookmarks:import',
  'native:status', 'native:install',
] as const;
export const EVENTS = ['training:progress', 'training:sample', 'training:quality', 'training:alarm', 'training:status', 'jobs:update', 'job:progress', 'lab:inversion', 'native:progress'] as const;

/** The two Electron IPC names everything travels on. */
export const IPC_INVOKE = 'studio:invoke';
export const IPC_EVENT = 'studio:event';

/** What the preload exposes on `window.ganStudio`: the renderer's Electron transport. */
export interface PreloadApi {
  invoke(channel: string, payload: unknown): Promise<unknown>;
  /** Subscribes to one event stream; returns the function that unsubscribes. */
  on(event: string, listener: (payload: unknown) => void): () => void;
  /** The path of a file or folder dropped on the window (Electron's webUtils; a browser page cannot know it). */
  pathForFile(file: File): string;
}
