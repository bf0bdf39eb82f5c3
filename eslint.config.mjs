import tseslint from 'typescript-eslint';

/**
 * The house's arrows (README, Layout): an import only ever points down
 *   renderer → shared · preload → shared · host / index / cli → services → workers → engine, catalogue, collect → shared
 * Each room below lists the rooms it may not reach; an upward arrow fails lint, so CI catches it.
 */
const ELECTRON = { name: 'electron', allowTypeImports: true, message: 'only src/main/index.ts, src/main/host and src/preload may use electron (types are fine)' };
const room = (name) => [`**/${name}`, `**/${name}/**`];

function forbid(files, rooms, why, extra = {}) {
  return {
    files,
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: extra.paths ?? [ELECTRON],
        patterns: [
          ...(rooms.length ? [{ group: rooms.flatMap(room), message: why }] : []),
          ...(extra.patterns ?? []),
        ],
      }],
    },
  };
}

const BROWSER = { group: ['node:*', 'fs', 'path', 'os', 'child_process', 'worker_threads'], message: 'shared and renderer code must run in a browser' };
const NO_ELECTRON = { name: 'electron', message: 'the renderer reaches main only through the contract' };

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', 'runs/**', 'test-output/**', '.venv-tensorboard/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-restricted-imports': ['error', { paths: [ELECTRON] }],
    },
  },
  forbid(['src/main/engine/**'], ['services', 'host', 'workers', 'catalogue', 'collect', 'cli'], 'the engine sits below services, hosts, workers, the catalogue and the collector: it may not import them'),
  forbid(['src/main/catalogue/**', 'src/main/native/**', 'src/main/collect/**'], ['services', 'host', 'workers', 'cli'], 'the catalogue, the native build and the collector sit below services, hosts and workers: they may not import them'),
  forbid(['src/main/workers/**'], ['services', 'host', 'cli'], 'workers sit below services and hosts: they may not import them'),
  forbid(['src/main/services/**'], ['host', 'cli'], 'services sit below hosts and the command line: they may not import them'),
  forbid(['src/shared/**'], ['main', 'renderer', 'preload'], 'shared runs everywhere: it imports nothing of main, the renderer or the preload', { paths: [NO_ELECTRON], patterns: [BROWSER] }),
  forbid(['src/renderer/**'], ['main', 'preload'], 'the renderer reaches main only through the contract in shared', { paths: [NO_ELECTRON], patterns: [BROWSER] }),
  {
    files: ['src/main/index.ts', 'src/preload/**'],
    rules: { '@typescript-eslint/no-restricted-imports': 'off' },
  },
  {
    // host/ is the Electron and server glue: it may use electron, and reaches services but not the command line
    ...forbid(['src/main/host/**'], ['cli'], 'hosts do not import the command line', { paths: [] }),
  },
  {
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
