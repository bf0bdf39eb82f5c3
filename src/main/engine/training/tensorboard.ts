/**
 * TensorBoard's event files beside metrics.jsonl, so that `tensorboard --logdir <workspace>` shows every run: the
 * step's scalars, the quality scores, the sample grids as images and the run's config as text. No kept Node library
 * writes them (TensorBoard's own writers are Python; tfjs-node's summary writer needs the native backend and writes
 * scalars only), so this writes the format itself: TFRecord framing (length, masked CRC32C of the length, the
 * record, masked CRC32C of the record) around the few protobuf messages it needs (tensorflow/core/util/event.proto,
 * framework/summary.proto), checked by a test that reads them back and by TensorBoard's own reader where installed.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** CRC-32C (Castagnoli), the checksum TFRecord uses; reflected, polynomial 0x82F63B78. */
const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) crc = CRC_TABLE[(crc ^ b) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** TFRecord's masked CRC: rotated right by 15 bits, plus a constant. */
export const maskedCrc32c = (bytes: Uint8Array): number => {
  const crc = crc32c(bytes);
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
};

/** One TFRecord: the record's length and data, each followed by its masked CRC. */
export function tfRecord(data: Uint8Array): Buffer {
  const out = Buffer.alloc(16 + data.length);
  out.writeBigUInt64LE(BigInt(data.length), 0);
  out.writeUInt32LE(maskedCrc32c(out.subarray(0, 8)), 8);
  out.set(data, 12);
  out.writeUInt32LE(maskedCrc32c(data), 12 + data.length);
  return out;
}

/** Protobuf wire encoding, the kinds these messages use; each field is a Buffer (a PNG is copied once per level). */
const varint = (v: number): Buffer => {
  const out: number[] = [];
  let n = v;
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return Buffer.from(out);
};
const tag = (field: number, wire: number): Buffer => varint(field * 8 + wire);
const int = (field: number, v: number): Buffer => Buffer.concat([tag(field, 0), varint(v)]);
const bytes = (field: number, ...parts: Uint8Array[]): Buffer => {
  const body = Buffer.concat(parts);
  return Buffer.concat([tag(field, 2), varint(body.length), body]);
};
const str = (field: number, s: string): Buffer => bytes(field, Buffer.from(s, 'utf8'));
const float = (field: number, v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeFloatLE(v);
  return Buffer.concat([tag(field, 5), b]);
};
const double = (field: number, v: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  return Buffer.concat([tag(field, 1), b]);
};

/** Event { wall_time = 1, step = 2, file_version = 3 | summary = 5 }. */
const event = (step: number, body: Buffer): Buffer => Buffer.concat([double(1, Date.now() / 1000), int(2, step), body]);
/** Summary { value = 1 } of Summary.Value { tag = 1, simple_value = 2 | image = 4 | tensor = 8, metadata = 9 }. */
const summary = (values: Buffer[]): Buffer => bytes(5, ...values.map((v) => bytes(1, v)));

/** A PNG's size and channels, from its header (IHDR: width, height, colour type). */
function pngSize(png: Uint8Array): { width: number; height: number; channels: number } {
  const b = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  const channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[b[25]] ?? 3;
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20), channels };
}

/** Appends a run's events to a file of its own in `dir` (TensorBoard reads every events file of a folder). */
export class EventWriter {
  readonly file: string;
  private fd: number;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, `events.out.tfevents.${Math.floor(Date.now() / 1000)}.${hostname()}.${process.pid}`);
    this.fd = openSync(this.file, 'a');
    this.write(event(0, str(3, 'brain.Event:2')));
  }

  /** Scalars by tag at one step (non-finite values are skipped: TensorBoard draws them as gaps anyway). */
  scalars(step: number, values: Record<string, number | null | undefined>): void {
    const finite = Object.entries(values).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]));
    if (finite.length > 0) this.write(event(step, summary(finite.map(([t, v]) => Buffer.concat([str(1, t), float(2, v)])))));
  }

  /** A PNG as an image summary (Summary.Image { height, width, colorspace, encoded_image_string }). */
  image(tag: string, step: number, png: Uint8Array): void {
    const p = pngSize(png);
    const image = bytes(4, int(1, p.height), int(2, p.width), int(3, p.channels), bytes(4, png));
    this.write(event(step, summary([Buffer.concat([str(1, tag), image])])));
  }

  /** Text (markdown) for the Text tab: a string tensor with the text plugin's metadata. */
  text(tag: string, step: number, markdown: string): void {
    const tensor = bytes(8, int(1, 7 /* DT_STRING */), bytes(2), str(8, markdown));
    const metadata = bytes(9, bytes(1, str(1, 'text')));
    this.write(event(step, summary([Buffer.concat([str(1, tag), tensor, metadata])])));
  }

  /**
   * Hyperparameters for the HParams dashboard, as tensorboard.plugins.hparams writes a session's start: an empty float
   * tensor with the plugin's metadata, whose content is HParamsPluginData { session_start_info = 3 } of
   * SessionStartInfo { hparams = 1 (a map to google.protobuf.Value: number 2, string 3, bool 4), group_name = 4,
   * start_time_secs = 5 }.
   */
  hparams(values: Record<string, number | string | boolean>, group: string): void {
    const value = (v: number | string | boolean): Buffer => (typeof v === 'number' ? double(2, v) : typeof v === 'string' ? str(3, v) : int(4, v ? 1 : 0));
    const entries = Object.entries(values).map(([k, v]) => bytes(1, str(1, k), bytes(2, value(v))));
    const start = bytes(3, ...entries, str(4, group), double(5, Date.now() / 1000));
    const emptyFloats = bytes(8, int(1, 1 /* DT_FLOAT */), bytes(2, bytes(2, int(1, 0))));
    const metadata = bytes(9, bytes(1, str(1, 'hparams'), bytes(2, start)));
    this.write(event(0, summary([Buffer.concat([str(1, '_hparams_/session_start_info'), emptyFloats, metadata])])));
  }

  close(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
  }

  private write(record: Buffer): void {
    writeSync(this.fd, tfRecord(record));
  }
}

/** A config's fields as HParams: "group.field" → its value; lists and unset fields as their JSON, the preset too. */
export function hyperparameters(config: Record<string, unknown>): Record<string, number | string | boolean> {
  const out: Record<string, number | string | boolean> = {};
  for (const [group, fields] of Object.entries(config)) {
    if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) {
      if (fields !== undefined) out[group] = typeof fields === 'number' || typeof fields === 'boolean' || typeof fields === 'string' ? fields : JSON.stringify(fields);
      continue;
    }
    for (const [name, v] of Object.entries(fields)) out[`${group}.${name}`] = typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string' ? v : JSON.stringify(v ?? null);
  }
  return out;
}
