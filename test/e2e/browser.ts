/**
 * End-to-end helpers: `gan-studio serve` as a child process on a free loopback port, and Debian's Chromium driven
 * by playwright-core (never a downloaded browser).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const chromiumMissing = !existsSync(CHROMIUM);
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

/** Screenshots land here: CI keeps the folder as its artifacts. */
export const SHOTS = join('test-output', 'e2e');

export interface Served { url: string; process: ChildProcess; stop(): Promise<void> }

export async function serve(workspace: string): Promise<Served> {
  const child = spawn(process.execPath, ['bin/gan-studio.cjs', 'serve', '--port', '0', '--workspace', workspace, '--backend', 'wasm'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = /http:\/\/\S+token=\w+/.exec(out);
      if (line) resolve(line[0]);
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  return {
    url,
    process: child,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGINT');
    }),
  };
}

export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

export interface OpenStudio { served: Served; browser: Browser; page: Page; pageErrors: string[]; close(): Promise<void> }

/** Builds the renderer, serves a workspace (a fresh one unless given) and opens a page that collects its errors. */
export async function openStudio(workspace = mkdtempSync(join(tmpdir(), 'gan-e2e-'))): Promise<OpenStudio> {
  execFileSync(process.execPath, ['node_modules/electron-vite/bin/electron-vite.js', 'build'], { stdio: 'ignore' });
  const served = await serve(workspace);
  const browser = await launch();
  const page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));
  return { served, browser, page, pageErrors, close: async () => { await browser.close(); await served.stop(); } };
}
