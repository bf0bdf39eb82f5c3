/**
 * Step-by-step mode in the engine: a D update moves D alone and leaves the counter, a G update moves G alone and
 * completes the step (refused before any D update); D's verdict on the grid and its saliency map come out with the
 * shapes and ranges the Train view draws; a run records a step made by hand like any other.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/main/engine/runtime/tf';
import { startBackend } from '../../src/main/engine/runtime/backend';
import { trainRun } from '../../src/main/engine/training/run';
import type { StepMetrics } from '../../src/shared/metrics';
import { tinyConfig, tinyTrainer } from './tinyRun';

const values = (vars: Map<string, tf.Variable>): Float32Array[] => [...vars.values()].map((v) => Float32Array.from(v.dataSync() as Float32Array));
const moved = (a: Float32Array[], b: Float32Array[]): boolean => a.some((x, i) => x.some((v, j) => v !== b[i][j]));

describe('step-by-step mode', () => {
  beforeAll(async () => {
    await startBackend('wasm');
  });

  it('updates D alone, then G alone completing the step; G first is refused', async () => {
    const t = await tinyTrainer({}, { dropout: 0 });
    const G = t.gan.generator.params.trainable;
    const D = t.gan.discriminator.params.trainable;
    expect(() => t.stepGenerator()).toThrow('a step is a D update, then a G update: step D first');
    const [g0, d0] = [values(G), values(D)];
    const before = tf.memory().numTensors;
    const d = t.stepDiscriminator();
    expect(t.step).toBe(0);
    expect(moved(d0, values(D))).toBe(true);
    expect(moved(g0, values(G))).toBe(false);
    expect(d.dReal).toBeGreaterThan(0);
    expect(d.dReal).toBeLessThan(1);
    const [g1, d1] = [values(G), values(D)];
    const m = t.stepGenerator();
    expect(t.step).toBe(1);
    expect(m).toMatchObject({ step: 1, lossD: d.lossD, dReal: d.dReal, dFake: d.dFake });
    expect(m.lossG).toBeGreaterThan(0);
    expect(moved(g1, values(G))).toBe(true);
    expect(moved(d1, values(D))).toBe(false);
    expect(() => t.stepGenerator()).toThrow(/step D first/); // one G update per D update made by hand
    expect(tf.memory().numTensors).toBe(before);
    t.dispose();
  });

  it("gives D's verdict on each grid picture and a saliency map scaled to [0, 1]", async () => {
    const t = await tinyTrainer({}, { dropout: 0 });
    const before = tf.memory().numTensors;
    const judged = t.judgeSamples();
    expect(judged.scores).toHaveLength(4); // the tiny config's sampleCount
    expect(judged.scores.every((s) => s > 0 && s < 1)).toBe(true); // a probability for the BCE objective
    expect(judged.images.length).toBe(4 * 28 * 28);
    const s = t.saliency(2);
    expect(s.map.length).toBe(28 * 28);
    expect(Math.max(...s.map)).toBeCloseTo(1, 5);
    expect(Math.min(...s.map)).toBeGreaterThanOrEqual(0);
    expect(s.score).toBeCloseTo(judged.scores[2], 4);
    expect(() => t.saliency(4)).toThrow('index: the grid has 4 samples, not 5');
    expect(tf.memory().numTensors).toBe(before);
    t.dispose();
  });

  it('records a step made by hand in the run like any other', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'by-hand-')), 'run');
    let made: StepMetrics | undefined;
    await trainRun({
      dir, config: tinyConfig({ steps: 3 }), steps: 3,
      betweenSteps: async (trainer) => {
        if (trainer.step !== 1) return undefined;
        trainer.stepDiscriminator();
        trainer.stepDiscriminator(); // k = 2 this step
        return (made = trainer.stepGenerator());
      },
    });
    const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((l) => 'lossD' in l);
    expect(lines.map((l) => l.step)).toEqual([1, 2, 3]);
    expect(lines[1].lossD).toBeCloseTo(made!.lossD, 6);
    expect(lines[1].lossG).toBeCloseTo(made!.lossG!, 6);
  });
});
