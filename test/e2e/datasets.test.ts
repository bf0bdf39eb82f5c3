/**
 * The dataset studio in Chromium against `gan-studio serve`: import a folder (with a broken file), exclude some
 * pictures in the grid, preview and crop faces into a new dataset, and train a few steps on what is left.
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, openStudio, shot, type OpenStudio, type Served } from './browser';
import { html, png, Site } from '../collect/siteServer';

const SPRITES = '/usr/share/games/renpy/demo/game/images';
const ANIME = join(__dirname, '..', '..', '..', 'shared', 'data', 'lbpcascade_animeface.xml');

describe.skipIf(chromiumMissing || !existsSync(SPRITES))('the dataset studio in Chromium', () => {
  let served: Served;
  let studio: OpenStudio;
  let page: Page;
  let pageErrors: string[] = [];
  const folder = mkdtempSync(join(tmpdir(), 'e2e pictures '));

  beforeAll(async () => {
    for (const f of readdirSync(SPRITES).filter((f) => f.endsWith('.png')).sort().slice(0, 24)) copyFileSync(join(SPRITES, f), join(folder, f));
    writeFileSync(join(folder, 'broken.png'), 'not a picture');
    studio = await openStudio();
    ({ served, page, pageErrors } = studio);
  });
  afterAll(() => studio?.close());

  it('imports a folder, excludes pictures, previews and crops faces, and trains on the rest', async () => {
    await page.goto(`${served.url}#/datasets`);
    await page.locator('[data-test=state-empty]').first().waitFor();
    await shot(page, 'datasets-1-empty');
    await page.fill('[name=importName]', 'sprites');
    await page.fill('[name=importDir]', folder);
    await page.click('[data-test=import]');
    await expect.poll(() => page.textContent('[data-test=job]'), { timeout: 60_000 }).toMatch(/file 25 \/ 25[\s\S]*importing: done · 1 unreadable/);
    await expect.poll(() => page.locator('.cell img').count()).toBe(24);
    await expect.poll(() => page.locator('.cell img').first().evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);

    await page.click('.cell[data-index="0"]');
    await page.click('.cell[data-index="2"]', { modifiers: ['Shift'] });
    await page.click('.cell[data-index="5"]', { modifiers: ['Control'] });
    expect(await page.textContent('[data-test=count]')).toBe('24 shown · 4 selected');
    await page.click('[data-test=exclude]');
    await expect.poll(() => page.textContent('[data-dataset=sprites]')).toMatch(/20 of 24 included · 1 unreadable/);
    await expect.poll(() => page.locator('.cell.excluded').count()).toBe(4);
    await page.selectOption('[name=status]', 'excluded');
    await expect.poll(() => page.textContent('[data-test=count]')).toMatch(/^4 shown/);
    await shot(page, 'datasets-2-curated');
    await page.selectOption('[name=status]', 'all');

    // faces: preview the boxes, then crop the included pictures into a new dataset
    await page.locator('[data-test=crop-panel] summary').click();
    await page.selectOption('[name=cascade]', 'file');
    await page.fill('[name=cascadeFile]', ANIME);
    await page.click('[data-test=preview]');
    await expect.poll(() => page.locator('[data-test=previews] figure').count(), { timeout: 30_000 }).toBe(6);
    const boxes = await page.locator('[data-test=previews] .box').count();
    await shot(page, 'datasets-3-crop-preview');
    await page.fill('[name=cropName]', 'sprite-faces');
    await page.click('[data-test=crop]');
    await expect.poll(() => page.textContent('[data-test=job]'), { timeout: 60_000 }).toMatch(/cropping: done/);
    await expect.poll(() => page.textContent('[data-dataset=sprite-faces]')).toMatch(/\d+ of \d+ included/);
    const faces = Number(/(\d+) of/.exec((await page.textContent('[data-dataset=sprite-faces]')) ?? '')?.[1]);
    expect(faces).toBeGreaterThanOrEqual(boxes);
    await page.click('[data-dataset=sprite-faces] button');
    await expect.poll(() => page.locator('.cell img').count()).toBe(faces);
    await shot(page, 'datasets-4-faces');
    await page.dblclick('.cell[data-index="0"]');
    await page.locator('[data-test=viewer-box]').waitFor();
    await expect.poll(() => page.locator('[data-test=viewer-source]').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(96);
    await shot(page, 'datasets-4b-viewer');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('[data-test=viewer]').count()).toBe(0);

    await page.click('[data-nav=train]');
    await page.click('[data-test=reset]');
    await page.fill('input[name=runId]', 'on-sprites');
    await page.check('[data-action=advanced]'); // Data is open from the start; Monitoring is an advanced group
    await page.locator('summary', { hasText: 'Monitoring' }).click();
    await page.selectOption('[name="data.source"]', 'catalogue');
    await expect.poll(() => page.textContent('[data-test="error-data.dataset"]')).toMatch(/is required/);
    await page.fill('[name="data.dataset"]', 'sprites');
    await page.check('[name="data.flip"]');
    await page.fill('[name="train.minutes"]', '0'); // mnist-quick's time budget off: a step count instead
    await page.fill('[name="train.steps"]', '6');
    await page.fill('[name="train.batchSize"]', '8');
    await page.fill('[name="monitor.sampleEvery"]', '3');
    await page.click('[data-test=start]');
    await expect.poll(() => page.textContent('[data-test=status]'), { timeout: 90_000 }).toBe('finished');
    expect(await page.textContent('[data-test=progress-text]')).toMatch(/step 6 \/ 6/);
    await shot(page, 'datasets-5-trained');

    // Curation that learns from the run: score the sprites by it, sorted least real first, and exclude two.
    await page.click('[data-nav=datasets]');
    await page.click('[data-dataset=sprites] button');
    const included = async () => Number(/(\d+) of/.exec((await page.textContent('[data-dataset=sprites]')) ?? '')?.[1]);
    const before = await included();
    await page.selectOption('[name=curationRun]', 'on-sprites');
    await page.click('[data-test=score]');
    // Scoring is a job (the header's jobs indicator shows it): D's pass, the features, then the inversions.
    await expect.poll(async () => (await page.locator('[name=sortKey]').count()) || (await page.locator('[data-test=state-error]').textContent().catch(() => null)), { timeout: 180_000 }).toBe(1);
    expect(await page.locator('[name=sortKey]').inputValue()).toBe('realness');
    await expect.poll(() => page.locator('.cell [data-test=score]').count()).toBeGreaterThan(0);
    const values: number[] = [];
    for (let i = 0; i < 5; i++) values.push(Number(await page.textContent(`.cell[data-index="${i}"] [data-test=score]`)));
    expect(values).toEqual([...values].sort((a, b) => a - b)); // least real first
    await page.fill('[name=excludeCount]', '2');
    await page.click('[data-test=exclude-first]');
    await expect.poll(included).toBe(before - 2);
    await shot(page, 'datasets-6-curation');

    // The map: made as a job, then a lasso over its left half selects pictures.
    await page.check('[name=showMap]');
    await page.click('[data-test=build-map]');
    await page.locator('[data-test=map]').waitFor({ timeout: 180_000 });
    const box = (await page.locator('[data-test=map]').boundingBox())!;
    await page.mouse.move(box.x + 2, box.y + 2);
    await page.mouse.down();
    for (const [fx, fy] of [[0.5, 0.01], [0.5, 0.99], [0.01, 0.99], [0.01, 0.02]]) await page.mouse.move(box.x + fx * box.width, box.y + fy * box.height, { steps: 5 });
    await page.mouse.up();
    await expect.poll(async () => Number(/(\d+) selected/.exec((await page.textContent('[data-test=count]')) ?? '')?.[1])).toBeGreaterThan(0);
    await shot(page, 'datasets-7-map');
    expect(pageErrors).toEqual([]);
  });

  it('collects pictures from an image board on this machine, then imports them as a dataset', async () => {
    const board = await new Site().start();
    try {
      // two pages of eight sprites each, as an image board lists its previews
      const sprites = readdirSync(SPRITES).filter((f) => f.endsWith('.png')).sort().map((f) => readFileSync(join(SPRITES, f)))
        .filter((bytes) => bytes.length > 10_000 && bytes.length < 1e6).slice(0, 16);
      sprites.forEach((bytes, i) => board.routes.set(`/img/${i}.png`, png(bytes)));
      board.routes.set('/posts', (req, res, site) => {
        const n = Number(new URL(req.url!, 'http://x').searchParams.get('page'));
        const ids = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => 8 * (n - 1) + i);
        return html(ids.map((i) => `<a href="/post/${i}"><img class="preview" src="/img/${i}.png"></a>`).join(''))(req, res, site);
      });
      await page.goto(`${served.url}#/datasets`);
      await page.fill('[name=collectName]', 'board');
      await page.fill('[name=collectPattern]', `${board.origin}/posts?page={n}`);
      await page.fill('[name=collectPages]', '1-2');
      await page.fill('[name=collectSelect]', 'img.preview');
      await page.fill('[name=collectDelay]', '0.1');
      await page.check('[name=collectAllowPrivate]');
      await page.click('[data-action=collect]');
      await expect.poll(() => page.textContent('[data-test=collect-status]'), { timeout: 60_000 }).toMatch(/^done · 16 pictures \(\d+\.\d MB\) from 2 pages, 0 duplicates, 0 skipped, 0 failed$/);
      expect(board.hits.map((h) => h.path).slice(0, 3)).toEqual(['/robots.txt', '/posts', '/img/0.png']);
      await page.locator('[data-test=collect]').scrollIntoViewIfNeeded();
      await shot(page, 'datasets-8-collect');
      await page.click('[data-action=import-collected]');
      await expect.poll(() => page.textContent('[data-dataset=board]'), { timeout: 60_000 }).toMatch(/16 of 16 included/);
      await expect.poll(() => page.locator('.cell img').count()).toBe(16);
      expect(pageErrors).toEqual([]);
    } finally {
      await board.close();
    }
  });
});
