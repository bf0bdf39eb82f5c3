/**
 * The studio in a real browser against the real engine: `gan-studio serve` + Debian's Chromium. Trains
 * mnist-quick for a few dozen steps, pauses, resumes, stops, reopens and compares runs, and refuses a wrong token.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, openStudio, shot, type OpenStudio, type Served } from './browser';

describe.skipIf(chromiumMissing)('the studio in Chromium (install: apt-get install chromium)', () => {
  let served: Served;
  let studio: OpenStudio;
  let page: Page;
  let pageErrors: string[] = [];

  beforeAll(async () => {
    studio = await openStudio();
    ({ served, page, pageErrors } = studio);
  });
  afterAll(() => studio?.close());

  const status = () => page.locator('[data-test=status]').textContent();
  const chartPoints = async () => Number(await page.locator('figure.chart').first().getAttribute('data-points'));
  const progressStep = async () => Number(/step (\d+)/.exec((await page.locator('[data-test=progress-text]').textContent()) ?? '')?.[1]);

  async function newRun(runId: string, fields: Record<string, string>): Promise<void> {
    await page.click('[data-nav=train]');
    await page.selectOption('select[name=preset]', 'mnist-quick');
    await page.click('[data-test=reset]'); // the form keeps the last run's edits until reset
    await page.fill('input[name=runId]', runId);
    await page.check('[data-action=advanced]');
    for (const summary of ['Model', 'Optimiser', 'Training', 'Monitoring', 'Data']) {
      const details = page.locator('details', { has: page.locator(`summary:has-text("${summary}")`) });
      if (!(await details.getAttribute('open') !== null)) await details.locator('summary').click();
    }
    for (const [name, value] of Object.entries(fields)) {
      const field = page.locator(`[name="${name}"]`);
      if ((await field.evaluate((e) => e.tagName)) === 'SELECT') await field.selectOption(value);
      else await field.fill(value);
    }
    await page.click('[data-test=start]');
  }

  it('refuses a wrong token for the page and the socket', async () => {
    const wrong = served.url.replace(/token=\w+/, 'token=not-the-token');
    const response = await page.goto(wrong);
    expect(response?.status()).toBe(403);
    expect(await page.textContent('body')).toMatch(/open the URL with its token/);
    const socket = await page.evaluate((url) => new Promise<string>((resolve) => {
      const ws = new WebSocket(url);
      ws.onopen = () => resolve('open');
      ws.onclose = (e) => resolve(`closed ${e.code}`);
    }), wrong.replace('http', 'ws').replace('/?', '/api?'));
    expect(socket).toBe('closed 1006');
    pageErrors.length = 0; // those refusals were the point; from here on the console must stay clean
  });

  it('shows the backend, marks invalid fields inline and trains mnist-quick live', async () => {
    await page.goto(served.url);
    await expect.poll(() => page.textContent('[data-test=backend]'), { timeout: 30_000 }).toMatch(/wasm \(XNNPACK.*CPU, no GPU/);
    await page.locator('[data-test=state-empty]').waitFor();
    await shot(page, '1-train-empty');

    await page.fill('[name="train.batchSize"]', '0');
    await expect.poll(() => page.textContent('[data-test="error-train.batchSize"]')).toMatch(/>=\s*1/);
    expect(await page.isDisabled('[data-test=start]')).toBe(true);
    await shot(page, '2-train-invalid');
    await page.fill('[name="train.batchSize"]', '32');
    // the advanced settings: every field that applies to this preset, with its label, unit and paper
    await page.check('[data-action=advanced]');
    for (const summary of ['Model', 'Optimiser', 'Monitoring']) await page.locator('summary', { hasText: summary }).click();
    expect(await page.isVisible('[name="train.instanceNoise"]')).toBe(true);
    expect(await page.isVisible('[name="train.clip"]')).toBe(false); // WGAN's clipping does not apply to this objective
    await shot(page, '2b-train-advanced');
    await page.uncheck('[data-action=advanced]');
    expect(await page.isVisible('[name="train.instanceNoise"]')).toBe(false);

    await newRun('e2e-first', { 'train.minutes': '0', 'train.steps': '400', 'monitor.sampleEvery': '10' });
    await expect.poll(status, { timeout: 60_000 }).toBe('running');
    await expect.poll(progressStep, { timeout: 60_000 }).toBeGreaterThan(12);
    const pointsEarly = await chartPoints();
    const sampleEarly = await page.textContent('[data-test=sample-step]');
    await expect.poll(progressStep, { timeout: 60_000 }).toBeGreaterThan(35);
    expect(await chartPoints()).toBeGreaterThan(pointsEarly);
    expect(await page.textContent('[data-test=sample-step]')).not.toBe(sampleEarly);
    await shot(page, '3-train-live');

    await page.click('[data-test=pause]');
    await expect.poll(status).toBe('paused');
    const pausedAt = await progressStep();
    await page.waitForTimeout(1500);
    expect(await progressStep()).toBe(pausedAt);

    // step by step: one D update (D's verdict on each grid picture), one G update (the step counter moves), a saliency
    await page.click('[data-action=step-d]');
    await expect.poll(() => page.locator('[data-test=judged]').count(), { timeout: 30_000 }).toBeGreaterThan(3);
    expect(await progressStep()).toBe(pausedAt);
    await page.click('[data-action=step-g]');
    await expect.poll(progressStep, { timeout: 30_000 }).toBe(pausedAt + 1);
    expect(await page.textContent('[data-test=step-said]')).toMatch(new RegExp(`after G's update, step ${pausedAt + 1}`));
    await page.locator('[data-test=judged]').nth(2).click();
    await expect.poll(() => page.locator('[data-test=overlay]').evaluate((img: HTMLImageElement) => img.naturalWidth), { timeout: 30_000 }).toBeGreaterThan(100);
    await page.locator('[data-test=step-by-step]').scrollIntoViewIfNeeded();
    await shot(page, '3b-train-step-by-step');
    await page.waitForTimeout(800);
    expect(await progressStep()).toBe(pausedAt + 1); // still paused
    await page.click('[data-test=resume]');
    await expect.poll(status).toBe('running');
    await expect.poll(progressStep, { timeout: 30_000 }).toBeGreaterThan(pausedAt + 4);

    // the timelapse: the scrubber steps back to the first grid, "follow latest" returns
    await page.locator('input[type=range]').fill('0');
    expect(await page.textContent('[data-test=sample-step]')).toBe('step 0');
    await page.click('text=follow latest');

    await page.click('[data-test=stop]');
    await expect.poll(status, { timeout: 30_000 }).toBe('stopped');
    await shot(page, '4-train-stopped');
  });

  it('shows a failed run with its message', async () => {
    await newRun('e2e-broken', { 'data.source': 'folder', 'data.path': '/nonexistent/pictures' });
    await expect.poll(status, { timeout: 30_000 }).toBe('failed');
    expect(await page.textContent('[data-test=state-error]')).toMatch(/\/nonexistent\/pictures/);
    await shot(page, '5-train-failed');
  });

  it('lists runs, reopens one, compares two and continues one', async () => {
    await newRun('e2e-second', { 'train.minutes': '0', 'train.steps': '25', 'monitor.sampleEvery': '5', 'optim.lrG': '0.001' });
    await expect.poll(status, { timeout: 60_000 }).toBe('finished');

    await page.click('[data-nav=runs]');
    await expect.poll(() => page.locator('tr[data-run]').count()).toBe(3);
    expect(await page.textContent('tr[data-run="e2e-broken"]')).toMatch(/failed/);
    await page.click('[data-test=open-e2e-first]');
    await page.locator('[data-test=run-detail]').waitFor();
    expect(Number(await page.locator('[data-test=run-detail] figure.chart', { hasText: 'Losses' }).getAttribute('data-points'))).toBeGreaterThan(30);
    await expect.poll(() => page.locator('[data-test=run-detail] [data-test=sample-image]').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
    await shot(page, '6-runs-detail');

    await page.check('[aria-label="compare e2e-first"]');
    await page.check('[aria-label="compare e2e-second"]');
    await page.click('[data-test=compare]');
    await page.locator('[data-test=comparison]').waitFor();
    const lines = await page.locator('[data-test=comparison] figure.chart', { hasText: 'Losses' }).getAttribute('data-points');
    expect(Number(lines)).toBeGreaterThan(50);
    await shot(page, '7-runs-compare');

    const stoppedAt = await page.locator('tr[data-run="e2e-first"] .num').first().textContent();
    const from = Number(/^(\d+)/.exec(stoppedAt ?? '')?.[1]);
    await page.fill('[name=continueTo]', String(from + 8));
    await page.click('[data-test=continue]');
    await expect.poll(status, { timeout: 60_000 }).toBe('finished');
    expect(await progressStep()).toBe(from + 8);
    await shot(page, '8-continued');
    expect(pageErrors).toEqual([]);
  });

  it('exports a run as ONNX, films its training as a playable MP4, and opens the ONNX file again as a run', async () => {
    await page.click('[data-nav=runs]');
    await page.click('[data-test=open-e2e-second]');
    await page.selectOption('[data-field=export-format]', 'onnx');
    await page.click('[data-action=export-model]');
    await expect.poll(() => page.textContent('[data-export-result]'), { timeout: 60_000 }).toMatch(/^runs\/e2e-second\/exports\/generator-25\.onnx · \d+\.\d MB · step 25$/);
    await page.selectOption('[data-field=timelapse-format]', 'mp4');
    await page.click('[data-action=export-timelapse]');
    // the browser plays what the server sends: its metadata loads (duration of 6 grids at 8 frames/s)
    const video = page.locator('[data-test=timelapse-video]');
    await video.waitFor({ timeout: 60_000 });
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => (v.readyState >= 1 ? Math.round(v.duration * 8) : 0)), { timeout: 30_000 }).toBe(6);
    await shot(page, '8b-runs-export');

    const workspace = (await page.textContent('h2 small'))!.replace(/^in /, '');
    await page.click('[data-test=import-generator] summary');
    await page.fill('[name=generatorPath]', `${workspace}/e2e-second/exports/generator-25.onnx`);
    await page.fill('[name=generatorRunId]', 'e2e-imported');
    await page.click('[data-action=import-generator]');
    await expect.poll(() => page.textContent('[data-import-result]'), { timeout: 60_000 }).toBe('e2e-imported: ONNX, z of 64 → 28 × 28 × 1');
    await expect.poll(() => page.textContent('[data-test=imported]')).toMatch(/a generator imported from .*generator-25\.onnx \(ONNX\)/);
    expect(await page.locator('[data-test=continue]').count()).toBe(0);
    await page.click('[data-test=open-in-lab]');
    await expect.poll(() => page.locator('[data-sample]').count(), { timeout: 60_000 }).toBe(16);
    await shot(page, '8c-lab-imported');
    expect(pageErrors).toEqual([]);
  });

  it("charts a run's quality as it trains, marks its best snapshot and opens that snapshot in the lab", async () => {
    await newRun('e2e-scored', { 'train.minutes': '0', 'train.steps': '30', 'monitor.sampleEvery': '10', 'monitor.checkpointEvery': '10', 'monitor.evalEvery': '10', 'monitor.snapshotEvery': '10', 'monitor.evalSamples': '40', 'optim.lrG': '0.001', 'monitor.collapseShare': '1' });
    await expect.poll(status, { timeout: 90_000 }).toBe('finished');
    // Any generator is less varied than its data: a collapse share of 1 makes the first measurement ring.
    expect(await page.textContent('[data-test=alarms] [data-alarm=collapse]')).toMatch(/Collapse.*step 10.*the samples are collapsing: their diversity is \d+ % of the training pictures' \(below 100 %\).*Try: go back to the best snapshot/);
    const kidChart = page.locator('figure.chart', { hasText: 'KID, lower is better' });
    expect(await kidChart.textContent()).toMatch(/our MNIST classifier/);
    expect(Number(await kidChart.getAttribute('data-points'))).toBe(3);
    expect(await page.textContent('[data-test=latest-scores]')).toMatch(/^Quality at step 30: KID -?[\d.e+-]+ ± [\d.e+-]+ · FID \d+\.\d · precision/);
    await shot(page, '9-train-quality');

    await page.click('[data-nav=runs]');
    await expect.poll(() => page.textContent('tr[data-run="e2e-scored"] [data-test=best]')).toMatch(/^-?[\d.e+-]+ \((10|20|30)\)$/);
    await page.click('[data-test=open-e2e-scored]');
    const best = page.locator('[data-test=snapshots] tr.best');
    await best.waitFor();
    const bestStep = Number(await best.getAttribute('data-snapshot'));
    expect(await best.textContent()).toMatch(/★/);
    expect(await page.locator('[data-test=snapshots] tbody tr').count()).toBe(3);
    await shot(page, '10-runs-snapshots');

    await page.click(`[data-test=lab-snapshot-${bestStep}]`);
    await expect.poll(() => page.textContent('[data-test=lab-source]'), { timeout: 60_000 }).toBe(`snapshot at step ${bestStep}`);
    await expect.poll(() => page.locator('[data-sample]').count(), { timeout: 60_000 }).toBeGreaterThan(0);
    await shot(page, '11-lab-snapshot');
    expect(pageErrors).toEqual([]);
  });

  it("shows what a run's D learned: a linear probe beside the pixels, its filters and a picture's activations", async () => {
    await page.click('[data-nav=runs]');
    await page.click('[data-test=open-e2e-first]');
    await page.click('[data-action=probe]');
    await page.locator('[data-test=probe-table]').waitFor({ timeout: 300_000 });
    const accuracy = async (row: string) => Number(/([\d.]+) %/.exec((await page.textContent(`[data-row=${row}]`)) ?? '')?.[1]);
    for (const row of ['trained', 'untrained', 'pixels']) expect(await accuracy(row)).toBeGreaterThan(10); // above chance
    await page.fill('[name=inspectIndex]', '5');
    await page.click('[data-action=inspect]');
    await expect.poll(() => page.locator('[data-test=stage]').count(), { timeout: 60_000 }).toBeGreaterThan(1);
    await expect.poll(() => page.locator('[data-test=filters]').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(50);
    await page.locator('[data-test=what-d]').scrollIntoViewIfNeeded();
    await shot(page, '12-runs-what-d-learned');
    expect(pageErrors).toEqual([]);
  });

  it('charts BEGAN\'s convergence measure and k_t for a BEGAN run', async () => {
    await newRun('e2e-began', { 'model.kind': 'began', 'train.loss': 'began', 'model.imageSize': '32', 'model.width': '4', 'model.latentDim': '16', 'train.batchSize': '8', 'train.minutes': '0', 'train.steps': '30', 'monitor.sampleEvery': '10', 'train.beganLambdaK': '0.01' });
    await expect.poll(status, { timeout: 120_000 }).toBe('finished');
    const m = page.locator('figure.chart', { hasText: "BEGAN's convergence measure M" });
    expect(Number(await m.getAttribute('data-points'))).toBeGreaterThan(10);
    expect(Number(await page.locator('figure.chart', { hasText: "BEGAN's k_t" }).getAttribute('data-points'))).toBeGreaterThan(10);
    await m.scrollIntoViewIfNeeded();
    await shot(page, '13-train-began');
    expect(pageErrors).toEqual([]);
  });

  it('runs a sweep from the Runs view as a queue and shows its results table and chart', async () => {
    await page.click('[data-nav=runs]');
    const spec = {
      name: 'e2e-sweep', preset: 'mnist-quick', seeds: 2, grid: { 'train.loss': ['non-saturating', 'hinge'] },
      set: { 'train.minutes': 0, 'train.steps': 6, 'train.batchSize': 8, 'model.width': 0.125, 'data.limit': 64, 'monitor.evalEvery': 3, 'monitor.evalSamples': 20, 'monitor.snapshotEvery': 0, 'monitor.sampleEvery': 3 },
    };
    await page.locator('[data-test=sweeps] summary').click();
    await page.fill('[name=sweepSpec]', JSON.stringify(spec, null, 2));
    await page.click('[data-action=start-sweep]');
    await expect.poll(() => page.textContent('[data-test=sweep-cells]'), { timeout: 240_000 }).toMatch(/^4 of 4 runs finished/);
    await expect.poll(() => page.locator('[data-test=sweep-row]').count()).toBe(2);
    expect(await page.locator('[data-test=sweep-row]').first().textContent()).toMatch(/non-saturating\s*2 \/ 2/);
    expect(await page.locator('[data-test=sweep-chart] circle').count()).toBe(4);
    await expect.poll(() => page.locator('tr[data-run^="e2e-sweep-"]').count()).toBe(4);
    await page.locator('[data-test=sweeps]').scrollIntoViewIfNeeded();
    await shot(page, '14-runs-sweep');
    expect(pageErrors).toEqual([]);
  });
});
