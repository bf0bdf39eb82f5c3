/**
 * npm run bench -- datasets [--pictures 400] [--items 50000] [--seconds 10] [--no-images]
 *
 * 1. Import throughput: a folder of generated 512 × 384 JPEGs into a new catalogue (hash, decode, thumbnail,
 *    perceptual hash), in pictures/s.
 * 2. The Datasets grid's frame rate in Debian's Chromium while it scrolls steadily through a dataset of 50,000
 *    items, each with its own thumbnail file (requestAnimationFrame over 1 s windows; pages of items fetched as they
 *    come into view), at two speeds: a fling (60 px a frame, 3,600 px/s) and browsing (15 px a frame, 900 px/s,
 *    slow enough that every thumbnail is shown; it goes on from where the fling stopped, onto pictures not yet seen).
 *    Goal ≥ 50 fps at both.
 *    --no-images hides the thumbnails, to tell their loading and decoding apart from the grid's own cost.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { openCatalogue } from '../src/main/catalogue/db';
import { importFolder } from '../src/main/catalogue/importer';
import { startStudioServer } from '../src/main/host/wsServer';
import { Studio } from '../src/main/services/studio';
import { launch } from '../test/e2e/browser';

const { values } = parseArgs({ options: { pictures: { type: 'string', default: '400' }, items: { type: 'string', default: '50000' }, seconds: { type: 'string', default: '10' }, 'no-images': { type: 'boolean', default: false } } });

async function generate(dir: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const svg = `<svg width="512" height="384"><rect width="512" height="384" fill="hsl(${(i * 37) % 360},60%,40%)"/><circle cx="${(i * 53) % 512}" cy="${(i * 29) % 384}" r="${40 + (i % 90)}" fill="hsl(${(i * 91) % 360},70%,60%)"/></svg>`;
    await sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toFile(join(dir, `picture-${String(i).padStart(5, '0')}.jpg`));
  }
}

/** Scrolls the grid a little every frame and measures frame rates inside the page (source text: see bench/studio.ts). */
const SCROLL_AND_MEASURE = `(seconds, step) => new Promise((resolve) => {
  const grid = document.querySelector('.grid-scroll');
  const windows = [];
  const longTasks = [];
  const observer = new PerformanceObserver((list) => { for (const e of list.getEntries()) longTasks.push(Math.round(e.duration)); });
  observer.observe({ type: 'longtask' });
  let frames = 0, start = performance.now(), last = start, longest = 0;
  const tick = (now) => {
    grid.scrollTop += step;
    frames++;
    longest = Math.max(longest, now - last);
    last = now;
    if (now - start >= 1000) { windows.push(frames * 1000 / (now - start)); frames = 0; start = now; }
    if (windows.length < seconds + 1) requestAnimationFrame(tick);
    else {
      windows.shift(); // the first second warms up (first pages, first decodes)
      observer.disconnect();
      resolve({ longTasks, mean: windows.reduce((a, b) => a + b, 0) / windows.length, worst: Math.min(...windows), longest, scrolled: grid.scrollTop, cells: document.querySelectorAll('.cell').length, pictures: document.querySelectorAll('.cell img').length });
    }
  };
  requestAnimationFrame(tick);
})`;

async function main(): Promise<void> {
  const workspace = mkdtempSync(join(tmpdir(), 'bench-ds-'));
  const folder = mkdtempSync(join(tmpdir(), 'bench-ds-in-'));
  await generate(folder, Number(values.pictures));
  const db = openCatalogue(join(workspace, 'catalogue.sqlite'));
  const started = performance.now();
  const summary = await importFolder({ db, name: 'generated', dir: folder, thumbnails: join(workspace, 'thumbnails') });
  const seconds = (performance.now() - started) / 1000;
  console.log(`import: ${summary.imported} pictures (512 × 384 JPEG) in ${seconds.toFixed(1)} s = ${(summary.imported / seconds).toFixed(1)} pictures/s`);

  // A dataset of 50,000 items, each with a thumbnail file of its own (copies of the imported ones under other names:
  // the browser cannot reuse a picture it has already decoded, as it could not with real pictures).
  const thumbnails = join(workspace, 'thumbnails');
  const imported = readdirSync(thumbnails);
  const hashes = Array.from({ length: Number(values.items) }, (_, i) => `copy${String(i).padStart(6, '0')}`);
  hashes.forEach((hash, i) => copyFileSync(join(thumbnails, imported[i % imported.length]), join(thumbnails, `${hash}.webp`)));
  const id = Number(db.prepare(`INSERT INTO datasets (name, kind, source, created_at) VALUES ('fifty-thousand', 'folder', ?, ?)`).run(folder, Date.now() + 1).lastInsertRowid);
  const insert = db.prepare('INSERT INTO items (dataset_id, path, hash, phash, width, height, format, bytes, included) VALUES (?, ?, ?, ?, 512, 384, ?, 1, ?)');
  db.transaction(() => {
    for (let i = 0; i < Number(values.items); i++) insert.run(id, `item-${String(i).padStart(6, '0')}.jpg`, hashes[i], '0000000000000000', 'jpeg', i % 9 ? 1 : 0);
  })();
  db.close();

  execFileSync(process.execPath, [join(__dirname, '..', 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], { stdio: 'ignore' });
  const studio = new Studio(workspace, 'cpu', { kind: 'server' });
  const server = await startStudioServer({ host: '127.0.0.1', port: 0, staticDir: join(__dirname, '..', 'out', 'renderer'), pictures: (path) => studio.pictureFile(path), handler: studio });
  studio.subscribe(server.broadcast);
  execFileSync('sync'); // the copies' writeback would otherwise compete with the browser during the first seconds
  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
    await page.goto(`${server.url}#/datasets`);
    await page.click('[data-dataset=fifty-thousand] button');
    await page.locator('.cell img').first().waitFor();
    if (values['no-images']) await page.addStyleTag({ content: '.cell img { display: none }' });
    for (const [name, step] of [['fling', 60], ['browse', 15]] as const) {
      const r = (await page.evaluate(`(${SCROLL_AND_MEASURE})(${Number(values.seconds)}, ${step})`)) as { longTasks: number[]; mean: number; worst: number; longest: number; scrolled: number; cells: number; pictures: number };
      console.log(`grid, ${name} through ${Number(values.items).toLocaleString('en')} items at ${step * 60} px/s: ${r.mean.toFixed(1)} fps mean, ${r.worst.toFixed(1)} fps worst second, longest frame ${r.longest.toFixed(0)} ms, ${r.longTasks.length} tasks over 50 ms; scrolled ${(r.scrolled / 116).toFixed(0)} rows; ${r.cells} cells in the DOM, ${r.pictures} showing a picture at the end   (goal ≥ 50 fps)`);
    }
  } finally {
    await browser.close();
    await server.close();
    await studio.stopAll();
    for (const dir of [workspace, folder]) rmSync(dir, { recursive: true, force: true });
  }
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => process.exit());
