/**
 * A network's trainable weights in one file: an 8-byte magic naming what it holds, a JSON list of names and shapes,
 * then the float32 values in that order. The MNIST classifier's weights and the own-encoder cache use it.
 */
import { readFileSync } from 'node:fs';
import * as tf from '../runtime/tf';
import { writeFileAtomic } from '../training/atomicFile';
import type { ParamStore } from './layers';

export function saveWeights(file: string, magic: string, params: ParamStore): void {
  const entries = [...params.trainable];
  const header = JSON.stringify(entries.map(([name, v]) => ({ name, shape: v.shape })));
  const head = Buffer.alloc(magic.length + 4);
  head.write(magic, 0, 'ascii');
  head.writeUInt32LE(Buffer.byteLength(header), magic.length);
  const pad = Buffer.alloc((4 - ((head.length + Buffer.byteLength(header)) % 4)) % 4, 0x20);
  const blobs = entries.map(([, v]) => Buffer.from((v.dataSync() as Float32Array).buffer));
  writeFileAtomic(file, [head, Buffer.from(header), pad, ...blobs]);
}

/** Assigns the file's weights to `params`; `what` names the network in the messages. */
export function loadWeights(file: string, magic: string, params: ParamStore, what: string): void {
  const bytes = readFileSync(file);
  if (bytes.toString('ascii', 0, magic.length) !== magic) throw new Error(`'${file}' is not ${what}'s weights`);
  const len = bytes.readUInt32LE(magic.length);
  const start = magic.length + 4;
  const entries = JSON.parse(bytes.toString('utf8', start, start + len)) as { name: string; shape: number[] }[];
  let offset = start + len + ((4 - ((start + len) % 4)) % 4);
  for (const e of entries) {
    const v = params.trainable.get(e.name);
    const size = e.shape.reduce((a, b) => a * b, 1);
    if (!v || v.size !== size || offset + size * 4 > bytes.byteLength) throw new Error(`'${file}' does not match ${what} at '${e.name}'`);
    const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + size * 4));
    tf.tidy(() => v.assign(tf.tensor(values, v.shape)));
    offset += size * 4;
  }
}
