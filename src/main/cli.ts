/**
 * gan-studio: the command line over the engine.
 *   info | train | resume | sample | eval | probe | sweep | export | timelapse | import-generator | semi-supervised | collect |
 *   crop | import | native | serve
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BACKEND_NAMES, closeBackends, probeBackends, startBackend, type BackendName } from './engine/runtime/backend';
import { branchRun, trainRun, type RunEvents } from './engine/training/run';
import { loadRunGenerator } from './engine/training/generator';
import { gridPng } from './engine/training/sampleGrid';
import { evaluateRun } from './engine/metrics/evaluate';
import type { SnapshotChoice } from './engine/training/snapshots';
import { FEATURE_SPACES, type FeatureSpaceId } from '../shared/quality';
import { ConfigError, type Config } from '../shared/config/schema';
import { PRESET_NAMES } from '../shared/config/presets';
import { Rng } from './engine/training/rng';
import { cancelOnInterrupt, formatProgress, ProgressPrinter } from './cli/progressLine';
import { configFromOptions, configHelp } from './cli/configOptions';
import { Studio } from './services/studio';
import { cropCommand } from './cli/cropCommand';
import { collectCommand } from './cli/collectCommand';
import { semiSupervisedCommand } from './cli/semiSupervisedCommand';
import { probeCommand } from './cli/probeCommand';
import { sweepCommand } from './cli/sweepCommand';
import { importCommand } from './cli/importCommand';
import { exportCommand, exportFormat, importGeneratorCommand, timelapseCommand } from './cli/exportCommand';
import { nativeInstall, nativeStatus } from './cli/nativeCommand';
import { isLoopback, startStudioServer } from './host/wsServer';

const USAGE = `gan-studio — train GANs and look at what they learned

  gan-studio info
  gan-studio train [--preset NAME] [--config FILE.json] [--set group.field=value]… --out DIR
                   [--steps N | --minutes M] [--batch N] [--seed S] [--backend B]
  gan-studio resume DIR [--steps N] [--backend B]
  gan-studio resume DIR --snapshot N|best --out NEW_DIR [--steps N]   continues a snapshot in a new run folder
  gan-studio sample DIR --out FILE.png [--n 64] [--seed S] [--snapshot N|best] [--trunc PSI] [--backend B]
                  --trunc: the truncation trick, 0–1 (1: off): latents pulled towards the mean (w's for a style-based G)
  gan-studio eval DIR [--n 1000] [--snapshot N|best] [--space ${FEATURE_SPACES.join('|')}] [--last-weights] [--backend B]
                  prints one JSON object: FID, KID, precision, recall, density, coverage, memorisation, the space;
                  --last-weights: G's last weights where the run keeps their average (train.emaDecay)
  gan-studio probe DIR [--snapshot N|best] [--filters FILE.png] [--backend B]
                  what D learned: a linear classifier on its frozen features of the run's labelled pictures, beside the
                  raw pixels and an untrained D (test accuracies; kept as DIR/probe.json); --filters draws D's first filters
  gan-studio sweep SPEC.json [--workspace DIR] [--backend B] [--results]
                  a grid (or random sample) of config fields × seeds as a queue of runs in the workspace, PARALLEL
                  at a time (resumable), then its results table: each grid point's best score, mean ± spread over seeds
  gan-studio sweep SPEC.json --emit slurm|kubernetes [--image IMG] [--volume PATH|PVC] [--mount /workspace]
                  [--cpus 2] [--memory-gib 8] [--workspace DIR]
                  the same cells as a Slurm array job script or a Kubernetes Indexed Job manifest, each task running
                  gan-studio train --config on the shared workspace in the image IMG
  gan-studio export DIR --format tfjs|onnx|toy [--snapshot N|best] [--out PATH] [--workspace DIR] [--backend B]
                  G (its weight average where the run keeps one) as a TF.js graph model folder, an ONNX file, or the
                  web toy: a folder with a page that runs it offline (the run's z-space bookmarks from the workspace,
                  slider directions); default PATH: the run's exports/ folder
  gan-studio import-generator FILE --name NAME [--workspace DIR] [--backend B]
                  a generator made elsewhere (an .onnx file, or a folder with a TF.js model.json) as a run the latent
                  lab opens: z (batch × d, or batch × d × 1 × 1) [+ class weights] → pictures (NCHW or NHWC) in [-1, 1]
  gan-studio timelapse DIR --format mp4|webm|gif [--fps 8] [--out FILE]
                  the run's sample grids over its training as one film (default FILE: the run's exports/ folder)
  gan-studio native install [--from WHEEL_OR_SITE_PACKAGES]   builds the native TensorFlow backend against a TensorFlow you have
  gan-studio native status
  gan-studio serve [--port 7860] [--host 127.0.0.1] [--workspace DIR] [--backend B]
  gan-studio semi-supervised --out DIR [--labels 100] [--steps 3000] [--lr 0.0003] [--seed S] [--backend B]
                  Salimans et al.'s semi-supervised GAN on MNIST with this many labels (the rest unlabelled; feature
                  matching for G), and the same network trained on the labels alone: both test accuracies
  gan-studio collect (--urls FILE | --page-pattern 'https://…?page={n}' --pages A-B) [--select 'img.preview']
                  [--attr ATTR] --out DIR [--delay 1] [--timeout 30] [--retries 3] [--max-mb 20] [--allow-private HOSTS|all]
                  pictures from web pages into a folder (then import or crop it): robots.txt obeyed, one request at a
                  time with --delay seconds between two to one host, private addresses refused unless allowed; the
                  same --out again resumes (collect.jsonl records what is done)
  gan-studio crop INPUT_DIR --cascade anime|frontalface|FILE --out OUT_DIR [--size 96] [--min-size 48]
                  [--scale-factor 1.1] [--min-neighbors 5] [--margin 0] [--pattern GLOB] [--workers N]
  gan-studio import DIR --name NAME [--pattern GLOB] [--workspace DIR]

  train, resume, collect, crop and import print a progress line; where stderr is not a terminal, a plain line at most every
  --progress-every SECONDS (default 5).

presets: ${PRESET_NAMES.join(', ')}
backends: auto (default), ${BACKEND_NAMES.join(', ')}
train: --config reads a JSON file of config groups (a run's config.json will do), then each --set changes one
  field; without a preset (--preset, or "preset" in the file) the fields' defaults apply. For example:
  gan-studio train --preset dcgan-64 --set data.source=folder --set data.path=~/faces --set train.labelFlip=0.05 --out runs/faces`;

class UsageError extends Error {}

function intOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a whole number, got '${value}'`);
  return n;
}

function numberOption(value: string | undefined, name: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new UsageError(`--${name} must be a number ≥ ${min}, got '${value}'`);
  return n;
}

function snapshotOption(value: string | undefined): SnapshotChoice {
  if (value === undefined || value === 'best') return value;
  const step = Number(value);
  if (!Number.isInteger(step) || step < 0) throw new UsageError(`--snapshot must be a step or 'best', got '${value}'`);
  return step;
}

function backendOption(value: string | undefined): BackendName | 'auto' {
  const v = value ?? 'auto';
  if (v !== 'auto' && !(BACKEND_NAMES as readonly string[]).includes(v)) {
    throw new UsageError(`--backend must be auto or one of ${BACKEND_NAMES.join(', ')}, got '${v}'`);
  }
  return v as BackendName | 'auto';
}

async function useBackend(value: string | undefined): Promise<void> {
  const report = await startBackend(backendOption(value));
  process.stderr.write(`backend: ${report.description}${report.gpu ? ' — on GPU' : ' — no GPU'}\n`);
}

const OPTIONS = {
  preset: { type: 'string' }, out: { type: 'string' }, steps: { type: 'string' }, minutes: { type: 'string' }, batch: { type: 'string' },
  backend: { type: 'string' }, seed: { type: 'string' }, n: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  port: { type: 'string' }, host: { type: 'string' }, workspace: { type: 'string' },
  cascade: { type: 'string' }, size: { type: 'string' }, 'min-size': { type: 'string' }, 'scale-factor': { type: 'string' },
  'min-neighbors': { type: 'string' }, margin: { type: 'string' }, pattern: { type: 'string' }, workers: { type: 'string' },
  name: { type: 'string' }, from: { type: 'string' }, snapshot: { type: 'string' }, space: { type: 'string' }, trunc: { type: 'string' },
  labels: { type: 'string' }, lr: { type: 'string' }, filters: { type: 'string' }, results: { type: 'boolean' }, emit: { type: 'string' }, image: { type: 'string' },
  volume: { type: 'string' }, mount: { type: 'string' }, cpus: { type: 'string' }, 'memory-gib': { type: 'string' }, urls: { type: 'string' }, 'page-pattern': { type: 'string' }, pages: { type: 'string' }, select: { type: 'string' }, attr: { type: 'string' },
  delay: { type: 'string' }, timeout: { type: 'string' }, retries: { type: 'string' }, 'max-mb': { type: 'string' }, 'allow-private': { type: 'string' },
  'last-weights': { type: 'boolean' }, format: { type: 'string' }, fps: { type: 'string' }, config: { type: 'string' }, set: { type: 'string', multiple: true }, 'progress-every': { type: 'string' },
} as const;

async function main(argv: string[]): Promise<void> {
  const { values: o, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  const [command, ...rest] = positionals;
  if (o.help || !command) {
    process.stdout.write(`${USAGE}\n\n${configHelp()}\n`);
    return;
  }
  const progress = new ProgressPrinter(process.stderr, numberOption(o['progress-every'], 'progress-every', 0) ?? 5);
  switch (command) {
    case 'info': {
      const probes = await probeBackends();
      const chosen = await startBackend('auto');
      const versions = { node: process.versions.node, tfjs: chosen.tfjsVersion };
      process.stdout.write(`${JSON.stringify({ chosen: chosen.name, description: chosen.description, gpu: chosen.gpu, backends: probes, versions }, null, 2)}\n`);
      return;
    }
    case 'train': {
      if (!o.preset && !o.config && !o.set) throw new UsageError('train needs --preset NAME, --config FILE.json or --set group.field=value');
      if (!o.out) throw new UsageError('train needs --out DIR');
      const config = configFromOptions({
        preset: o.preset,
        configFile: o.config,
        sets: o.set,
        extra: {
          train: {
            ...(o.steps !== undefined && { steps: intOption(o.steps, 'steps') }),
            ...(o.minutes !== undefined && { minutes: numberOption(o.minutes, 'minutes', 0) }),
            ...(o.batch !== undefined && { batchSize: intOption(o.batch, 'batch') }),
            ...(o.seed !== undefined && { seed: intOption(o.seed, 'seed') }),
          },
        },
      });
      await useBackend(o.backend);
      await runWithProgress(resolve(o.out), { config }, progress);
      return;
    }
    case 'resume': {
      const dir = rest[0];
      if (!dir) throw new UsageError('resume needs the run folder');
      const snapshot = snapshotOption(o.snapshot);
      if (snapshot !== undefined && !o.out) throw new UsageError('resume --snapshot continues in a new run folder: give it with --out NEW_DIR');
      let target = resolve(dir);
      if (snapshot !== undefined) {
        const step = branchRun(target, snapshot, resolve(o.out!));
        process.stderr.write(`continuing ${dir} from its snapshot at step ${step} in ${o.out}\n`);
        target = resolve(o.out!);
      }
      await useBackend(o.backend);
      await runWithProgress(target, { steps: intOption(o.steps, 'steps') }, progress);
      return;
    }
    case 'sample': {
      const dir = rest[0];
      if (!dir || !o.out) throw new UsageError('sample needs the run folder and --out FILE.png');
      await useBackend(o.backend);
      const g = loadRunGenerator(resolve(dir), { snapshot: snapshotOption(o.snapshot) });
      const n = intOption(o.n, 'n') ?? 64;
      const rng = Rng.fromSeed(intOption(o.seed, 'seed') ?? Date.now() % 2 ** 32);
      const psi = numberOption(o.trunc, 'trunc', 0) ?? 1;
      if (psi > 1) throw new UsageError(`--trunc must be from 0 to 1 (1: no truncation), got '${o.trunc}'`);
      const images = g.generate(rng.normals(n * g.latentDim), undefined, psi);
      mkdirSync(dirname(resolve(o.out)), { recursive: true });
      writeFileSync(o.out, await gridPng(images, g.imageShape));
      g.dispose();
      process.stderr.write(`wrote ${n} samples to ${o.out}\n`);
      return;
    }
    case 'eval': {
      const dir = rest[0];
      if (!dir) throw new UsageError('eval needs the run folder');
      await useBackend(o.backend);
      const space = o.space as FeatureSpaceId | undefined;
      if (space !== undefined && !FEATURE_SPACES.includes(space)) throw new UsageError(`--space must be one of ${FEATURE_SPACES.join(', ')}, got '${space}'`);
      const n = intOption(o.n, 'n') ?? 1000;
      if (n < 20) throw new UsageError(`--n must be at least 20 samples, got ${n}`);
      const result = await evaluateRun(resolve(dir), { n, snapshot: snapshotOption(o.snapshot), space, lastWeights: o['last-weights'] });
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return;
    }
    case 'export': {
      const dir = rest[0];
      if (!dir) throw new UsageError('export needs the run folder');
      const format = exportFormat(o.format);
      await useBackend(o.backend);
      exportCommand({ dir, format, snapshot: snapshotOption(o.snapshot), out: o.out, workspace: resolve(o.workspace ?? defaultWorkspace()) });
      return;
    }
    case 'import-generator': {
      if (!rest[0] || !o.name) throw new UsageError('import-generator needs FILE and --name NAME');
      await useBackend(o.backend);
      importGeneratorCommand({ source: resolve(rest[0]), name: o.name, workspace: resolve(o.workspace ?? defaultWorkspace()) });
      return;
    }
    case 'timelapse': {
      const dir = rest[0];
      if (!dir) throw new UsageError('timelapse needs the run folder');
      await timelapseCommand({ dir, format: o.format, fps: intOption(o.fps, 'fps') ?? 8, out: o.out, progress });
      return;
    }
    case 'probe': {
      if (!rest[0]) throw new UsageError('probe needs the run folder');
      await useBackend(o.backend);
      await probeCommand({ dir: rest[0], snapshot: snapshotOption(o.snapshot), filters: o.filters, progress });
      return;
    }
    case 'sweep': {
      if (!rest[0]) throw new UsageError('sweep needs the spec file (SPEC.json)');
      await sweepCommand({
        specFile: rest[0], workspace: resolve(o.workspace ?? defaultWorkspace()), backend: backendOption(o.backend), results: Boolean(o.results), emit: o.emit, progress,
        cluster: { image: o.image, volume: o.volume, workspace: o.mount, cpus: intOption(o.cpus, 'cpus') || undefined, memoryGiB: intOption(o['memory-gib'], 'memory-gib') || undefined },
      });
      return;
    }
    case 'semi-supervised': {
      if (!o.out) throw new UsageError('semi-supervised needs --out DIR');
      await useBackend(o.backend);
      await semiSupervisedCommand({ labelled: intOption(o.labels, 'labels') ?? 100, steps: intOption(o.steps, 'steps') ?? 3000, seed: intOption(o.seed, 'seed') ?? 1, lr: numberOption(o.lr, 'lr', 1e-7), out: o.out, progress });
      return;
    }
    case 'collect': {
      if (!o.out) throw new UsageError('collect needs --out DIR');
      await collectCommand({
        urls: o.urls, pagePattern: o['page-pattern'], pages: o.pages, select: o.select ?? 'img', attr: o.attr, out: o.out,
        delaySeconds: numberOption(o.delay, 'delay', 0), timeoutSeconds: numberOption(o.timeout, 'timeout', 0.001),
        retries: intOption(o.retries, 'retries'), maxMB: numberOption(o['max-mb'], 'max-mb', 0.001), allowPrivate: o['allow-private'], progress,
      });
      return;
    }
    case 'crop': {
      const input = rest[0];
      if (!input || !o.out || !o.cascade) throw new UsageError('crop needs INPUT_DIR, --cascade anime|frontalface|FILE and --out OUT_DIR');
      const scaleFactor = numberOption(o['scale-factor'], 'scale-factor', 1.0001);
      await cropCommand({
        input,
        out: o.out,
        cascade: o.cascade,
        pattern: o.pattern,
        workers: intOption(o.workers, 'workers') || undefined,
        progress,
        params: Object.fromEntries(Object.entries({
          size: intOption(o.size, 'size'),
          minSize: intOption(o['min-size'], 'min-size'),
          scaleFactor,
          minNeighbors: intOption(o['min-neighbors'], 'min-neighbors'),
          margin: numberOption(o.margin, 'margin', 0),
        }).filter(([, v]) => v !== undefined)),
      });
      return;
    }
    case 'import': {
      if (!rest[0] || !o.name) throw new UsageError('import needs DIR and --name NAME');
      await importCommand({ dir: rest[0], name: o.name, pattern: o.pattern, workspace: resolve(o.workspace ?? defaultWorkspace()), progress });
      return;
    }
    case 'native': {
      if (rest[0] === 'install') nativeInstall(o.from);
      else if (rest[0] === 'status') nativeStatus();
      else throw new UsageError('native needs install or status');
      return;
    }
    case 'serve': {
      await serve(o.host ?? '127.0.0.1', intOption(o.port, 'port') ?? 7860, resolve(o.workspace ?? defaultWorkspace()), backendOption(o.backend));
      return;
    }
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

function defaultWorkspace(): string {
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'gan-studio', 'runs');
}

/** The headless studio: the contract over a WebSocket until Ctrl-C. Training runs in worker threads. */
async function serve(host: string, port: number, workspace: string, backend: BackendName | 'auto'): Promise<void> {
  const studio = new Studio(workspace, backend, { kind: 'server' });
  const staticDir = resolve(__dirname, '..', '..', 'out', 'renderer');
  const server = await startStudioServer({ host, port, staticDir: existsSync(staticDir) ? staticDir : undefined, pictures: (path) => studio.pictureFile(path), handler: studio });
  studio.subscribe(server.broadcast);
  if (!isLoopback(host)) process.stderr.write(`warning: listening on ${host}, reachable from other machines; anyone with the token can train here\n`);
  process.stderr.write(`GAN Studio serving runs in ${workspace}${existsSync(staticDir) ? '' : ' (the UI is not built: npm run build)'}\nopen this URL in a browser (Ctrl-C checkpoints running trainings and stops):\n`);
  process.stdout.write(`${server.url}\n`);
  await new Promise<void>((done) => {
    // Running trainings write their checkpoints before the server goes.
    const stop = (): void => void studio.stopAll().then(() => server.close()).then(done);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

async function runWithProgress(dir: string, o: { config?: Config; steps?: number }, progress: ProgressPrinter): Promise<void> {
  const interrupt = cancelOnInterrupt('stopping: writing a checkpoint');
  const events: RunEvents = {
    onDataset: (d) => {
      progress.note(`dataset: ${d.name}, ${d.count} images ${d.shape.join('×')}`);
      for (const s of d.skipped) progress.note(`  skipped ${s.file}: ${s.reason}`);
    },
    onStep: (m, eta, steps) => progress.update(formatProgress(m, steps, eta)),
    onCompiled: (line) => progress.note(line),
    onPlan: (p) => progress.note(`time budget ${p.minutes} min: ${p.steps} steps planned at ${p.secondsPerStep.toFixed(3)} s per step${p.width === undefined ? '' : `, width ${p.width}`}`),
    onCheckpoint: (step, file) => progress.note(`checkpoint at step ${step}: ${file}`),
  };
  try {
    const result = await trainRun({ dir, config: o.config, steps: o.steps, signal: interrupt.signal, ...events });
    progress.note(`${result.cancelled ? 'stopped' : 'done'} at step ${result.step}; samples in ${dir}/samples`);
  } finally {
    progress.end();
    interrupt.dispose();
  }
}

main(process.argv.slice(2))
  .catch((err: unknown) => {
    if (err instanceof UsageError) process.stderr.write(`gan-studio: ${err.message}\n\n${USAGE}\n`);
    else if (err instanceof ConfigError) process.stderr.write(`gan-studio: ${err.message}\n`);
    else process.stderr.write(`gan-studio: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(closeBackends);
