/**
 * npm run bench -- studio [--seconds 20] [--events-per-sec 500]
 *
 * 1. Main's event-loop delay (p50 / p99 / max, perf_hooks.monitorEventLoopDelay) while a real mnist-quick run
 *    trains in its worker and every event is relayed as the WebSocket host does. Target: p99 < 20 ms.
 * 2. The renderer's frame rate in Debian's Chromium (requestAnimationFrame, 1 s windows) while the Train view's
 *    charts and gallery update: (a) from that real run through `gan-studio serve`'s code; (b) from a replayed
 *    100,000-step run streamed far faster than training can go, with a new sample grid every second. Target ≥ 50 fps.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { pictureFileIn } from '../src/main/services/pictureFile';
import { startStudioServer, type ContractHandler, type StudioServer } from '../src/main/host/wsServer';
import { Studio } from '../src/main/services/studio';
import type { Events } from '../src/shared/contract';
import { launch } from '../test/e2e/browser';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '20' }, 'events-per-sec': { type: 'string', default: '500' } } });
const seconds = Number(values.seconds);
const eventsPerSec = Number(values['events-per-sec']);
const STATIC = join(__dirname, '..', 'out', 'renderer');

/**
 * Frames per second over 1 s windows, measured inside the page. Sent as source text: tsx's transform would add
 * helpers to a function that the page does not have.
 */
const FRAME_RATE = `(seconds) => new Promise((resolve) => {
  const windows = [];
  let frames = 0, windowStart = performance.now(), last = windowStart, longest = 0;
  const tick = (now) => {
    frames++;
    longest = Math.max(longest, now - last);
    last = now;
    if (now - windowStart >= 1000) {
      windows.push((frames * 1000) / (now - windowStart));
      frames = 0;
      windowStart = now;
    }
    if (windows.length < seconds) requestAnimationFrame(tick);
    else resolve({ mean: windows.reduce((a, b) => a + b, 0) / windows.length, worst: Math.min(...windows), longestFrameMs: longest });
  };
  requestAnimationFrame(tick);
})`;

type FrameRate = { mean: number; worst: number; longestFrameMs: number };
const frameRate = (page: Page, forSeconds: number): Promise<FrameRate> => page.evaluate(`(${FRAME_RATE})(${forSeconds})`) as Promise<FrameRate>;

