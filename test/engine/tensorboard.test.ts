/**
 * TensorBoard's event files: the record framing (CRC-32C and its mask) against published values, what a writer
 * puts in them read back field by field, a training run's events, and — where Python's tensorboard is installed —
 * TensorBoard's own reader on the same file.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startBackend } from '../../src/main/engine/runtime/backend';
import { trainRun } from '../../src/main/engine/training/run';
import { crc32c, EventWriter, hyperparameters, maskedCrc32c } from '../../src/main/engine/training/tensorboard';
import { gridPng } from '../../src/main/engine/training/sampleGrid';
import { tinyConfig } from './tinyRun';

type Fields = Map<number, (number | Uint8Array)[]>;

/** A protobuf message's fields (varints as numbers, fixed64 as doubles, fixed32 as floats, the rest as bytes). */
function decode(bytes: Uint8Array): Fields {
  const out: Fields = new Map();
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = 0;
  const varint = (): number => {
    let v = 0;
    for (let scale = 1; ; scale *= 128) {
      const b = bytes[p++];
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
    }
  };
  while (p < bytes.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    let value: number | Uint8Array;
    if (key % 8 === 0) value = varint();
    else if (key % 8 === 1) {
      value = view.readDoubleLE(p);
      p += 8;
    } else if (key % 8 === 5) {
      value = view.readFloatLE(p);
      p += 4;
    } else {
      const n = varint();
      value = new Uint8Array(bytes.subarray(p, p + n));
      p += n;
    }
    out.set(field, [...(out.get(field) ?? []), value]);
  }
  return out;
}
const one = (f: Fields, n: number): number | Uint8Array => f.get(n)![0];
const str = (v: number | Uint8Array): string => Buffer.from(v as Uint8Array).toString('utf8');

/** The records of an events file, each checked against both its CRCs. */
function records(file: string): Uint8Array[] {
  const b = readFileSync(file);
  const out: Uint8Array[] = [];
  for (let p = 0; p < b.length;) {
    const n = Number(b.readBigUInt64LE(p));
    expect(b.readUInt32LE(p + 8)).toBe(maskedCrc32c(b.subarray(p, p + 8)));
    const data = b.subarray(p + 12, p + 12 + n);
    expect(b.readUInt32LE(p + 12 + n)).toBe(maskedCrc32c(data));
    out.push(data);
    p += 16 + n;
  }
  return out;
}

interface Value { tag: string; step: number; simple?: number; image?: { height: number; width: number; channels: number; png: Uint8Array }; text?: string; plugin?: string }
/** Every summary value of a file, with its step; and the file's version line. */
function readEvents(file: string): { version: string; values: Value[] } {
  const [first, ...rest] = records(file).map(decode);
  const values: Value[] = [];
  for (const e of rest) {
    const step = one(e, 2) as number;
    for (const raw of decode(one(e, 5) as Uint8Array).get(1) as Uint8Array[]) {
      const v = decode(raw);
      const value: Value = { tag: str(one(v, 1)), step };
      if (v.has(2)) value.simple = one(v, 2) as number;
      if (v.has(4)) {
        const i = decode(one(v, 4) as Uint8Array);
        value.image = { height: one(i, 1) as number, width: one(i, 2) as number, channels: one(i, 3) as number, png: one(i, 4) as Uint8Array };
      }
      const tensor = v.has(8) ? decode(one(v, 8) as Uint8Array) : undefined;
      if (tensor?.has(8)) value.text = str(one(tensor, 8)); // a string tensor's text (HParams' tensor is empty)
      if (v.has(9)) value.plugin = str(one(decode(one(decode(one(v, 9) as Uint8Array), 1) as Uint8Array), 1));
      values.push(value);
    }
  }
  return { version: str(one(first, 3)), values };
}

/** A Python with tensorboard: TENSORBOARD_PYTHON (e.g. a venv's), else the system's python3 if it has it. */
const tensorboardPython = [process.env.TENSORBOARD_PYTHON, 'python3'].find((py) => py && spawnSync(py, ['-c', 'import tensorboard'], { encoding: 'utf8' }).status === 0);

