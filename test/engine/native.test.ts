/**
 * The native tensorflow backend built by `gan-studio native install` (./studio test builds it once where the
 * machine has a TensorFlow wheel or package): its kernels agree with the cpu backend, and a run resumes on it
 * exactly. Where there is no build the suite is skipped, and its name says why.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/main/engine/runtime/tf';
import { closeBackends, startBackend } from '../../src/main/engine/runtime/backend';
import { loadCheckpoint, saveCheckpoint } from '../../src/main/engine/training/checkpoint';
import { currentNativeBuild, nativeRoot } from '../../src/main/engine/runtime/nativeBuild';
import { fusedBatchNormTraining } from '../../src/main/engine/runtime/kernels/nativeBatchNorm';
import { nativeKeepMask } from '../../src/main/engine/runtime/kernels/nativeDropout';
import { dropout } from '../../src/main/engine/models/layers';
import { Rng } from '../../src/main/engine/training/rng';
import { Trainer } from '../../src/main/engine/training/trainer';
import { LOSS_KINDS } from '../../src/shared/config/schema';
import { sourceFrom, wheelSource } from '../../src/main/native/locate';
import { batchNormResults, expectSameResults } from './batchNormForms';
import { ANY_D_LOSSES, tinyConfig, tinyData } from './tinyRun';

const build = currentNativeBuild();

describe('finding a TensorFlow to build against', () => {
  it('reads version and CPU / GPU from wheel names, and refuses what is not one', () => {
    expect(wheelSource('/w/tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl')).toEqual({ kind: 'wheel', path: '/w/tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl', version: '2.21.0', gpu: false });
    expect(wheelSource('/w/tensorflow-2.18.1-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl')).toMatchObject({ version: '2.18.1', gpu: true });
    expect(wheelSource('/w/tensorflow_hub-0.16.1-py2.py3-none-any.whl')).toBeUndefined();
    expect(wheelSource('/w/tensorflow_cpu-2.21.0-cp311-cp311-macosx_12_0_arm64.whl')).toBeUndefined();
    expect(() => sourceFrom('/no/such/tensorflow.whl')).toThrow(/--from: '\/no\/such\/tensorflow.whl' does not exist/);
    const notWheel = join(mkdtempSync(join(tmpdir(), 'tf-from-')), 'tensorflow.txt');
    writeFileSync(notWheel, 'x');
    expect(() => sourceFrom(notWheel)).toThrow(/is not a TensorFlow wheel for Linux x86-64/);
    expect(() => sourceFrom(tmpdir())).toThrow(/holds no TensorFlow C library/);
  });
});

const cc = spawnSync('cc', ['--version']).status === 0;

describe.skipIf(!cc)(`loading a CUDA build's libraries before TensorFlow${cc ? '' : ' — skipped: no C compiler to make a library'}`, () => {
  it('keeps a preloaded library where a later load by its soname alone finds it, and names a library that will not load', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gan-preload-'));
    writeFileSync(join(dir, 'probe.c'), 'int gan_studio_probe(void) { return 42; }\n');
    const built = spawnSync('cc', ['-shared', '-fPIC', '-Wl,-soname,libgs_probe.so.1', '-o', join(dir, 'libgs_probe.so.1'), join(dir, 'probe.c')], { encoding: 'utf8' });
    expect(built.status, built.stderr).toBe(0);
    // Node's dlopen of a plain library fails as "did not self-register" when the loader found it, "cannot open" when not.
    const script = `
      const { preloadLibrary } = require('./src/main/engine/runtime/nativeBuild.ts');
      const bySoname = () => { try { process.dlopen({ exports: {} }, 'libgs_probe.so.1'); } catch (e) { return /cannot open shared object/.test(e.message) ? 'not found' : 'found'; } };
      const before = bySoname();
      preloadLibrary(${JSON.stringify(join(dir, 'libgs_probe.so.1'))});
      let missing = null;
      try { preloadLibrary('/no/such/libcudnn.so.9'); } catch (e) { missing = e.message; }
      console.log(JSON.stringify({ before, after: bySoname(), missing }));`;
    const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(JSON.parse(r.stdout || '{}'), r.stderr).toEqual({ before: 'not found', after: 'found', missing: expect.stringMatching(/^cannot load \/no\/such\/libcudnn.so.9: .*No such file/) });
  }, 60_000);
});

const data = tinyData(tinyConfig());
/** Weights after `steps` training steps of the tiny DCGAN on `backend`, from the same seed. */
async function trainOn(backend: 'tensorflow' | 'cpu', steps: number): Promise<Map<string, Float32Array>> {
  await startBackend(backend);
  const t = new Trainer(tinyConfig({ steps }), await data);
  for (let i = 0; i < steps; i++) t.trainStep();
  const out = new Map([...t.namedTensors()].map(([k, v]) => [k, Float32Array.from(v.dataSync() as Float32Array)]));
  t.dispose();
  return out;
}

