import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFields } from '../../src/shared/config/form';

const BIN = resolve(__dirname, '..', '..', 'bin', 'gan-studio.cjs');

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('gan-studio command line', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'gan-cli-')), 'run');

  it('info lists the backends, the chosen one and versions', () => {
    const r = cli('info');
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout) as { chosen: string; backends: { name: string; available: boolean }[]; versions: { tfjs: string } };
    expect(info.backends.map((b) => b.name)).toEqual(['tensorflow', 'wasm', 'cpu']);
    expect(info.backends.find((b) => b.name === info.chosen)?.available).toBe(true);
    expect(info.versions.tfjs).toBe('4.22.0');
  });

  it('train writes samples, metrics (one JSON line per step) and a checkpoint, with a progress line', () => {
    const monitor = ['--set', 'monitor.evalEvery=2', '--set', 'monitor.snapshotEvery=2', '--set', 'monitor.evalSamples=20'];
    const r = cli('train', '--preset', 'mnist-quick', '--steps', '4', '--batch', '8', '--backend', 'wasm', '--seed', '3', ...monitor, '--out', dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/backend: wasm/);
    expect(r.stderr).toMatch(/step 4\/4 epoch 0 .*img\/s .*ETA/);
    const all = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const lines = all.filter((l) => 'lossD' in l); // quality and alarm lines sit between the steps
    expect(lines.map((l) => l.step)).toEqual([1, 2, 3, 4]);
    expect(all.filter((l) => l.quality).map((l) => [l.step, l.quality.space])).toEqual([[2, 'mnist-classifier'], [4, 'mnist-classifier']]);
    expect(readdirSync(join(dir, 'snapshots')).sort()).toEqual(['step-000002.bin', 'step-000002.json', 'step-000004.bin', 'step-000004.json']);
    expect(Object.keys(lines[0])).toEqual(expect.arrayContaining(['step', 'epoch', 'lossD', 'lossG', 'dReal', 'dFake', 'stepMs', 'imagesPerSec']));
    expect(readdirSync(join(dir, 'samples'))).toEqual(['step-000000.png', 'step-000004.png']);
    expect(existsSync(join(dir, 'checkpoint.bin'))).toBe(true);
  });

  it('resume continues the step count; sample and eval read the checkpoint', () => {
    const r = cli('resume', dir, '--steps', '6', '--backend', 'wasm');
    expect(r.code, r.stderr).toBe(0);
    const steps = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((l) => 'lossD' in l).map((l) => l.step);
    expect(steps).toEqual([1, 2, 3, 4, 5, 6]);
    const png = join(dir, 'sheet.png');
    expect(cli('sample', dir, '--n', '9', '--out', png, '--backend', 'wasm').code).toBe(0);
    expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
    // --trunc 0: every latent is pulled to the mean, so two seeds draw the same sheet; untruncated they differ
    const sheet = (seed: string, psi: string): Buffer => {
      const out = join(dir, `sheet-${seed}-${psi}.png`);
      expect(cli('sample', dir, '--n', '4', '--seed', seed, '--trunc', psi, '--out', out, '--backend', 'wasm').code).toBe(0);
      return readFileSync(out);
    };
    expect(sheet('1', '0').equals(sheet('2', '0'))).toBe(true);
    expect(sheet('1', '1').equals(sheet('2', '1'))).toBe(false);
    expect(cli('sample', dir, '--trunc', '1.5', '--out', png, '--backend', 'wasm').stderr).toMatch(/--trunc must be from 0 to 1 \(1: no truncation\), got '1.5'/);
    const ev = cli('eval', dir, '--n', '200', '--backend', 'wasm');
    expect(ev.code, ev.stderr).toBe(0);
    const result = JSON.parse(ev.stdout) as { step: number; space: string; kid: number; fid: number; precision: number; recall: number; memorised: number; mnist: { fcd: number; classHistogram: number[] } };
    expect(result.step).toBe(6);
    expect(result.space).toBe('mnist-classifier');
    for (const key of ['kid', 'fid', 'precision', 'recall', 'memorised'] as const) expect(Number.isFinite(result[key]), key).toBe(true);
    expect(result.mnist.fcd).toBeGreaterThan(0);
    expect(result.mnist.classHistogram.reduce((a, b) => a + b, 0)).toBe(200);
    const atSnapshot = JSON.parse(cli('eval', dir, '--n', '50', '--snapshot', '2', '--backend', 'wasm').stdout) as { step: number; snapshot: number };
    expect(atSnapshot).toMatchObject({ step: 2, snapshot: 2 });
    const missing = cli('eval', dir, '--snapshot', '3', '--backend', 'wasm');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/no snapshot at step 3 \(it keeps 2, 4, 6\)/);
    const branch = join(dir, '..', 'branch');
    expect(cli('resume', dir, '--snapshot', '4', '--backend', 'wasm').stderr).toMatch(/give it with --out NEW_DIR/);
    const continued = cli('resume', dir, '--snapshot', '4', '--out', branch, '--steps', '5', '--backend', 'wasm');
    expect(continued.code, continued.stderr).toBe(0);
    expect(continued.stderr).toMatch(/continuing .* from its snapshot at step 4/);
    const branched = readFileSync(join(branch, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((l) => 'lossD' in l).map((l) => l.step);
    expect(branched).toEqual([1, 2, 3, 4, 5]);
    expect(cli('eval', dir, '--space', 'pixels').stderr).toMatch(/--space must be one of general, faces, mnist-classifier, own, got 'pixels'/);
  });

  it('exports the generator (ONNX at a snapshot), imports it back as a run, and films the training, refusing a bad format by name', () => {
    const exported = cli('export', dir, '--format', 'onnx', '--snapshot', '4', '--backend', 'wasm');
    expect(exported.code, exported.stderr).toBe(0);
    const result = JSON.parse(exported.stdout) as { path: string; step: number; bytes: number };
    expect(result).toMatchObject({ step: 4, path: join(dir, 'exports', 'generator-4.onnx') });
    expect(readFileSync(result.path).length).toBe(result.bytes);
    expect(cli('export', dir, '--format', 'keras').stderr).toMatch(/--format must be one of tfjs, onnx, toy, got 'keras'/);
    const film = cli('timelapse', dir, '--format', 'gif', '--fps', '5', '--out', join(dir, 'film.gif'));
    expect(film.code, film.stderr).toBe(0);
    expect(JSON.parse(film.stdout)).toMatchObject({ frames: readdirSync(join(dir, 'samples')).length, fps: 5 });
    expect(readFileSync(join(dir, 'film.gif')).subarray(0, 3).toString()).toBe('GIF');
    expect(cli('timelapse', dir, '--format', 'avi').stderr).toMatch(/--format must be one of mp4, webm, gif, got 'avi'/);
    const workspace = join(dir, '..', 'elsewhere');
    const imported = cli('import-generator', result.path, '--name', 'from-onnx', '--workspace', workspace, '--backend', 'wasm');
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ run: join(workspace, 'from-onnx'), format: 'onnx', latentDim: 64, imageShape: [28, 28, 1] });
    expect(cli('import-generator', result.path, '--name', 'from-onnx', '--workspace', workspace).stderr).toMatch(/a run named 'from-onnx' exists already/);
  });

  it("probes the run's D (kept as probe.json, filters drawn) and runs the semi-supervised GAN, writing its pictures", () => {
    const filters = join(dir, 'filters.png');
    const probe = cli('probe', dir, '--filters', filters, '--backend', 'wasm');
    expect(probe.code, probe.stderr).toBe(0);
    const report = JSON.parse(probe.stdout);
    expect(report).toMatchObject({ step: expect.any(Number), dataset: expect.stringMatching(/mnist/), classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] });
    expect(JSON.parse(readFileSync(join(dir, 'probe.json'), 'utf8'))).toEqual(report);
    expect(readFileSync(filters).subarray(1, 4).toString()).toBe('PNG');

    const out = join(dir, '..', 'ssgan');
    const ssgan = cli('semi-supervised', '--labels', '20', '--steps', '3', '--out', out, '--backend', 'wasm');
    expect(ssgan.code, ssgan.stderr).toBe(0);
    expect(JSON.parse(ssgan.stdout)).toMatchObject({ labelled: 20, steps: 3, history: [{ step: 1 }, { step: 2 }, { step: 3 }] });
    expect(ssgan.stderr).toMatch(/step 3\/3 {2}test accuracy: GAN's D [\d.]+ %, labels alone [\d.]+ %/);
    expect(readdirSync(out).sort()).toEqual(['accuracy.svg', 'result.json', 'samples.png']);
    expect(readFileSync(join(out, 'accuracy.svg'), 'utf8')).toMatch(/<polyline[^>]*points="[\d., ]+"/);
    expect(cli('semi-supervised', '--labels', '15', '--steps', '1', '--out', out).stderr).toMatch(/labelled: 15 is not a multiple of the 10 classes/);
  });

  it('Ctrl-C stops at the end of a step, writes a checkpoint, and resume carries on from it', async () => {
    const run = join(dir, '..', 'interrupted');
    const child = spawn(process.execPath, [BIN, 'train', '--preset', 'mnist-quick', '--steps', '500', '--batch', '8', '--backend', 'wasm', '--progress-every', '0', '--out', run]);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (/step 3\/500/.test(stderr) && !child.killed) child.kill('SIGINT');
    });
    const code = await new Promise<number | null>((done) => child.on('close', done));
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/stopping: writing a checkpoint/);
    const stoppedAt = Number(/stopped at step (\d+)/.exec(stderr)![1]);
    expect(stoppedAt).toBeGreaterThanOrEqual(3);
    expect(stoppedAt).toBeLessThan(500);
    expect(readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(stoppedAt);
    expect(cli('resume', run, '--steps', String(stoppedAt + 2), '--backend', 'wasm').code).toBe(0);
    const steps = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).step);
    expect(steps.at(-1)).toBe(stoppedAt + 2);
  });

  it('reaches every config field: --config FILE.json, then each --set, checked by the schema', () => {
    const folder = mkdtempSync(join(tmpdir(), 'gan-cli-folder-'));
    for (let i = 0; i < 6; i++) writeFileSync(join(folder, `p${i}.png`), readFileSync(join(dir, 'samples', 'step-000000.png')));
    const file = join(folder, '..', `${folder.split('/').pop()}.json`);
    writeFileSync(file, JSON.stringify({ preset: 'mnist-quick', model: { width: 0.125, latentDim: 8 }, train: { batchSize: 4, labelFlip: 0.2 } }));
    const run = join(dir, '..', 'own-folder');
    const r = cli('train', '--config', file, '--set', 'data.source=folder', '--set', `data.path=${folder}`, '--set', 'train.labelFlip=0.05', '--set', 'data.flip=true', '--set', 'model.channels=1', '--steps', '2', '--backend', 'wasm', '--out', run);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/dataset: .*, 6 images 28×28×1/);
    const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ preset: 'mnist-quick', model: { width: 0.125, latentDim: 8, channels: 1 }, data: { source: 'folder', path: folder, flip: true }, train: { batchSize: 4, labelFlip: 0.05, steps: 2 }, optim: { lrG: 4e-4 } });
    // a run's own config.json trains the same run again
    const again = cli('train', '--config', join(run, 'config.json'), '--backend', 'wasm', '--out', join(run, '..', 'own-folder-again'));
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(run, '..', 'own-folder-again', 'config.json'), 'utf8'))).toEqual(config);
  });

  it('names the field or file of every bad --set or --config, and lists every field in --help', () => {
    const out = join(dir, '..', 'never');
    const cases: [string[], RegExp][] = [
      [['--set', 'train.labelFlip=0.9'], /train\.labelFlip: .*0\.5/],
      [['--set', 'train.stepz=5'], /train\.stepz: is not a config field/],
      [['--set', 'train.steps=many'], /train\.steps: must be a number, got 'many'/],
      [['--set', 'data.flip=yes'], /data\.flip: must be true or false, got 'yes'/],
      [['--set', 'train.steps'], /--set wants group\.field=value/],
      [['--set', 'data.source=folder'], /data\.path: is required when data\.source is 'folder'/],
      [['--config', join(dir, 'missing.json')], /--config '.*missing\.json': no such file/],
      [['--config', join(dir, 'metrics.jsonl')], /--config '.*metrics\.jsonl': /],
      [['--preset', 'mnist-quick', '--set', 'model.channels=2'], /model\.channels/],
    ];
    for (const [args, message] of cases) {
      const r = cli('train', ...args, '--out', out);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    expect(existsSync(out)).toBe(false);
    const help = cli('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^ {2}train\.labelFlip +number 0–0\.5 +default 0 +Label flipping/m);
    expect(help.stdout).toMatch(/^ {2}model\.kind +dcgan\|dcgan-tf\|resnet\|fastgan\|style\|keras-dcgan\|mlp\|two-fc\|began +default "dcgan" /m);
    expect(help.stdout).toMatch(/^ {2}data\.path +text +optional /m);
    expect(help.stdout.match(/^ {2}[a-z]+\.[A-Za-z0-9]+ /gm)).toEqual(configFields().map((f) => expect.stringContaining(`  ${f.path} `)));
  });

  it('logs plain lines, not one rewritten line, when stderr is not a terminal', () => {
    const run = join(dir, '..', 'logged');
    const r = cli('train', '--preset', 'mnist-quick', '--steps', '5', '--batch', '8', '--backend', 'wasm', '--progress-every', '0', '--out', run);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('\r');
    expect(r.stderr.split('\n').filter((l) => /^step \d\/5 /.test(l))).toHaveLength(5);
    const quiet = cli('train', '--preset', 'mnist-quick', '--steps', '5', '--batch', '8', '--backend', 'wasm', '--out', `${run}-quiet`);
    const lines = quiet.stderr.split('\n').filter((l) => /^step \d\/5 /.test(l));
    expect(lines.length).toBeLessThan(5); // at most one line each 5 s, and the last one always
    expect(lines.at(-1)).toMatch(/^step 5\/5 /);
  });

  it('refuses bad input with a message that names it, before training', () => {
    const badPreset = cli('train', '--preset', 'nope', '--out', join(dir, 'x'));
    expect(badPreset.code).toBe(1);
    expect(badPreset.stderr).toMatch(/unknown preset 'nope'/);
    const badBatch = cli('train', '--preset', 'mnist-quick', '--batch', '0', '--out', join(dir, 'y'));
    expect(badBatch.code).toBe(1);
    expect(badBatch.stderr).toMatch(/train\.batchSize/);
    expect(existsSync(join(dir, 'y'))).toBe(false);
    const badBackend = cli('train', '--preset', 'mnist-quick', '--backend', 'gpu-please', '--out', join(dir, 'z'));
    expect(badBackend.code).toBe(1);
    expect(badBackend.stderr).toMatch(/--backend must be auto or one of tensorflow, wasm, cpu/);
    const noRun = cli('resume', join(dir, 'missing'));
    expect(noRun.code).toBe(1);
    expect(noRun.stderr).toMatch(/has no checkpoint\.bin/);
  });
});

