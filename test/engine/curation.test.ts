import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/main/engine/runtime/tf';
import { startBackend } from '../../src/main/engine/runtime/backend';
import { scorePictures } from '../../src/main/engine/metrics/curation';
import { openFeatureSpace } from '../../src/main/engine/metrics/featureSpace';
import { loadRunGenerator } from '../../src/main/engine/training/generator';
import { trainRun } from '../../src/main/engine/training/run';
import { Rng } from '../../src/main/engine/training/rng';
import { tinyConfig, tinyData } from './tinyRun';

beforeAll(async () => {
  await startBackend('wasm');
});

describe('curation scores from a run', () => {
  it("finds the picture G drew: nearest a sample and easy to invert; a noise picture is far and hard; D's scores are probabilities", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'gan-curation-')), 'run');
    const config = tinyConfig({ steps: 10 });
    await trainRun({ dir, config });
    const g = loadRunGenerator(dir, { withDiscriminator: true });
    const space = openFeatureSpace('mnist-classifier');
    try {
      // The first of the fixed samples the scores compare with, a training digit, and noise.
      const drawn = g.generate(Rng.fromSeed(12345).normals(g.latentDim));
      const digit = (await tinyData(config)).images.subarray(0, 784);
      const noise = Rng.fromSeed(3).normals(784).map((v) => Math.max(-1, Math.min(1, v)));
      const pictures = new Float32Array([...drawn, ...digit, ...noise]);
      const before = tf.memory().numTensors;
      const progress: number[] = [];
      const s = await scorePictures(g, pictures, 3, { space, samples: 50, inversionSteps: 60, onProgress: (done, total) => progress.push(done / total) });
      expect(tf.memory().numTensors).toBe(before);
      expect(s.nearestSample[0]).toBeLessThan(1e-3);
      expect(s.nearestSample[2]).toBeGreaterThan(s.nearestSample[0] + 1);
      expect(s.inversionError[0]).toBeLessThan(s.inversionError[2]);
      for (const r of s.realness) {
        expect(r).toBeGreaterThan(0);
        expect(r).toBeLessThan(1);
      }
      expect(progress.at(-1)).toBe(1);
    } finally {
      space.dispose();
      g.dispose();
    }
  });

  it('refuses a conditional run', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'gan-curation-')), 'run');
    await trainRun({ dir, config: tinyConfig({ steps: 2 }, { classes: 10 }) });
    const g = loadRunGenerator(dir, { withDiscriminator: true });
    const space = openFeatureSpace('mnist-classifier');
    try {
      await expect(scorePictures(g, new Float32Array(784), 1, { space, samples: 50, inversionSteps: 1 })).rejects.toThrow(/unconditional run; this one is conditional/);
    } finally {
      space.dispose();
      g.dispose();
    }
  });
});