/**
 * What `steps` steps of the tiny DCGAN without dropout report (both losses, D(x), D(G(z))) on `backend`: the
 * native backend draws dropout's masks in TensorFlow (nativeDropout.ts), so backends agree without it. Not the
 * weights: a bias BatchNorm cancels has a true gradient of 0, and Adam turns each backend's rounding noise there
 * into a full step of either sign.
 */
async function metricsOn(backend: 'tensorflow' | 'cpu', steps: number): Promise<number[]> {
  await startBackend(backend);
  const t = new Trainer(tinyConfig({ steps }, { dropout: 0 }), await data);
  const out: number[] = [];
  for (let i = 0; i < steps; i++) {
    const m = t.trainStep();
    out.push(m.lossD, m.lossG!, m.dReal, m.dFake);
  }
  t.dispose();
  return out;
}

const maxDiff = (a: Map<string, Float32Array>, b: Map<string, Float32Array>): number =>
  Math.max(...[...a].map(([k, va]) => va.reduce((m, x, i) => Math.max(m, Math.abs(x - b.get(k)![i])), 0)));

describe.skipIf(!build)(`the native tensorflow backend${build ? '' : ` — skipped: no native build in ${nativeRoot()} (gan-studio native install; needs a TensorFlow wheel or package)`}`, () => {
  it('runs the kernels a DCGAN step needs within 1e-4 of the cpu backend', async () => {
    const ops = (): number[][] => tf.tidy(() => {
      const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 1);
      const w = tf.randomNormal([4, 4, 3, 5], 0, 0.1, 'float32', 2);
      const wt = tf.randomNormal([4, 4, 3, 5], 0, 0.1, 'float32', 3);
      const conv = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same');
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'))))([x, w]);
      const up = tf.conv2dTranspose(conv as tf.Tensor4D, wt as tf.Tensor4D, [2, 8, 8, 3], 2, 'same');
      const moments = tf.moments(up, [0, 1, 2]);
      return [conv, dx, dw, up, moments.mean, moments.variance, tf.leakyRelu(up, 0.2), tf.tanh(up), tf.sigmoid(up)].map((t) => Array.from(t.dataSync()));
    });
    await startBackend('tensorflow');
    expect(tf.getBackend()).toBe('tensorflow');
    const native = ops();
    await startBackend('cpu');
    const reference = ops();
    native.forEach((values, k) => values.forEach((v, i) => expect(Math.abs(v - reference[k][i]), `op ${k}, value ${i}`).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(reference[k][i])))));
    // three whole training steps compute the same
    const [nativeSteps, cpuSteps] = [await metricsOn('tensorflow', 3), await metricsOn('cpu', 3)];
    nativeSteps.forEach((v, i) => expect(Math.abs(v - cpuSteps[i]), `metric ${i}`).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(v))));
  }, 120_000);

  it('computes 1×1 convolutions and both their gradients as matrix products, as the cpu backend does — the sizes that crash oneDNN on AMD EPYC included', async () => {
    const pointwise = (cin: number, cout: number, pad: 'same' | 'valid'): number[][] => tf.tidy(() => {
      const x = tf.randomNormal([2, 7, 7, cin], 0, 1, 'float32', 4);
      const w = tf.randomNormal([1, 1, cin, cout], 0, 0.05, 'float32', 5);
      const conv = (a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, pad);
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(conv(a, b))))([x, w]);
      return [conv(x, w), dx, dw].map((t) => Array.from(t.dataSync()));
    });
    for (const [cin, cout, pad] of [[512, 1024, 'same'], [256, 2048, 'valid'], [3, 5, 'same']] as const) {
      await startBackend('tensorflow');
      const native = pointwise(cin, cout, pad); // (before: SIGFPE, the whole process gone, on Zen 4)
      await startBackend('cpu');
      const reference = pointwise(cin, cout, pad);
      native.forEach((values, k) => {
        let worst = 0;
        values.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - reference[k][i]) / Math.max(1, Math.abs(reference[k][i])))));
        expect(worst, `${cin} → ${cout} ${pad}, output ${k}`).toBeLessThanOrEqual(1e-4);
      });
    }
  }, 120_000);

  it('steps (what every ReLU gradient runs) as the cpu backend does, NaN and infinities included', async () => {
    const steps = (): number[][] => tf.tidy(() => {
      const x = tf.tensor1d([NaN, Infinity, -Infinity, 0, -0, 2, -3, 1e-30]);
      const dRelu = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.relu(a), tf.tensor1d([1, 2, 3, 4, 5, 6, 7, 8]))))(tf.tensor1d([-1, 1, 0, 2, -2, 3, -3, 4]));
      return [tf.step(x), tf.step(x, 0.3), tf.step(tf.tensor1d([-2, 0, 5], 'int32')), dRelu].map((t) => Array.from(t.dataSync()));
    });
    await startBackend('tensorflow');
    const native = steps();
    await startBackend('cpu');
    expect(native).toEqual(steps());
  });

  it("normalises a batch with TensorFlow's fused kernels as the written-out ops do: outputs, gradients, batch statistics, a gradient penalty's second derivative", async () => {
    await startBackend('tensorflow');
    for (const shape of [[6, 5], [3, 4, 4, 5]]) {
      const direct = fusedBatchNormTraining(tf.ones(shape), tf.ones([5]), tf.zeros([5]), 1e-5);
      expect(direct, `fused for shape ${shape}`).toBeDefined();
      tf.dispose([direct!.y, direct!.mean, direct!.variance]);
      expectSameResults(batchNormResults(shape, 'leanest'), batchNormResults(shape, 'written-out'), `shape ${shape}`);
    }
    expect(fusedBatchNormTraining(tf.zeros([2, 3, 4]), tf.ones([4]), tf.zeros([4]), 1e-5), 'rank 3 is not fused').toBeUndefined();
    await startBackend('cpu');
    expect(fusedBatchNormTraining(tf.zeros([2, 4]), tf.ones([4]), tf.zeros([4]), 1e-5), 'only on the native backend').toBeUndefined();
  }, 60_000);

  it('trains the DCGAN (BatchNorm in D) with every objective as the cpu backend does — gradient penalties included — leaking no tensor', async () => {
    const images = { ...(await data), images: Rng.fromSeed(3).normals(64 * 32 * 32).map(Math.tanh), shape: [32, 32, 1] as [number, number, number] };
    const weightsAfter = async (backend: 'tensorflow' | 'cpu', loss: (typeof LOSS_KINDS)[number]) => {
      await startBackend(backend);
      const t = new Trainer(tinyConfig({ loss }, { kind: 'dcgan', imageSize: 32, width: 4, dropout: 0 }), images);
      t.trainStep();
      const before = tf.memory().numTensors;
      t.trainStep();
      expect(tf.memory().numTensors, `${loss} on ${backend}`).toBe(before);
      const out = new Map([...t.namedTensors()].map(([k, v]) => [k, Float32Array.from(v.dataSync() as Float32Array)]));
      t.dispose();
      return out;
    };
    for (const loss of ANY_D_LOSSES) expect(maxDiff(await weightsAfter('tensorflow', loss), await weightsAfter('cpu', loss)), loss).toBeLessThanOrEqual(1e-4);
    closeBackends();
  }, 180_000);

  it('names the CUDA libraries of a build that did not load, and still computes (on the CPU)', () => {
    const root = mkdtempSync(join(tmpdir(), 'gan-native-cuda-'));
    writeFileSync(join(root, 'current.json'), JSON.stringify({ ...build, gpu: true, cudaLibraries: ['/no/such/libcudart.so.12'] }));
    const script = `
      const { startBackend } = require('./src/main/engine/runtime/backend.ts');
      startBackend('tensorflow').then((r) => console.log(JSON.stringify({ gpu: r.gpu, detail: r.probes[0].detail })));`;
    const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, GAN_STUDIO_NATIVE_DIR: root } });
    expect(JSON.parse(r.stdout.trim().split('\n').pop() || '{}'), r.stderr).toEqual({ gpu: false, detail: expect.stringMatching(/CUDA libraries that did not load, so no GPU: cannot load \/no\/such\/libcudart.so.12: .*No such file/) });
  }, 60_000);

  it("spreads Mean's and Sum's gradients on TensorFlow's side: nothing the size of their input is copied in from JavaScript", async () => {
    await startBackend('tensorflow');
    // made in JavaScript, and copied in at its first use: before we count
    const x = tf.tidy(() => tf.add(tf.randomNormal([4, 16, 16, 8], 0, 1, 'float32', 1), 0));
    const native = tf.backend() as unknown as { binding: Record<string, unknown> };
    const real = native.binding;
    let largest = 0;
    // Every tensor copied in from JavaScript passes through createTensor (a wrapper: the binding's methods are read-only).
    native.binding = new Proxy({}, {
      get: (_, key: string) => {
        const v = real[key] as (...a: unknown[]) => unknown;
        if (key === 'createTensor') return (shape: number[], ...rest: unknown[]) => ((largest = Math.max(largest, shape.reduce((a, b) => a * b, 1))), v.call(real, shape, ...rest));
        return typeof v === 'function' ? v.bind(real) : v;
      },
    });
    try {
      // a penalty's shape: the gradient of a mean and a sum, differentiated again
      const penalty = (a: tf.Tensor): tf.Scalar => tf.sum(tf.square(tf.grad((b: tf.Tensor) => tf.sum(tf.mean(tf.square(b), [0, 1, 2])))(a)));
      const twice = tf.tidy(() => Array.from(tf.grad(penalty)(x).dataSync()));
      // d/dx of Σ (2x / 1,024)² is 8x / 1,024²
      const expected = Array.from(tf.tidy(() => tf.mul(x, 8 / 1024 ** 2)).dataSync());
      twice.forEach((g, i) => expect(g).toBeCloseTo(expected[i], 9));
    } finally {
      native.binding = real;
      x.dispose();
    }
    expect(largest).toBeLessThan(4 * 16 * 16 * 8);
  });

  it("draws dropout's keep mask in TensorFlow: the share kept, the same mask for the same seed, another for another", async () => {
    await startBackend('tensorflow');
    const mask = (rate: number, seed: number): Float32Array => tf.tidy(() => nativeKeepMask([64, 32, 32], rate, seed)!.dataSync() as Float32Array);
    for (const rate of [0.25, 0.5]) {
      const m = mask(rate, 12345);
      expect(m.every((v) => v === 0 || v === 1)).toBe(true);
      const kept = m.reduce((a, b) => a + b, 0) / m.length;
      expect(Math.abs(kept - (1 - rate))).toBeLessThan(0.01); // 65,536 draws: σ of the share ≈ 0.002
    }
    const first = mask(0.5, 12345);
    expect(mask(0.5, 12345)).toEqual(first);
    const other = mask(0.5, 12346);
    const same = other.reduce((n, v, i) => n + (v === first[i] ? 1 : 0), 0) / other.length;
    expect(same).toBeGreaterThan(0.45); // independent masks agree on about half the units
    expect(same).toBeLessThan(0.55);
    // the layer scales what it keeps by 1 / (1 − rate), so the expected activation is unchanged
    const x = tf.ones([64, 32, 32]);
    const y = dropout(0.25)(x, { training: true, rng: Rng.fromSeed(1) }).dataSync();
    expect(new Set(y)).toEqual(new Set([0, Math.fround(4 / 3)]));
    x.dispose();
  });

  it('resumes a run exactly: 6 steps straight equal 3 + checkpoint + 3', async () => {
    await startBackend('tensorflow');
    const straight = await trainOn('tensorflow', 6);
    const config = tinyConfig({ steps: 6 });
    const first = new Trainer(config, await data);
    for (let i = 0; i < 3; i++) first.trainStep();
    const file = join(mkdtempSync(join(tmpdir(), 'gan-native-')), 'checkpoint.bin');
    saveCheckpoint(file, first);
    first.dispose();
    const resumed = new Trainer(config, await data, loadCheckpoint(file));
    for (let i = 0; i < 3; i++) resumed.trainStep();
    const after = new Map([...resumed.namedTensors()].map(([k, v]) => [k, Float32Array.from(v.dataSync() as Float32Array)]));
    resumed.dispose();
    expect(maxDiff(straight, after)).toBeLessThanOrEqual(1e-6);
    closeBackends();
  }, 120_000);

  it('lets a process end cleanly after its worker threads loaded TensorFlow and exited', () => {
    // Node unloads a finished worker's addons; TensorFlow's exit handlers then pointed into unmapped code, and
    // the process crashed as it ended (SIGSEGV) — after the probe worker had run, i.e. every studio session.
    const script = `
      const { startWorker } = require('./src/main/workers/workers.ts');
      const { WorkerClient } = require('./src/main/workers/rpc.ts');
      for (const tag of ['first', 'second']) {
        const probe = new WorkerClient(startWorker('probeWorker', {}));
        probe.call('probe', { backend: 'tensorflow' }).reply.then((info) => (console.log(tag, info.name), probe.worker.terminate()));
      }`;
    const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stdout.split('\n').sort()).toEqual(['', 'first tensorflow', 'second tensorflow']);
    expect({ status: r.status, signal: r.signal }).toEqual({ status: 0, signal: null });
  }, 90_000);
});