describe.skipIf(!existsSync('/usr/share/games/renpy/the_question/game/images'))('gan-studio crop', () => {
  const cascade = resolve(__dirname, '..', '..', '..', 'shared', 'data', 'lbpcascade_animeface.xml');

  it('crops a folder of sprites (names with spaces) and prints one JSON summary', () => {
    const out = mkdtempSync(join(tmpdir(), 'gan-crop-'));
    const r = cli('crop', '/usr/share/games/renpy/the_question/game/images', '--cascade', cascade, '--out', out, '--pattern', 'sylvie*.png', '--size', '64');
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { imagesRead: number; facesFound: number; failed: unknown[]; cancelled: boolean };
    expect(summary.imagesRead).toBe(readdirSync('/usr/share/games/renpy/the_question/game/images').filter((f) => /^sylvie.*\.png$/.test(f)).length);
    expect(summary.facesFound).toBeGreaterThan(0);
    expect(summary).toMatchObject({ failed: [], cancelled: false });
    expect(r.stderr).toMatch(/cropping \d+\/\d+ pictures +\d+ faces/);
    expect(readdirSync(out).filter((f) => f.endsWith('-face1.png')).length).toBeGreaterThan(0);
  });

  it('refuses an unknown cascade and a bad parameter by name', () => {
    expect(cli('crop', '/tmp', '--cascade', 'cats', '--out', '/tmp/x')).toMatchObject({ code: 1, stderr: expect.stringMatching(/cascade 'cats' is neither anime nor frontalface nor a file/) });
    expect(cli('crop', '/tmp', '--cascade', cascade, '--out', '/tmp/x', '--scale-factor', '1')).toMatchObject({ code: 1, stderr: expect.stringMatching(/--scale-factor must be a number ≥ 1.0001, got '1'/) });
  });
});

describe('gan-studio import', () => {
  it('adds a folder to the catalogue and prints one JSON summary with its problems', () => {
    const workspace = mkdtempSync(join(tmpdir(), 'gan-import-'));
    const pictures = mkdtempSync(join(tmpdir(), 'gan-import-in-'));
    writeFileSync(join(pictures, 'broken.png'), 'not a picture');
    const r1 = cli('import', pictures, '--name', 'empty-ish', '--workspace', workspace);
    expect(r1.code, r1.stderr).toBe(0);
    expect(JSON.parse(r1.stdout)).toMatchObject({ files: 1, imported: 0, problems: [{ file: 'broken.png', reason: 'not a picture sharp can read' }], duplicates: { exactGroups: 0 } });
    expect(existsSync(join(workspace, 'catalogue.sqlite'))).toBe(true);
    expect(cli('import', pictures, '--workspace', workspace)).toMatchObject({ code: 1, stderr: expect.stringMatching(/import needs DIR and --name NAME/) });
  });
});
