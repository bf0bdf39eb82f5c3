/**
 * npm run bench -- eval-cost [--backend all|tensorflow|wasm|cpu] [--pictures 32]
 *
 * What a quality measurement costs on each backend, per 1,000 samples: embedding 64 px pictures in each feature
 * space (timed over --pictures after one warm-up batch, then scaled), and the scores themselves (FID, KID,
 * precision/recall/density/coverage, memorisation) for 1,000 samples against 1,000 reference pictures. Each
 * backend runs in a process of its own.
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { BACKEND_NAMES, closeBackends, startBackend, type BackendName } from '../src/main/engine/runtime/backend';
import { openFeatureSpace } from '../src/main/engine/metrics/featureSpace';
import { scoreFeatures } from '../src/main/engine/metrics/quality';
import { Rng } from '../src/main/engine/training/rng';
import type { FeatureSpaceId } from '../src/shared/quality';

const { values } = parseArgs({ options: { backend: { type: 'string', default: 'all' }, pictures: { type: 'string', default: '32' }, json: { type: 'boolean', default: false } } });
const SPACES: FeatureSpaceId[] = ['general', 'faces'];

async function measure(name: BackendName): Promise<Record<string, number | string>> {
  const backend = await startBackend(name);
  const n = Number(values.pictures);
  const pictures = Rng.fromSeed(1).normals((n + 8) * 64 * 64 * 3).map((v) => Math.tanh(v));
  const row: Record<string, number | string> = { backend: backend.description };
  for (const id of SPACES) {
    const space = openFeatureSpace(id);
    space.embed(pictures, 8, [64, 64, 3]); // warm-up
    const t = performance.now();
    space.embed(pictures.subarray(8 * 64 * 64 * 3), n, [64, 64, 3]);
    row[id] = ((performance.now() - t) / n) * 1000 / 1000;
    space.dispose();
  }
  const rng = Rng.fromSeed(2);
  const reference = { space: 'general' as const, features: rng.normals(1000 * 720), count: 1000, dim: 720 };
  const t = performance.now();
  scoreFeatures(reference, rng.normals(1000 * 720), 1000);
  row.scores = (performance.now() - t) / 1000;
  closeBackends();
  return row;
}

async function main(): Promise<void> {
  if (values.json) {
    console.log(JSON.stringify(await measure(values.backend as BackendName)));
    return;
  }
  const wanted = values.backend === 'all' ? [...BACKEND_NAMES] : [values.backend as BackendName];
  console.log('| backend | general: s per 1,000 samples | faces: s per 1,000 samples | scores, 1,000 vs 1,000 (s) |\n|---|---:|---:|---:|');
  for (const name of wanted) {
    const child = spawnSync(process.execPath, [...process.execArgv, __filename, '--json', '--backend', name, '--pictures', values.pictures!], { encoding: 'utf8', timeout: 1_800_000 });
    const line = child.stdout.trim().split('\n').at(-1) ?? '';
    try {
      const r = JSON.parse(line) as Record<string, number | string>;
      console.log(`| ${r.backend} | ${Number(r.general).toFixed(1)} | ${Number(r.faces).toFixed(1)} | ${Number(r.scores).toFixed(1)} |`);
    } catch {
      console.log(`| ${name} | not measured: ${(child.stderr || line).trim().split('\n').at(-1)} | | |`);
    }
  }
}

void main();