/** Polls from outside the page: the page's CSP (rightly) forbids the eval that waitForFunction needs. */
async function waitForStep(page: Page, step: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (((await page.evaluate(STEP_SHOWN)) as number) <= step) {
    if (Date.now() > until) throw new Error(`the studio did not reach step ${step} within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The step the progress line shows. */
const STEP_SHOWN = `Number((/step (\\d+)/.exec(document.querySelector('[data-test=progress-text]')?.textContent ?? '') ?? [0, 0])[1])`;

async function openTrainView(url: string, runId: string): Promise<Page> {
  const browser = await launch();
  const page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
  await page.goto(url);
  await page.fill('input[name=runId]', runId);
  await page.fill('[name="train.minutes"]', '0'); // a step count, not mnist-quick's time budget
  await page.fill('[name="train.steps"]', '100000');
  await page.click('[data-test=start]');
  await page.locator('[data-test=status]').waitFor();
  return page;
}

const fmt = (r: FrameRate) => `${r.mean.toFixed(1)} fps mean, ${r.worst.toFixed(1)} fps worst second, longest frame ${r.longestFrameMs.toFixed(0)} ms`;

async function realRun(): Promise<void> {
  const studio = new Studio(mkdtempSync(join(tmpdir(), 'bench-studio-')), 'auto', { kind: 'server' });
  const server = await startStudioServer({ host: '127.0.0.1', port: 0, staticDir: STATIC, pictures: (path) => studio.pictureFile(path), handler: studio });
  studio.subscribe(server.broadcast);
  const page = await openTrainView(server.url, 'bench-real');
  const delay = monitorEventLoopDelay({ resolution: 1 });
  let fps: FrameRate;
  let steps: string | null;
  try {
    // the run is training (its first steps are charted) before anything is measured
    await waitForStep(page, 2, 120_000);
    delay.enable();
    fps = await frameRate(page, seconds);
    delay.disable();
    steps = await page.locator('[data-test=progress-text]').textContent();
  } finally {
    await studio.stopAll();
    await page.context().browser()?.close();
    await server.close();
  }
  const ms = (ns: number) => (ns / 1e6).toFixed(1);
  console.log(`main event loop while training (${seconds} s): p50 ${ms(delay.percentile(50))} ms   p99 ${ms(delay.percentile(99))} ms   max ${ms(delay.max)} ms   (target p99 < 20 ms)`);
  console.log(`renderer, real mnist-quick run: ${fmt(fps)}   [${steps?.trim()}]   (target ≥ 50 fps)`);
}

/** A studio that replays a long run: progress as fast as asked, a new sample grid every second. */
interface Replay extends ContractHandler { broadcast?: StudioServer['broadcast']; stop(): void }

function replayHandler(workspace: string): Replay {
  let timer: NodeJS.Timeout | undefined;
  const replay: Replay = {
    stop: () => clearInterval(timer),
    async handle(channel, payload) {
      if (channel === 'studio:info') return { ok: true, value: { version: 'bench', host: 'server', workspace, canPickFolders: false } };
      if (channel === 'studio:backend') return { ok: true, value: { name: 'replay', gpu: false, description: 'replay', probes: [] } };
      if (channel !== 'training:start') return { ok: false, error: { code: 'unsupported', message: 'replay' } };
      const runId = (payload as { runId: string }).runId;
      mkdirSync(join(workspace, runId, 'samples'), { recursive: true });
      let step = 0;
      const perTick = Math.max(1, Math.round(eventsPerSec / 100));
      timer = setInterval(() => {
        const send = replay.broadcast!;
        for (let i = 0; i < perTick && step < 100_000; i++) {
          step++;
          const p: Events['training:progress'] = { runId, step, epoch: Math.floor(step / 1875), lossD: 0.7 + Math.sin(step / 900) * 0.2, lossG: 1.5 + Math.cos(step / 700), dReal: 0.7, dFake: 0.3, dFakeAfter: 0.35, stepMs: 300, imagesPerSec: 100, etaSeconds: 100_000 - step };
          send('training:progress', p);
        }
        if (step % eventsPerSec < perTick) {
          const file = `samples/step-${String(step).padStart(6, '0')}.png`;
          copyFileSync(join(__dirname, '..', 'resources', 'icon.png'), join(workspace, runId, file));
          send('training:sample', { runId, step, file });
        }
      }, 10);
      replay.broadcast!('training:status', { runId, status: 'running', step: 0 });
      return { ok: true, value: { runId, dir: join(workspace, runId) } };
    },
  };
  return replay;
}

async function replayedRun(): Promise<void> {
  const workspace = mkdtempSync(join(tmpdir(), 'bench-replay-'));
  const replay = replayHandler(workspace);
  const server = await startStudioServer({ host: '127.0.0.1', port: 0, staticDir: STATIC, pictures: (path) => pictureFileIn(workspace, path), handler: replay });
  replay.broadcast = server.broadcast;
  const page = await openTrainView(server.url, 'bench-replay');
  let fps: FrameRate;
  let points: string | null;
  let progress: string | null;
  try {
    // skip ahead so the charts hold a long history (decimated) before measuring
    await waitForStep(page, 2000, 60_000);
    fps = await frameRate(page, seconds);
    points = await page.locator('figure.chart').first().getAttribute('data-points');
    progress = await page.locator('[data-test=progress-text]').textContent();
  } finally {
    replay.stop();
    await page.context().browser()?.close();
    await server.close();
  }
  console.log(`renderer, replayed run at ${eventsPerSec} events/s: ${fmt(fps)}   [${progress?.trim()}; ${points} points in the loss chart]   (target ≥ 50 fps)`);
}

async function main(): Promise<void> {
  execFileSync(process.execPath, [join(__dirname, '..', 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], { stdio: 'ignore' });
  await realRun();
  await replayedRun();
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => process.exit()); // the replay's timer and any worker must not keep the bench alive
