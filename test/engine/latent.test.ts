import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/main/engine/runtime/tf';
import { startBackend } from '../../src/main/engine/runtime/backend';
import { principalDirections } from '../../src/main/engine/latent/directions';
import { invert } from '../../src/main/engine/latent/inversion';
import { latentView, spacesOf } from '../../src/main/engine/latent/space';
import { animatedGif, picturePngs, stripPng } from '../../src/main/engine/latent/export';
import { nearestImages } from '../../src/main/engine/latent/nearest';
import sharp from 'sharp';
import { arithmetic, difference, interpolate, jitter, lerp, mean, moveAlong, slerp } from '../../src/shared/latent';
import { buildGan, generateImages } from '../../src/main/engine/models';
import { Rng } from '../../src/main/engine/training/rng';
import { tinyConfig } from './tinyRun';

const v = (...xs: number[]) => Float32Array.from(xs);
const norm = (x: Float32Array) => Math.hypot(...x);
const close = (a: Float32Array, b: number[], digits = 5) => [...a].forEach((x, i) => expect(x).toBeCloseTo(b[i], digits));

describe('latent vectors', () => {
  it('does the paper arithmetic on means of known vectors', () => {
    close(mean([v(1, 2), v(3, 6)]), [2, 4]);
    // A: glasses men (1, 1, 0) and (3, 1, 0); B: men (0, 1, 0); C: women (0, 0, 1) → (2, 0, 1): a woman with glasses
    close(arithmetic([v(1, 1, 0), v(3, 1, 0)], [v(0, 1, 0)], [v(0, 0, 1)]), [2, 0, 1]);
    close(difference([v(2, 2)], [v(1, 0), v(1, 2)]), [1, 1]);
    expect(() => arithmetic([v(1)], [], [v(1)])).toThrow(/at least one/);
    expect(() => mean([v(1), v(1, 2)])).toThrow(/different lengths/);
  });

  it('slerps along the sphere: endpoints kept, norm kept between endpoints of equal norm', () => {
    const rng = Rng.fromSeed(3);
    const a = rng.normals(100);
    const b0 = rng.normals(100);
    const b = b0.map((x) => (x * norm(a)) / norm(b0)); // same norm as a
    close(slerp(a, b, 0), [...a], 4);
    close(slerp(a, b, 1), [...b], 4);
    for (const t of [0.1, 0.25, 0.5, 0.9]) expect(norm(slerp(a, b, t))).toBeCloseTo(norm(a), 3);
    // the straight line cuts inside the sphere
    expect(norm(lerp(a, b, 0.5))).toBeLessThan(norm(a) * 0.9);
    close(slerp(v(1, 0), v(2, 0), 0.5), [1.5, 0]); // parallel: falls back to the line
  });

  it('interpolates through several points, each one reached', () => {
    const path = interpolate([v(0, 0), v(4, 0), v(4, 4)], 5, 'linear');
    expect(path.map((p) => [...p])).toEqual([[0, 0], [2, 0], [4, 0], [4, 2], [4, 4]]);
    expect(() => interpolate([v(0)], 4, 'linear')).toThrow(/two or more/);
    expect(interpolate([v(1, 0), v(0, 1)], 9, 'spherical').every((p) => Math.abs(norm(p) - 1) < 1e-5)).toBe(true);
  });

  it('moves along directions and jitters within ±amplitude, the first copy untouched', () => {
    close(moveAlong(v(1, 1), [v(1, 0), v(0, 2)], [2, -1]), [3, -1]);
    const rng = Rng.fromSeed(1);
    const grid = jitter(v(0, 0, 0), 9, 0.25, () => rng.uniform());
    expect(grid).toHaveLength(9);
    close(grid[0], [0, 0, 0]);
    const all = grid.slice(1).flatMap((g) => [...g]);
    expect(Math.max(...all.map(Math.abs))).toBeLessThanOrEqual(0.25);
    expect(new Set(all).size).toBeGreaterThan(20);
  });

  it('finds the nearest pictures by mean squared distance', () => {
    const images = v(0, 0, 1, 1, 0.5, 0.5, -1, -1);
    expect(nearestImages(images, 4, v(0.9, 0.9), 2)).toEqual([
      { index: 1, distance: expect.closeTo(0.01, 6) },
      { index: 2, distance: expect.closeTo(0.16, 6) },
    ]);
    expect(() => nearestImages(images, 3, v(0, 0), 1)).toThrow(/3 pictures of 2 values/);
  });
});

