/**
 * `gan-studio semi-supervised`: Salimans et al.'s semi-supervised GAN on MNIST with a few labels, beside the same
 * network trained on those labels alone; a progress line, DIR/samples.png, DIR/accuracy.svg (both test accuracies
 * over the steps), DIR/result.json and one JSON line.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadMnist } from '../engine/data/mnist';
import { gridPng } from '../engine/training/sampleGrid';
import { trainSemiSupervised, type SemiSupervisedResult } from '../engine/training/semiSupervised';
import { cancelOnInterrupt, type ProgressPrinter } from './progressLine';

export async function semiSupervisedCommand(o: { labelled: number; steps: number; seed: number; lr?: number; out: string; progress: ProgressPrinter }): Promise<void> {
  const out = resolve(o.out);
  mkdirSync(out, { recursive: true });
  const interrupt = cancelOnInterrupt('cancelling after this step');
  const train = loadMnist('train');
  const test = loadMnist('test');
  let accuracy = '';
  const result = trainSemiSupervised({
    train, test, labelled: o.labelled, steps: o.steps, seed: o.seed, lr: o.lr, evalEvery: Math.max(1, Math.round(o.steps / 10)), signal: interrupt.signal,
    onProgress: (p) => {
      if (p.ganAccuracy !== undefined) accuracy = `  test accuracy: GAN's D ${(100 * p.ganAccuracy).toFixed(1)} %, labels alone ${(100 * p.baselineAccuracy!).toFixed(1)} %`;
      o.progress.update(`step ${p.step}/${p.steps}${accuracy}`);
    },
  });
  interrupt.dispose();
  o.progress.end();
  writeFileSync(join(out, 'samples.png'), await gridPng(result.samples, [28, 28, 1], 10));
  writeFileSync(join(out, 'accuracy.svg'), accuracyChart(result.history, o.labelled));
  const { samples: _samples, ...summary } = result;
  writeFileSync(join(out, 'result.json'), `${JSON.stringify(summary, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

/** Both classifiers' test accuracy over the steps, as a small SVG line chart. */
export function accuracyChart(history: SemiSupervisedResult['history'], labelled: number): string {
  const [w, h, left, bottom] = [480, 240, 44, 28];
  const last = history.at(-1)?.step ?? 1;
  const x = (step: number): number => left + (step / last) * (w - left - 12);
  const y = (accuracy: number): number => h - bottom - accuracy * (h - bottom - 12);
  const line = (key: 'ganAccuracy' | 'baselineAccuracy', colour: string): string =>
    `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${history.map((p) => `${x(p.step).toFixed(1)},${y(p[key]).toFixed(1)}`).join(' ')}"/>`;
  const grid = [0, 0.25, 0.5, 0.75, 1].map((a) => `<line x1="${left}" x2="${w - 12}" y1="${y(a)}" y2="${y(a)}" stroke="#ccc"/><text x="${left - 6}" y="${y(a) + 4}" text-anchor="end">${a * 100} %</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="11" fill="#333">
<rect width="100%" height="100%" fill="#fff"/>${grid}
<text x="${left}" y="${h - 8}">step 0</text><text x="${w - 12}" y="${h - 8}" text-anchor="end">step ${last}</text>
${line('ganAccuracy', '#e4572e')}${line('baselineAccuracy', '#3a86ff')}
<text x="${left + 8}" y="${y(0.1)}" fill="#e4572e">the semi-supervised GAN's D (${labelled} labels + the rest unlabelled)</text>
<text x="${left + 8}" y="${y(0.1) + 14}" fill="#3a86ff">the same network on the ${labelled} labels alone</text>
</svg>
`;
}
