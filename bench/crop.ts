/**
 * npm run bench -- crop [--input DIR] [--cascade FILE] [--workers N]
 *
 * Face-cropping throughput (pictures/s) of `runCropJob` — OpenCV WebAssembly in a worker per core — against the
 * seeds' recipe in native OpenCV (bench/crop_seed.py with Debian's python3-opencv, single process) on the same
 * folder, in one invocation; prints the ratio (goal ≥ 1.0×) and whether both found the same boxes.
 * Default folder: the Ren'Py demo's sprites and backgrounds (Debian renpy-demo), default cascade the anime one.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveCascade } from '../src/main/engine/faces/cascades';
import { DEFAULT_CROP } from '../src/main/engine/faces/crop';
import { readManifest, runCropJob } from '../src/main/services/cropJob';

const { values } = parseArgs({
  options: {
    input: { type: 'string', default: '/usr/share/games/renpy/demo/game/images' },
    cascade: { type: 'string', default: resolve(__dirname, '..', '..', 'shared', 'data', 'lbpcascade_animeface.xml') },
    workers: { type: 'string' },
  },
});

async function main(): Promise<void> {
  if (!existsSync(values.input!)) throw new Error(`no ${values.input}: apt-get install renpy-demo, or pass --input DIR`);
  const cascade = await resolveCascade(values.cascade!, { cacheDir: tmpdir() });
  const out = mkdtempSync(join(tmpdir(), 'bench-crop-'));
  const ours = await runCropJob({ input: values.input!, out, cascade, params: DEFAULT_CROP, workers: values.workers ? Number(values.workers) : undefined });
  // As the Python timer starts after importing cv2 and loading the cascade, ours starts once the workers have.
  const seconds = ours.seconds.cropping;
  const pictures = ours.imagesRead + ours.failed.length;
  console.log(`ours (opencv-js 4.12 wasm, ${values.workers ?? 'one worker per core'}): ${pictures} pictures, ${ours.facesFound} faces in ${seconds.toFixed(2)} s = ${(pictures / seconds).toFixed(1)} pictures/s, after ${ours.seconds.startup.toFixed(2)} s loading OpenCV in the workers`);

  const seed = spawnSync('/usr/bin/python3', [join(__dirname, 'crop_seed.py'), values.input!, mkdtempSync(join(tmpdir(), 'bench-seed-')), cascade.path], { encoding: 'utf8' });
  if (seed.status !== 0) {
    console.log(`seed recipe (python3-opencv) did not run: ${(seed.stderr || seed.error?.message || '').trim().split('\n').pop()} — apt-get install python3-opencv`);
    return;
  }
  const theirs = JSON.parse(seed.stdout) as { pictures: number; faces: number; seconds: number; opencv: string; boxes: Record<string, number[][]> };
  console.log(`seed recipe (native OpenCV ${theirs.opencv}, python, 1 process): ${theirs.pictures} pictures, ${theirs.faces} faces in ${theirs.seconds.toFixed(2)} s = ${(theirs.pictures / theirs.seconds).toFixed(1)} pictures/s`);
  console.log(`ratio ours/seed (speed): ${(theirs.seconds / seconds).toFixed(2)}× (with our start-up counted: ${(theirs.seconds / (seconds + ours.seconds.startup)).toFixed(2)}×)`);

  const key = (b: (number | string)[]) => b.join(',');
  const ourBoxes = Object.fromEntries(readManifest(join(out, 'crops.jsonl')).flatMap((r) => ('crops' in r ? [[r.source, r.crops.map((c) => key([c.box.x, c.box.y, c.box.width, c.box.height])).sort()]] : [])));
  const differ = Object.entries(theirs.boxes).filter(([file, boxes]) => key(boxes.map(key).sort()) !== key(ourBoxes[file] ?? []));
  console.log(differ.length === 0 ? 'same boxes on every picture' : `boxes differ on ${differ.length} pictures: ${differ.slice(0, 5).map(([f]) => f).join(', ')}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
