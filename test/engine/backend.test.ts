import os from 'node:os';
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/main/engine/tf';
import { startBackend } from '../../src/main/engine/backend';
import { wasmThreadsInUse } from '../../src/main/engine/wasmThreads';

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

  // Where tfjs-node is installed it starts, and there is nothing to refuse.
  it.skipIf(nativeInstalled())('refuses a named backend that cannot start, saying why, instead of silently using another', async () => {
    await expect(startBackend('tensorflow')).rejects.toThrow(/backend 'tensorflow' cannot start: tensorflow: @tensorflow\/tfjs-node-gpu/);
  });

  it('auto picks the best that loads and lists what it tried', async () => {
    const report = await startBackend('auto');
    expect(['tensorflow', 'wasm']).toContain(report.name);
    expect(report.probes.at(-1)!.available).toBe(true);
  });
});
