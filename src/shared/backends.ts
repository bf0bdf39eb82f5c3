/** The tfjs backends the engine can train on, fastest first (what 'auto' tries in turn). Runs everywhere. */
export const BACKEND_NAMES = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export type BackendChoice = BackendName | 'auto';
