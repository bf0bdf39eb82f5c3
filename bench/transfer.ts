/**
 * npm run bench -- transfer [--pretrain-minutes 15] [--source 3000] [--pictures 200] [--steps 1500] [--every 100]
 *                           [--freeze-d 2] [--seed 1]
 *
 * Does a transfer pay on a small folder? A faces-64 model (DCGAN w32 + DiffAugment) is pre-trained on cartoon faces
 * of two styles (Adventurer, Lorelei) for a time budget; then 200 faces of the third style (Notionists, never seen
 * in pre-training) are learnt three ways for the same number of steps: from scratch, fine-tuned from the pre-trained
 * run (`train.init`), and fine-tuned with D's first layers frozen (`train.freezeD`). KID (`faces` space, every
 * `--every` steps, against the 200 pictures) is printed as a curve per way, then the steps each way needed to reach
 * the KID that training from scratch ends at. Steps, not seconds, so other work on the machine does not move it.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { cartoonFace } from '../src/main/engine/data/cartoonFaces';
import { closeBackends, startBackend } from '../src/main/engine/runtime/backend';
import { trainRun } from '../src/main/engine/training/run';
import { presetConfig } from '../src/shared/config/presets';

const { values } = parseArgs({
  options: {
    'pretrain-minutes': { type: 'string', default: '15' }, source: { type: 'string', default: '3000' }, pictures: { type: 'string', default: '200' },
    steps: { type: 'string', default: '1500' }, every: { type: 'string', default: '100' }, 'freeze-d': { type: 'string', default: '2' }, seed: { type: 'string', default: '1' },
  },
});

/** Faces `indices` of the embedded sequence as 64 px PNGs in a new folder. */
async function writeFaces(dir: string, indices: number[]): Promise<string> {
  mkdirSync(dir, { recursive: true });
  for (const i of indices) await sharp(Buffer.from(cartoonFace(i).svg)).resize(64, 64).removeAlpha().png().toFile(join(dir, `face-${i}.png`));
  return dir;
}

/** The first `n` face indices of the given styles (0 adventurer, 1 lorelei, 2 notionists) at or after `from`. */
const ofStyle = (styles: number[], n: number, from = 0): number[] => {
  const out: number[] = [];
  for (let i = from; out.length < n; i++) if (styles.includes(i % 3)) out.push(i);
  return out;
};

async function main(): Promise<void> {
  const backend = await startBackend('auto');
  const root = mkdtempSync(join(tmpdir(), 'gan-transfer-'));
  const seed = Number(values.seed);
  const steps = Number(values.steps);
  const every = Number(values.every);
  const sourceDir = await writeFaces(join(root, 'two-styles'), ofStyle([0, 1], Number(values.source)));
  const targetDir = await writeFaces(join(root, 'notionists'), ofStyle([2], Number(values.pictures), 30_000));
  console.log(`backend ${backend.description}; pre-training faces-64 on ${values.source} Adventurer + Lorelei faces for ${values['pretrain-minutes']} min, then ${values.pictures} Notionists faces for ${steps} steps each way (${root})`);

  const monitor = { evalEvery: every, evalSamples: 200, snapshotEvery: 0, sampleEvery: every, checkpointEvery: every, featureSpace: 'faces' as const };
  const pretrained = join(root, 'pretrained');
  const pre = await trainRun({ dir: pretrained, config: presetConfig('faces-64', { data: { source: 'folder', path: sourceDir, flip: true }, train: { steps: 1, minutes: Number(values['pretrain-minutes']), seed }, monitor: { ...monitor, evalEvery: 0, sampleEvery: 500, checkpointEvery: 500 } }) });
  console.log(`pre-trained: ${pre.step} steps`);

  const ways = { scratch: {}, 'fine-tuned': { init: pretrained }, [`fine-tuned, freezeD ${values['freeze-d']}`]: { init: pretrained, freezeD: Number(values['freeze-d']) } };
  const curves = new Map<string, [number, number][]>();
  for (const [name, train] of Object.entries(ways)) {
    const curve: [number, number][] = [];
    await trainRun({
      dir: join(root, name.replace(/[^a-z0-9]+/gi, '-')),
      config: presetConfig('faces-64', { data: { source: 'folder', path: targetDir, flip: true }, train: { steps, seed, ...train }, monitor }),
      onQuality: (step, q) => curve.push([step, q.kid]),
    });
    curves.set(name, curve);
    console.log(`${name}: ${curve.map(([s, k]) => `${s}:${(k * 1000).toFixed(1)}`).join(' ')}`);
  }

  const scratch = curves.get('scratch')!;
  const goal = Math.min(...scratch.slice(-3).map(([, k]) => k)); // the best of scratch's last three measurements
  console.log(`\nKID ×10³ in the faces space against the ${values.pictures} pictures; goal = scratch's best of its last three: ${(goal * 1000).toFixed(1)}\n`);
  console.log(`| way | ${scratch.map(([s]) => s).join(' | ')} | steps to the goal |\n|---|${scratch.map(() => '---:').join('|')}|---:|`);
  for (const [name, curve] of curves) {
    const reached = curve.find(([, k]) => k <= goal)?.[0];
    console.log(`| ${name} | ${curve.map(([, k]) => (k * 1000).toFixed(1)).join(' | ')} | ${reached ?? `not in ${steps}`} |`);
  }
  closeBackends();
}

void main();
