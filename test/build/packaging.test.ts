/**
 * electron-builder cannot run here (it downloads Electron), so its config is checked the way electron-builder
 * itself checks it before building, plus the facts our app depends on at run time.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { validateConfiguration } from 'app-builder-lib/out/util/config/config';
import { DebugLogger } from 'builder-util/out/DebugLogger';
import pkg from '../../package.json';

const config = load(readFileSync('electron-builder.yml', 'utf8')) as { files: string[]; asarUnpack: string[]; linux: { target: string[] }; win: { target: string }; mac: { target: string }};

/** A tiny glob test for the patterns we use: ** (any path) and * (one name part). */
const matches = (pattern: string, path: string): boolean =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*/g, '\0').replace(/\*/g, '[^/]*').replace(/\0/g, '.*')}$`).test(path);

describe('electron-builder config', () => {
  it("passes electron-builder's own schema validation", async () => {
    await expect(validateConfiguration(config as never, new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('builds Linux AppImage and deb, Windows NSIS and macOS dmg from the electron-vite output', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect([config.win.target, config.mac.target]).toEqual(['nsis', 'dmg']);
    expect(config.files.some((p) => matches(p, pkg.main.replace(/^\.\//, '')))).toBe(true);
  });

  it('unpacks every wasm file, the worker bundles and the native modules from the asar', () => {
    const wasmDir = 'node_modules/@tensorflow/tfjs-backend-wasm';
    const wasmFiles = ['dist', 'wasm-out'].flatMap((d) => readdirSync(join(wasmDir, d)).filter((f) => f.endsWith('.wasm') || f.endsWith('.worker.js')).map((f) => `${wasmDir}/${d}/${f}`));
    expect(wasmFiles.length).toBeGreaterThanOrEqual(4);
    for (const file of [...wasmFiles, 'out/main/trainingWorker.js', 'node_modules/sharp/lib/index.js', 'resources/mnist-classifier.bin', 'node_modules/@ffmpeg-installer/linux-x64/ffmpeg', 'resources/web-toy/toy.js']) {
      expect(config.asarUnpack.some((p) => matches(p, file)), file).toBe(true);
    }
  });

  it('ships renderer-only libraries as devDependencies (bundled once by vite, not copied again)', () => {
    for (const lib of ['vue', 'pinia', 'chart.js']) {
      expect(Object.keys(pkg.devDependencies)).toContain(lib);
      expect(Object.keys(pkg.dependencies)).not.toContain(lib);
    }
  });
});
