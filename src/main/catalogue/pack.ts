/**
 * "Use for training": a curated dataset's included pictures packed at the model's resolution. The pack is cached
 * beside the catalogue under a key made of the included pictures' hashes and the decoding settings, so it is
 * rebuilt only when the dataset (or the model's size) changed. Labels become class indices when every included
 * picture has one.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Config } from '../../shared/config/schema';
import { DatasetError, type Dataset } from '../engine/data/dataset';
import { decodeAll, type DecodeOptions } from '../engine/data/images';
import { writeFileAtomic } from '../engine/training/atomicFile';
import { openCatalogue } from './db';

const PACK_VERSION = 1;

interface PackHeader { version: number; name: string; count: number; shape: [number, number, number]; classNames?: string[]; skipped: Dataset['skipped'] }

/** The key of a pack: what was included, and how it is decoded. */
function packKey(hashes: string[], o: DecodeOptions): string {
  return createHash('sha256').update(JSON.stringify({ v: PACK_VERSION, hashes, o })).digest('hex').slice(0, 32);
}

export async function loadCuratedDataset(config: Config): Promise<Dataset> {
  const { dataset: name, path: catalogueFile, background } = config.data;
  if (!catalogueFile || !existsSync(catalogueFile)) throw new DatasetError(`no catalogue at '${catalogueFile}': import pictures in the Datasets view first`);
  const db = openCatalogue(catalogueFile);
  try {
    const dataset = db.prepare('SELECT id, source FROM datasets WHERE name = ?').get(name) as { id: number; source: string } | undefined;
    if (!dataset) throw new DatasetError(`the catalogue has no dataset named '${name}'`);
    const items = db.prepare('SELECT path, hash, label FROM items WHERE dataset_id = ? AND included = 1 ORDER BY path').all(dataset.id) as { path: string; hash: string; label: string | null }[];
    if (items.length === 0) throw new DatasetError(`dataset '${name}' has no included pictures`);
    const decode: DecodeOptions = { size: config.model.imageSize, channels: config.model.channels, background };
    const file = join(dirname(catalogueFile), 'packs', `${packKey(items.map((i) => i.hash), decode)}.pack`);
    if (existsSync(file)) return readPack(file);
    const labelled = items.every((i) => i.label !== null);
    const classNames = labelled ? [...new Set(items.map((i) => i.label!))].sort() : undefined;
    const labels = classNames && items.map((i) => classNames.indexOf(i.label!));
    const d = await decodeAll(`catalogue:${name}`, items.map((i) => join(dataset.source, i.path)), decode, labels, classNames);
    writePack(file, d);
    return d;
  } finally {
    db.close();
  }
}

/** [header length: uint32][header JSON][pixels: count × H × W × C bytes][labels: int32 × count, if any] */
function writePack(file: string, d: Dataset): void {
  const header: PackHeader = { version: PACK_VERSION, name: d.name, count: d.count, shape: d.shape, classNames: d.classNames, skipped: d.skipped };
  const json = Buffer.from(JSON.stringify(header));
  const pixels = Buffer.alloc(d.images.length);
  for (let i = 0; i < d.images.length; i++) pixels[i] = Math.round((d.images[i] + 1) * 127.5);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length);
  const labels = d.labels ? Buffer.from(d.labels.buffer, d.labels.byteOffset, d.labels.byteLength) : Buffer.alloc(0);
  mkdirSync(dirname(file), { recursive: true });
  writeFileAtomic(file, [length, json, pixels, labels]);
}

function readPack(file: string): Dataset {
  const bytes = readFileSync(file);
  const length = bytes.readUInt32LE(0);
  const header = JSON.parse(bytes.subarray(4, 4 + length).toString()) as PackHeader;
  const size = header.count * header.shape[0] * header.shape[1] * header.shape[2];
  const pixels = bytes.subarray(4 + length, 4 + length + size);
  const images = new Float32Array(size);
  for (let i = 0; i < size; i++) images[i] = pixels[i] / 127.5 - 1;
  const labelBytes = bytes.subarray(4 + length + size);
  const labels = header.classNames ? new Int32Array(new Uint8Array(labelBytes).buffer) : undefined;
  return { name: header.name, images, count: header.count, shape: header.shape, labels, classNames: header.classNames, skipped: header.skipped };
}