describe('exported pictures', () => {
  // four 28 × 28 grey frames, each a different shade
  const frames = Float32Array.from({ length: 4 * 28 * 28 }, (_, i) => Math.floor(i / 784) / 2 - 0.75);
  it('writes a GIF that decodes to one frame per picture, enlarged, with its delays and looping', async () => {
    const meta = await sharp(await animatedGif(frames, [28, 28, 1], 120), { pages: -1 }).metadata();
    expect(meta).toMatchObject({ format: 'gif', pages: 4, pageHeight: 140, width: 140, loop: 0, delay: [120, 120, 120, 120] });
  });
  it('writes a strip of the frames side by side and one PNG per picture', async () => {
    expect(await sharp(await stripPng(frames, [28, 28, 1])).metadata()).toMatchObject({ width: 4 * 28 + 5 * 2, height: 32 });
    const pngs = await picturePngs(frames, [28, 28, 1]);
    expect(pngs).toHaveLength(4);
    const { data } = await sharp(pngs[3]).raw().toBuffer({ resolveWithObject: true });
    expect(data[0]).toBe(Math.round((0.75 + 1) * 127.5)); // the fourth shade
  });
});

describe('latent directions and inversion', () => {
  beforeAll(async () => {
    await startBackend('wasm');
  });

  it('finds the principal directions of a generator whose features are a known linear map of z', () => {
    // features = z · diag(5, 3, 1, 0.5, …): the first component is z's first axis (σ 5), the second its second.
    const scales = tf.tensor1d([5, 3, 1, 0.5, 0.25, 0.1]);
    const generator = { features: (z: tf.Tensor) => tf.mul(z, scales) };
    const before = tf.memory().numTensors;
    const dirs = principalDirections(generator, 6, { count: 3, samples: 4000, seed: 2 });
    expect(tf.memory().numTensors).toBe(before);
    expect(dirs).toHaveLength(3);
    expect(dirs[0].explained).toBeGreaterThan(dirs[1].explained);
    expect(dirs[0].explained).toBeCloseTo(25 / (25 + 9 + 1 + 0.25 + 0.0625 + 0.01), 1);
    // one slider unit = one σ of z along that axis (z ~ N(0, 1)): a unit vector on the axis, positive
    expect(dirs[0].vector[0]).toBeCloseTo(1, 1);
    expect(Math.hypot(...dirs[0].vector.slice(1))).toBeLessThan(0.1);
    expect(dirs[1].vector[1]).toBeCloseTo(1, 1);
    scales.dispose();
  });

  it('gives directions for a real DCGAN, in the latent space, most variance first', () => {
    const gan = buildGan(tinyConfig({}, { kind: 'dcgan', imageSize: 32, width: 4, latentDim: 16 }).model, Rng.fromSeed(1));
    const dirs = principalDirections(gan.generator, 16, { count: 4, samples: 256, seed: 1 });
    expect(dirs.map((d) => d.vector.length)).toEqual([16, 16, 16, 16]);
    expect(dirs.every((d, i) => i === 0 || d.explained <= dirs[i - 1].explained)).toBe(true);
    expect(dirs[0].explained).toBeGreaterThan(0);
    expect(principalDirections(gan.generator, 16, { count: 4, samples: 256, seed: 1 })[0].vector).toEqual(dirs[0].vector); // seeded
    gan.generator.params.dispose();
    gan.discriminator.params.dispose();
  });

  it("works in a style-based G's w: mapped latents draw G's pictures of their z, directions and inversion move w", async () => {
    const gan = buildGan(tinyConfig({}, { kind: 'style', imageSize: 32, width: 1, latentDim: 8 }).model, Rng.fromSeed(4));
    const before = tf.memory().numTensors;
    const inW = latentView(gan, 'w', 1);
    const w = inW.draw(Rng.fromSeed(2), 3);
    const z = Rng.fromSeed(2).normals(3 * 8);
    expect(Array.from(w)).not.toEqual(Array.from(z));
    const [fromW, fromZ] = [generateImages(inW.gan, w), generateImages(gan, z)];
    expect(Math.max(...fromW.map((v, i) => Math.abs(v - fromZ[i])))).toBeLessThan(1e-5);
    expect(spacesOf(gan)).toEqual(['z', 'w']);
    const dcgan = buildGan(tinyConfig().model, Rng.fromSeed(1));
    expect(spacesOf(dcgan)).toEqual(['z']);
    expect(() => latentView(dcgan, 'w', 1)).toThrow(/no w space: only a style-based G/);
    dcgan.generator.params.dispose();
    dcgan.discriminator.params.dispose();

    const directions = principalDirections(inW.gan.generator, 8, { count: 2, samples: 200, seed: 1, draw: inW.draw });
    expect(directions.map((d) => d.vector.length)).toEqual([2, 2].map(() => 8));
    const truth = inW.draw(Rng.fromSeed(99), 1);
    const target = generateImages(inW.gan, truth);
    const found = await invert(inW.gan, target, { steps: 100, restarts: 2, learningRate: 0.05, featureWeight: 0, seed: 7, start: inW.draw });
    expect(found.error).toBeLessThan(found.initialError / 4);
    expect(tf.memory().numTensors).toBe(before);
    gan.generator.params.dispose();
    gan.discriminator.params.dispose();
  });

  it('inverts a picture the generator drew: the error falls ≥ 10×, tensors are all released', async () => {
    const gan = buildGan(tinyConfig({}, { width: 0.25, latentDim: 8 }).model, Rng.fromSeed(4));
    const truth = Rng.fromSeed(99).normals(8);
    const target = generateImages(gan, truth);
    const before = tf.memory().numTensors;
    const seen: number[] = [];
    const result = await invert(gan, target, { steps: 150, restarts: 4, learningRate: 0.05, featureWeight: 0, seed: 7, onProgress: (p) => seen.push(p.step) });
    expect(tf.memory().numTensors).toBe(before);
    expect(result.error).toBeLessThan(result.initialError / 10);
    expect(seen.at(-1)).toBe(150);
    expect(result.latent).toHaveLength(8);
    // the picture of the found latent is the one asked for
    const again = generateImages(gan, result.latent);
    const mse = again.reduce((s, x, i) => s + (x - target[i]) ** 2, 0) / again.length;
    expect(mse).toBeCloseTo(result.error, 4);

    const withFeatures = await invert(gan, target, { steps: 20, restarts: 2, learningRate: 0.05, featureWeight: 0.5, seed: 7 });
    expect(withFeatures.error).toBeLessThan(withFeatures.initialError);
    expect(tf.memory().numTensors).toBe(before);

    const controller = new AbortController();
    controller.abort();
    expect((await invert(gan, target, { steps: 100, restarts: 1, learningRate: 0.05, featureWeight: 0, seed: 1, signal: controller.signal })).cancelled).toBe(true);
    await expect(invert(gan, target.subarray(1), { steps: 1, restarts: 1, learningRate: 0.1, featureWeight: 0, seed: 1 })).rejects.toThrow(/783 values, the generator draws 28×28×1/);
    gan.generator.params.dispose();
    gan.discriminator.params.dispose();
  });
});
