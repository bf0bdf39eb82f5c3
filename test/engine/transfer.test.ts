import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { startBackend } from '../../src/main/engine/runtime/backend';
import { loadCheckpoint } from '../../src/main/engine/training/checkpoint';
import { runLayout, trainRun } from '../../src/main/engine/training/run';
import { initFromRun } from '../../src/main/engine/training/transfer';
import { Trainer } from '../../src/main/engine/training/trainer';
import { tinyConfig, tinyData } from './tinyRun';

beforeAll(async () => {
  await startBackend('wasm');
});

const fresh = (): string => join(mkdtempSync(join(tmpdir(), 'gan-transfer-')), 'run');
const values = (t: Trainer, prefix: string): Map<string, number[]> =>
  new Map([...t.namedTensors()].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k, Array.from(v.dataSync())]));

describe("starting from another run's weights (train.init)", () => {
  it("copies G, D, their statistics and G's average, starts the optimisers afresh, and names a tensor that does not fit", async () => {
    const source = fresh();
    await trainRun({ dir: source, config: tinyConfig({ steps: 6, emaDecay: 0.9 }) });
    const saved = loadCheckpoint(runLayout(source).checkpoint).tensors;
    const config = tinyConfig({ steps: 6, emaDecay: 0.9, seed: 99 });
    const t = new Trainer(config, await tinyData(config));
    expect(initFromRun(t, source, undefined)).toEqual({ step: 6 });
    for (const prefix of ['G/', 'G.stats/', 'G.ema/', 'D/', 'D.stats/']) for (const [k, v] of values(t, prefix)) expect(v, k).toEqual(Array.from(saved.get(k)!));
    for (const [k, v] of values(t, 'adamD.m/')) expect(v.every((x) => x === 0), k).toBe(true);
    t.dispose();

    const wider = tinyConfig({ steps: 6 }, { width: 0.25 });
    const other = new Trainer(wider, await tinyData(wider));
    expect(() => initFromRun(other, source, undefined)).toThrow(/train\.init: tensor 'G\/fc\.weight' has \d+ values in '.*checkpoint\.bin', this model's has \d+ .*the two runs' models differ/);
    other.dispose();
  });

  it("with FreezeD keeps D's first layers as the source had them while the rest learns, and resumes exactly", async () => {
    const source = fresh();
    await trainRun({ dir: source, config: tinyConfig({ steps: 4 }) });
    const start = loadCheckpoint(runLayout(source).checkpoint).tensors;
    const dir = fresh();
    await trainRun({ dir, config: tinyConfig({ steps: 8, init: source, freezeD: 2 }), steps: 4 });
    await trainRun({ dir }); // resumed to 8
    const end = loadCheckpoint(runLayout(dir).checkpoint).tensors;
    const d = [...end.keys()].filter((k) => k.startsWith('D/'));
    const layerOf = (k: string): string => k.slice(2).split('.')[0];
    const layers = [...new Set(d.map(layerOf))];
    for (const k of d) {
      const kept = Array.from(end.get(k)!).every((v, i) => v === start.get(k)![i]);
      expect(kept, k).toBe(layers.indexOf(layerOf(k)) < 2);
    }
    expect([...end.keys()].some((k) => k.startsWith(`adamD.m/${layers[0]}.`)), 'a frozen layer has no optimiser state').toBe(false);
    const straight = fresh();
    await trainRun({ dir: straight, config: tinyConfig({ steps: 8, init: source, freezeD: 2 }) });
    const whole = loadCheckpoint(runLayout(straight).checkpoint).tensors;
    for (const [k, v] of end) expect(Array.from(v), k).toEqual(Array.from(whole.get(k)!));
  });

  it('refuses to freeze every layer of D', async () => {
    const config = tinyConfig({ freezeD: 50 });
    await expect(trainRun({ dir: fresh(), config })).rejects.toThrow(/train\.freezeD is 50, but D has only \d+ layers with weights/);
  });
});