describe("TensorBoard's event files", () => {
  it('checksums records with CRC-32C as published (RFC 3720) and masks it as TFRecord does', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa); // 32 zero bytes (RFC 3720, B.4)
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    const crc = crc32c(Buffer.from('abc'));
    expect(maskedCrc32c(Buffer.from('abc'))).toBe((((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0);
  });

  it('writes scalars, an image and text that read back field by field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gan-tb-'));
    const w = new EventWriter(dir);
    w.scalars(3, { 'loss/D': 0.5, 'loss/G': null, nan: NaN });
    const png = await gridPng(new Float32Array(4 * 8 * 8 * 3).fill(0.5), [8, 8, 3]);
    w.image('samples', 4, png);
    w.text('config', 0, '**hello**');
    w.close();
    const { version, values } = readEvents(w.file);
    expect(version).toBe('brain.Event:2');
    expect(values).toEqual([
      { tag: 'loss/D', step: 3, simple: 0.5 }, // null and NaN are left out
      { tag: 'samples', step: 4, image: { height: expect.any(Number), width: expect.any(Number), channels: 3, png: new Uint8Array(png) } },
      { tag: 'config', step: 0, text: '**hello**', plugin: 'text' },
    ]);
    expect(values[1].image!.width).toBe(png.readUInt32BE(16));
  });

  it("is written beside a training run's metrics: its losses every step, its sample grids, its config", async () => {
    await startBackend('wasm');
    const dir = join(mkdtempSync(join(tmpdir(), 'gan-tb-run-')), 'run');
    await trainRun({ dir, config: tinyConfig({ steps: 4 }), steps: 4 });
    const files = readdirSync(join(dir, 'tensorboard'));
    expect(files).toHaveLength(1);
    const { values } = readEvents(join(dir, 'tensorboard', files[0]));
    expect(values.filter((v) => v.tag === 'loss/D').map((v) => v.step)).toEqual([1, 2, 3, 4]);
    const metrics = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; lossD?: number }).filter((m) => m.lossD !== undefined);
    values.filter((v) => v.tag === 'loss/D').forEach((v, i) => expect(v.simple).toBeCloseTo(metrics[i].lossD!, 5));
    expect(values.filter((v) => v.tag === 'samples').map((v) => v.step)).toEqual([0, 4]);
    expect(values.find((v) => v.tag === 'config')!.text).toContain('"batchSize": 8');
    expect(values.find((v) => v.tag === '_hparams_/session_start_info')?.plugin).toBe('hparams');
  }, 60_000);

  it('lists a config as HParams: every field by group, lists and unset fields as JSON', () => {
    const config = tinyConfig({ steps: 4 });
    const hp = hyperparameters({ ...config, data: { ...config.data, dataset: undefined }, extra: { sizes: [1, 2] } });
    expect(hp).toMatchObject({ preset: 'mnist-quick', 'train.batchSize': 8, 'train.steps': 4, 'model.kind': config.model.kind, 'data.dataset': 'null', 'extra.sizes': '[1,2]' });
    expect(Object.values(hp).every((v) => ['number', 'string', 'boolean'].includes(typeof v))).toBe(true);
  });

  it.skipIf(!tensorboardPython)(`reads back in TensorBoard's own reader${tensorboardPython ? '' : ' — skipped: no Python tensorboard here (pip install tensorboard, or set TENSORBOARD_PYTHON)'}`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gan-tb-py-'));
    const w = new EventWriter(dir);
    for (let step = 1; step <= 3; step++) w.scalars(step, { 'loss/D': step / 2 });
    w.image('samples', 3, await gridPng(new Float32Array(8 * 8).fill(0), [8, 8, 1]));
    w.hparams({ 'train.learningRate': 0.0002, 'model.kind': 'dcgan', 'train.emaDecay': 0, 'data.flip': true }, 'faces');
    w.close();
    const script = `
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.hparams import plugin_data_pb2
from google.protobuf.json_format import MessageToDict
import json, sys
a = EventAccumulator(sys.argv[1], size_guidance={'images': 0, 'scalars': 0, 'tensors': 0}); a.Reload()
start = plugin_data_pb2.HParamsPluginData.FromString(a.PluginTagToContent('hparams')['_hparams_/session_start_info']).session_start_info
print(json.dumps({'scalars': [[e.step, e.value] for e in a.Scalars('loss/D')], 'images': [[e.step, e.width, e.height] for e in a.Images('samples')],
  'hparams': MessageToDict(start)['hparams'], 'group': start.group_name}))`;
    const r = spawnSync(tensorboardPython!, ['-c', script, dir], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const read = JSON.parse(r.stdout.trim().split('\n').pop()!) as { scalars: number[][]; images: number[][]; hparams: Record<string, unknown>; group: string };
    expect(read.scalars).toEqual([[1, 0.5], [2, 1], [3, 1.5]]);
    expect(read.images).toHaveLength(1);
    // The HParams dashboard's reading of our session start: every value with its kind.
    expect(read.hparams).toEqual({ 'train.learningRate': 0.0002, 'model.kind': 'dcgan', 'train.emaDecay': 0, 'data.flip': true });
    expect(read.group).toBe('faces');
  });
});
