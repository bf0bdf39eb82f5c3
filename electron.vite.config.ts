import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import vue from '@vitejs/plugin-vue';
import pkg from './package.json';

const runtimeDeps = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.optionalDependencies)].map((d) => d.replace(/[/.]/g, '\\$&'));

/**
 * Main's dependencies stay in node_modules, except tfjs-core's ES-module files (its gradients): Node cannot
 * require() them, so they are bundled — the same second copy engine/tf.ts already handles under tsx.
 */
const external = [new RegExp(`^(?!@tensorflow/tfjs-core/dist/)(${runtimeDeps.join('|')})(/.*)?$`)];

export default defineConfig({
  main: {
    // Training, the backend probe and face cropping run in worker threads: each is its own entry beside index.js (workers/workers.ts).
    build: {
      externalizeDeps: false,
      rollupOptions: {
        external,
        input: {
          index: resolve(__dirname, 'src/main/index.ts'),
          trainingWorker: resolve(__dirname, 'src/main/workers/trainingWorker.ts'),
          probeWorker: resolve(__dirname, 'src/main/workers/probeWorker.ts'),
          cropWorker: resolve(__dirname, 'src/main/workers/cropWorker.ts'),
          latentWorker: resolve(__dirname, 'src/main/workers/latentWorker.ts'),
          nativeWorker: resolve(__dirname, 'src/main/workers/nativeWorker.ts'),
        },
      },
    },
  },
  preload: {
    // Sandboxed preloads must be CommonJS.
    build: { rollupOptions: { input: { index: resolve(__dirname, 'src/preload/index.ts') }, output: { format: 'cjs' } } },
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    build: { rollupOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } } },
    plugins: [vue()],
  },
});
