import { mkdtempSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/main/engine/runtime/tf';
import { startBackend } from '../../src/main/engine/runtime/backend';
import { wasmThreadsInUse } from '../../src/main/engine/runtime/wasmThreads';

function nativeInstalled(): boolean {
  try {
    require.resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

describe('backend choice', () => {
  it('runs wasm on every core (the threaded XNNPACK build) and says so', async () => {
    const report = await startBackend('wasm');
    expect(tf.getBackend()).toBe('wasm');
    const threads = Math.min(os.availableParallelism(), 8);
    expect(wasmThreadsInUse()).toBe(threads);
    expect(report.description).toContain(`${threads} thread`);
    // the threaded build computes what the plain one does
    const y = tf.conv2d(tf.ones([1, 4, 4, 2]) as tf.Tensor4D, tf.ones([3, 3, 2, 1]) as tf.Tensor4D, 1, 'same');
    expect(Array.from(y.dataSync()).slice(0, 5)).toEqual([8, 12, 12, 8, 12]);
  });

  // Where tfjs-node is installed from npm it starts, and there is nothing to refuse. (A native build is hidden by
  // pointing the engine at an empty native folder.)
  it.skipIf(nativeInstalled())('refuses a named backend that cannot start, saying why, instead of silently using another', async () => {
    const saved = process.env.GAN_STUDIO_NATIVE_DIR;
    process.env.GAN_STUDIO_NATIVE_DIR = mkdtempSync(join(tmpdir(), 'no-native-'));
    try {
      await expect(startBackend('tensorflow')).rejects.toThrow(/backend 'tensorflow' cannot start: tensorflow: no native build in .*no-native-.* \(gan-studio native install builds one\); @tensorflow\/tfjs-node-gpu/);
    } finally {
      if (saved === undefined) delete process.env.GAN_STUDIO_NATIVE_DIR;
      else process.env.GAN_STUDIO_NATIVE_DIR = saved;
    }
  });

  it('auto picks the best that loads and lists what it tried', async () => {
    const report = await startBackend('auto');
    expect(['tensorflow', 'wasm']).toContain(report.name);
    expect(report.probes.at(-1)!.available).toBe(true);
  });
});
