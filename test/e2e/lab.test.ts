/**
 * The latent lab in Chromium against `gan-studio serve`, on a run trained beforehand by the command line: bookmark
 * samples, fill the arithmetic's wells A, B and C and compute, move a slider and see the picture change,
 * interpolate and export a strip and a GIF, invert a picture, find a sample's nearest training digits, explore a
 * style-based run in w with truncation.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, openStudio, shot, type OpenStudio, type Served } from './browser';

describe.skipIf(chromiumMissing)('the latent lab in Chromium', () => {
  let served: Served;
  let studio: OpenStudio;
  let page: Page;
  let pageErrors: string[] = [];
  const workspace = mkdtempSync(join(tmpdir(), 'gan-e2e-lab-'));

  beforeAll(async () => {
    // 60 steps of mnist-quick: blurry digits, but different latents already draw different pictures
    for (const [preset, run, ...more] of [['mnist-quick', 'digits'], ['mnist-cgan', 'digits-by-class'], ['mnist-quick', 'digits-style', '--set', 'model.kind=style', '--set', 'model.imageSize=32', '--set', 'model.width=2']]) {
      execFileSync(process.execPath, ['bin/gan-studio.cjs', 'train', '--preset', preset, '--out', join(workspace, run), '--steps', '60', '--backend', 'wasm', ...more], { stdio: 'ignore' });
    }
    studio = await openStudio(workspace);
    ({ served, page, pageErrors } = studio);
  }, 180_000);
  afterAll(() => studio?.close());

  const sample = (i: number) => page.locator('[data-sample]').nth(i);
  const inspected = () => page.locator('[data-inspected]').getAttribute('src');

  it('bookmarks samples, computes A − B + C, moves a slider, interpolates and exports', async () => {
    await page.goto(`${served.url}#/runs`);
    await page.click('[data-test=open-digits]');
    await page.click('[data-test=open-in-lab]');
    await expect.poll(() => page.locator('[data-sample]').count(), { timeout: 30_000 }).toBe(16);
    // the run picker fills from the runs list, which may answer after the sheet on a loaded machine
    await expect.poll(() => page.locator('[data-field=lab-run]').inputValue(), { timeout: 10_000 }).toBe('digits');
    await shot(page, 'lab-1-sheet');

    // wells: two exemplars averaged in A (as the paper does), one in B, one in C
    for (const [i, well] of [[0, 'A'], [1, 'A'], [2, 'B'], [3, 'C']] as const) {
      await sample(i).click();
      await page.click(`[data-action=to-well-${well}]`);
    }
    await expect.poll(() => page.locator('[data-well=A] img').count()).toBe(2);
    await page.click('[data-action=compute-arithmetic]');
    await expect.poll(() => page.locator('[data-result] .grid img').count()).toBe(9);
    await page.click('[data-action=bookmark-result]');
    await sample(4).click();
    await page.fill('[data-field=bookmark-name]', 'four');
    await page.fill('[data-field=bookmark-tags]', 'digit, round');
    await page.click('[data-action=bookmark]');
    await expect.poll(() => page.locator('[data-bookmark]').count()).toBe(2);
    expect(await page.locator('[data-bookmark=four] .name').getAttribute('title')).toMatch(/sample, step 60, digit, round/);
    await shot(page, 'lab-2-arithmetic');

    // a slider moves the picture; reset brings it back
    await page.click('[data-action=find-directions]');
    await expect.poll(() => page.locator('[data-slider]').count(), { timeout: 30_000 }).toBe(6);
    await sample(5).click();
    await expect.poll(inspected).toMatch(/^data:image\/png/);
    const before = await inspected();
    await page.locator('[data-slider="0"] input.value').fill('3');
    await page.locator('[data-slider="0"] input.value').dispatchEvent('change');
    await expect.poll(inspected).not.toBe(before);
    await shot(page, 'lab-3-slider');
    await page.click('[data-action=reset-sliders]');
    await expect.poll(inspected).toBe(before);

    // interpolation between the two bookmarks, exported as a strip and a GIF the server hands out
    for (const name of ['four', 'mean(2 in A) − seed 0 #3 + seed 0 #4']) await page.locator(`[data-bookmark="${name}"] input[type=checkbox]`).check();
    await page.fill('[data-field=frames]', '6');
    await page.click('[data-action=interpolate]');
    await expect.poll(() => page.locator('[data-strip] img').count()).toBe(6);
    for (const [action, type] of [['export-strip', 'image/png'], ['export-gif', 'image/gif']] as const) {
      await page.click(`[data-action=${action}]`);
      await expect.poll(() => page.locator('[data-download=strip]').getAttribute('href')).toMatch(action === 'export-gif' ? /\.gif$/ : /\.png$/); // the cookie authenticates it: no token in the link
      const response = await page.request.get(new URL((await page.locator('[data-download=strip]').getAttribute('href'))!, served.url).toString());
      expect(response.status()).toBe(200);
      expect(response.headers()['content-type']).toBe(type);
    }
    await page.click('[data-action=export-bookmarks]');
    await expect.poll(() => page.locator('[data-download=bookmarks]').count()).toBe(1);
    await shot(page, 'lab-4-strip');
  });

  it('inverts a picture and finds the nearest training digits', async () => {
    const picture = join(workspace, 'target.png');
    writeFileSync(picture, Buffer.from((await sample(7).getAttribute('src'))!.split(',')[1], 'base64'));
    await page.fill('[data-field=invert-target]', picture);
    await page.fill('[data-field=feature-weight]', '0.1');
    await page.click('[data-action=invert]');
    await expect.poll(() => page.textContent('[data-inversion]'), { timeout: 60_000 }).toMatch(/done · step 300 \/ 300 · error [\d.]+ \(from [\d.]+\)/);
    const [, error, from] = /error ([\d.]+) \(from ([\d.]+)\)/.exec((await page.textContent('[data-inversion]'))!)!.map(Number);
    expect(error).toBeLessThan(from / 10); // the picture was drawn by this generator: its latent can be found
    await page.click('[data-action=inspect-inversion]');
    await page.click('[data-action=nearest]');
    await expect.poll(() => page.locator('[data-neighbours] img').count(), { timeout: 60_000 }).toBe(8);
    await shot(page, 'lab-5-inversion');
  });

  it('draws a conditional run as the class chosen and morphs a sample into another class', async () => {
    await page.selectOption('[data-field=lab-run]', 'digits-by-class');
    await expect.poll(() => page.locator('[data-field=lab-class] option').count(), { timeout: 30_000 }).toBe(10);
    const before = await sample(0).getAttribute('src');
    await page.selectOption('[data-field=lab-class]', '7');
    await expect.poll(() => sample(0).getAttribute('src')).not.toBe(before);
    await sample(0).click();
    await page.selectOption('[data-field=morph-class]', '1');
    await page.click('[data-action=morph]');
    await expect.poll(() => page.locator('[data-strip] img').count()).toBe(8);
    const frames = await page.locator('[data-strip] img').evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).src));
    expect(new Set(frames).size).toBeGreaterThan(1);
    await shot(page, 'lab-6-classes');
  });

  it("explores a style-based run in w and draws its sheet again at a lower ψ", async () => {
    const previous = await sample(0).getAttribute('src');
    await page.selectOption('[data-field=lab-run]', 'digits-style');
    await expect.poll(() => page.locator('[data-field=lab-space] option').count(), { timeout: 30_000 }).toBe(2);
    await expect.poll(() => sample(0).getAttribute('src'), { timeout: 30_000 }).not.toBe(previous); // the style run's own sheet
    const inZ = await sample(0).getAttribute('src');
    await page.selectOption('[data-field=lab-space]', 'w');
    await expect.poll(() => page.textContent('.toolbar'), { timeout: 30_000 }).toMatch(/w of 64/);
    await expect.poll(() => sample(0).getAttribute('src'), { timeout: 30_000 }).toBe(inZ); // the same seed: w = mapping(z) draws the same picture
    await page.locator('[data-field=lab-truncation]').evaluate((el) => {
      (el as HTMLInputElement).value = '0';
      el.dispatchEvent(new Event('change'));
    });
    await expect.poll(() => page.textContent('[data-test=lab-truncation]'), { timeout: 30_000 }).toBe('0.00');
    await expect.poll(async () => new Set(await page.locator('[data-sample]').evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).src))).size, { timeout: 30_000 }).toBe(1); // ψ 0: every latent at w's mean
    await shot(page, 'lab-7-w-space');
  });

  it('shows the backends and the native TensorFlow build in Settings', async () => {
    await page.click('[data-nav=settings]');
    await expect.poll(() => page.locator('[data-probe]').count(), { timeout: 30_000 }).toBe(3);
    expect(await page.textContent('[data-test=backend-running]')).toMatch(/Training runs on wasm/); // the server was started with --backend wasm
    await expect.poll(() => page.textContent('[data-test=native-build]'), { timeout: 30_000 }).toMatch(/Built against TensorFlow \d|Not built yet/);
    await shot(page, 'settings');
    expect(pageErrors).toEqual([]);
  });
});
