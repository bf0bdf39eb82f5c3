/**
 * The web toy in Chromium, opened from file:// as someone would open the exported folder: it draws the studio's
 * pictures for the same latents, a sheet of samples, sliders that move the picture, slerp between the run's
 * bookmarks and the class picker of a conditional run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackend } from '../../src/main/engine/runtime/backend';
import { exportRunGenerator } from '../../src/main/engine/export/generatorExport';
import { loadRunGenerator } from '../../src/main/engine/training/generator';
import { Rng } from '../../src/main/engine/training/rng';
import { chromiumMissing, launch, shot } from './browser';

describe.skipIf(chromiumMissing)('the web toy in Chromium', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'gan-toy-')), 'digits');
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    execFileSync(process.execPath, ['bin/gan-studio.cjs', 'train', '--preset', 'mnist-cgan', '--out', dir, '--steps', '40', '--batch', '16', '--set', 'data.limit=200', '--backend', 'wasm'], { stdio: 'ignore' });
    await startBackend('cpu');
    const rng = Rng.fromSeed(4);
    const g = loadRunGenerator(dir);
    const oneHot = (k: number): number[] => Array.from({ length: 10 }, (_, i) => (i === k ? 1 : 0));
    const bookmarks = [{ name: 'a three', latent: Array.from(rng.normals(g.latentDim)), label: oneHot(3) }, { name: 'a seven', latent: Array.from(rng.normals(g.latentDim)), label: oneHot(7) }];
    g.dispose();
    exportRunGenerator(dir, { format: 'toy', bookmarks });
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(pathToFileURL(join(dir, 'exports', 'generator-40-toy', 'index.html')).href);
    await page.waitForSelector('body[data-state=ready], body[data-state=failed]', { timeout: 60_000 });
  }, 240_000);
  afterAll(() => browser?.close());

  const pixels = (selector: string): Promise<number[]> => page.evaluate((s) => {
    const c = document.querySelector(s) as HTMLCanvasElement;
    return Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data);
  }, selector);

  /** Moves a range input as a person dragging it would: its value, then an input event. */
  const slide = (selector: string, value: string): Promise<void> => page.$eval(selector, (el, v) => {
    (el as HTMLInputElement).value = v;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, value);

  it('draws what the studio draws for the same latents and labels, offline from file://', async () => {
    expect(await page.locator('#status').textContent()).toMatch(/16 samples in \d+ ms/);
    const g = loadRunGenerator(dir);
    const z = Array.from(Rng.fromSeed(9).normals(2 * g.latentDim));
    const labels = Array.from({ length: 20 }, (_, i) => (i === 2 || i === 15 ? 1 : 0));
    const studio = g.generate(Float32Array.from(z), Float32Array.from(labels));
    g.dispose();
    const toy = await page.evaluate(([zs, ls]) => (window as unknown as { toyApi: { generate(z: number[], l: number[]): number[] } }).toyApi.generate(zs, ls), [z, labels] as const);
    expect(toy).toHaveLength(studio.length);
    expect(toy.reduce((m, v, i) => Math.max(m, Math.abs(v - studio[i])), 0)).toBeLessThanOrEqual(1e-4);
    expect(existsSync(join(dir, 'exports', 'generator-40-toy', 'model', 'model.json'))).toBe(true);
  });

  it('shows a sheet, moves the picture with a slider, slerps between bookmarks and draws the class picked', async () => {
    expect(await page.locator('#sheet canvas').count()).toBe(16);
    const sheetPixels = await pixels('#sheet canvas:nth-child(2)');
    expect(new Set(sheetPixels).size).toBeGreaterThan(2); // a picture, not a flat square

    await page.click('#sheet canvas:nth-child(2)');
    const picked = await pixels('#current');
    await slide('#directions input', '3');
    expect(await pixels('#current')).not.toEqual(picked);

    await slide('#t', '0');
    const from = await pixels('#current');
    await slide('#t', '0.5');
    const halfway = await pixels('#current');
    await slide('#t', '1');
    const to = await pixels('#current');
    expect(halfway).not.toEqual(from);
    expect(halfway).not.toEqual(to);

    expect(await page.locator('#class option').count()).toBe(10);
    const before = await pixels('#sheet canvas:nth-child(1)');
    await page.selectOption('#class', '5');
    expect(await pixels('#sheet canvas:nth-child(1)')).not.toEqual(before);
    await shot(page, 'web-toy');
    expect(pageErrors).toEqual([]);
  });
});
