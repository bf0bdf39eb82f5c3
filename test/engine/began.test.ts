/**
 * BEGAN: the equilibrium controller's k_t and the convergence measure M against hand-computed values, D's output as
 * each picture's reconstruction error, and a training run in which k_t moves as the controller says, D's loss uses
 * it, and a checkpoint carries it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/main/engine/runtime/tf';
import { startBackend } from '../../src/main/engine/runtime/backend';
import { buildGan } from '../../src/main/engine/models';
import { Rng } from '../../src/main/engine/training/rng';
import { convergence, EquilibriumController, nextK } from '../../src/main/engine/training/equilibrium';
import { Trainer } from '../../src/main/engine/training/trainer';
import { loadCheckpoint, saveCheckpoint } from '../../src/main/engine/training/checkpoint';
import { runLayout } from '../../src/main/engine/training/run';
import { inferenceContext } from '../../src/main/engine/models/layers';
import { ConfigError, parseConfig } from '../../src/shared/config/schema';
import { presetConfig } from '../../src/shared/config/presets';
import type { Dataset } from '../../src/main/engine/data/dataset';
import { tinyConfig, tinyData } from './tinyRun';

describe('the equilibrium controller', () => {
  it('moves k by λ_k·(γ·L(x) − L(G(z))), clipped to [0, 1], and measures M = L(x) + |γ·L(x) − L(G(z))|', () => {
    expect(nextK(0.2, 0.1, 0.08, 0.5, 0.001)).toBeCloseTo(0.2 + 0.001 * (0.05 - 0.08), 12); // 0.19997
    expect(nextK(0.2, 0.4, 0.1, 0.7, 0.01)).toBeCloseTo(0.2 + 0.01 * (0.28 - 0.1), 12); // 0.2018
    expect(nextK(0.001, 0.1, 0.5, 0.5, 0.1)).toBe(0); // −0.044: clipped at 0
    expect(nextK(0.999, 1, 0, 0.5, 0.01)).toBe(1); // 1.004: clipped at 1
    expect(convergence(0.1, 0.08, 0.5)).toBeCloseTo(0.13, 12);
    expect(convergence(0.2, 0.3, 0.5)).toBeCloseTo(0.4, 12);

    const c = new EquilibriumController(0.5, 0.01);
    expect(c.observe(0.4, 0.1)).toEqual({ k: 0, convergence: 0.4 + 0.1 });
    expect(c.k).toBeCloseTo(0.001, 12);
    const second = c.observe(0.4, 0.35);
    expect(second.k).toBeCloseTo(0.001, 12); // the k this step used
    expect(c.k).toBe(0); // 0.001 + 0.01 × (0.2 − 0.35) < 0
    c.restore({ k: 0.25 });
    expect(c.state()).toEqual({ k: 0.25 });
  });

  it('goes with its auto-encoder D: one without the other is refused, naming the field', () => {
    expect(() => presetConfig('dcgan-64', { train: { loss: 'began' } })).toThrow(/model\.kind.*BEGAN's objective and its auto-encoder D go together/s);
    expect(() => presetConfig('began-64', { train: { loss: 'hinge' } })).toThrow(/train\.loss.*go together/s);
    expect(() => presetConfig('began-64', { model: { imageSize: 48 } })).toThrow(/model\.imageSize.*8 × a power of two/s);
    expect(() => parseConfig({ ...presetConfig('began-64'), train: { ...presetConfig('began-64').train, beganGamma: 0 } })).toThrow(ConfigError);
  });
});

/** MNIST digits padded from 28 to 32 px (BEGAN's sizes are 8 × a power of two), −1 around them. */
function padded(data: Dataset): Dataset {
  const images = new Float32Array(data.count * 32 * 32).fill(-1);
  for (let n = 0; n < data.count; n++) {
    for (let y = 0; y < 28; y++) images.set(data.images.subarray((n * 28 + y) * 28, (n * 28 + y + 1) * 28), n * 1024 + (y + 2) * 32 + 2);
  }
  return { ...data, images, shape: [32, 32, 1] };
}

describe('BEGAN training', () => {
  const config = tinyConfig({ loss: 'began', beganGamma: 0.5, beganLambdaK: 0.05, steps: 10 }, { kind: 'began', imageSize: 32, width: 4, dropout: 0 });
  let data: Dataset;
  beforeAll(async () => {
    await startBackend('wasm');
    data = padded(await tinyData(tinyConfig()));
  });

  it("D's output is each picture's mean absolute reconstruction error: with its weights zeroed it rebuilds 0, so L(x) = mean |x|", () => {
    const gan = buildGan(config.model, Rng.fromSeed(1));
    for (const v of gan.discriminator.params.trainable.values()) v.assign(tf.zerosLike(v));
    const x = tf.tensor4d(data.images.subarray(0, 3 * 1024), [3, 32, 32, 1]);
    const out = tf.tidy(() => gan.discriminator.apply(x, inferenceContext(Rng.fromSeed(0))));
    expect(out.shape).toEqual([3, 1]);
    const expected = [0, 1, 2].map((n) => data.images.subarray(n * 1024, (n + 1) * 1024).reduce((s, v) => s + Math.abs(v), 0) / 1024);
    const got = Array.from(out.dataSync());
    got.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
    expect(tf.tidy(() => gan.discriminator.features(x, inferenceContext(Rng.fromSeed(0)))).shape).toEqual([3, config.model.latentDim]);
    tf.dispose([x, out]);
    gan.generator.params.dispose();
    gan.discriminator.params.dispose();
  });

  it('moves k_t as the controller says, D minimises L(x) − k_t·L(G(z)), M is reported, tensors stay flat, a checkpoint keeps k_t', () => {
    const t = new Trainer(config, data);
    let k = 0;
    const before = tf.memory().numTensors;
    for (let i = 0; i < 6; i++) {
      const m = t.trainStep();
      expect(m.beganK).toBeCloseTo(k, 6);
      // the D loss of the step's only D update, at the k it used, from the means it reports (before the update)
      expect(m.lossD).toBeCloseTo(m.dReal - k * m.dFake, 5);
      expect(m.lossG).toBeGreaterThan(0);
      expect(m.convergence).toBeCloseTo(convergence(m.dReal, m.dFake, 0.5), 6);
      k = nextK(k, m.dReal, m.dFake, 0.5, 0.05);
      if (i === 0) expect(t.state().equilibrium!.k).toBeCloseTo(k, 6);
    }
    expect(k).toBeGreaterThan(0); // G's first pictures rebuild easily: γ·L(x) > L(G(z)), so k rose
    expect(tf.memory().numTensors).toBe(before);

    const dir = mkdtempSync(join(tmpdir(), 'began-'));
    saveCheckpoint(runLayout(dir).checkpoint, t);
    const next = t.trainStep();
    const resumed = new Trainer(config, data, loadCheckpoint(runLayout(dir).checkpoint));
    const again = resumed.trainStep();
    expect(again.beganK).toBeCloseTo(k, 6);
    expect(again.lossD).toBeCloseTo(next.lossD, 5);
    t.dispose();
    resumed.dispose();
  });
});
