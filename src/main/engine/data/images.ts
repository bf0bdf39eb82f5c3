/** Decoding picture files with sharp: centre-crop to a square, resize, composite transparency on a colour. */
import { bytesToUnit, type Dataset, type SkippedFile } from './dataset';
import { describeDecodeError, openPicture } from './decodeProblems';

export interface DecodeOptions {
  size: number;
  channels: 1 | 3;
  background: string;
}

/** One file → size × size × channels values in [-1, 1]. Rejects with a reason for anything it cannot read. */
export async function decodeImage(file: string, o: DecodeOptions): Promise<Float32Array> {
  let img = openPicture(file, 'error').flatten({ background: o.background }).resize(o.size, o.size, { fit: 'cover', position: 'centre' });
  img = o.channels === 1 ? img.grayscale() : img.removeAlpha();
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== o.channels) throw new Error(`decoded to ${info.channels} channels, expected ${o.channels}`);
  return bytesToUnit(data);
}

export interface DecodeProgress { done: number; total: number }

/** Decodes many files into one dataset; unreadable files are skipped and listed with the reason. */
export async function decodeAll(
  name: string, files: string[], o: DecodeOptions, labels?: number[], classNames?: string[],
  onProgress?: (p: DecodeProgress) => void,
): Promise<Dataset> {
  const size = o.size * o.size * o.channels;
  const images = new Float32Array(files.length * size);
  const keptLabels: number[] = [];
  const skipped: SkippedFile[] = [];
  let count = 0;
  const concurrency = 8;
  let next = 0;
  const results: (Float32Array | undefined)[] = new Array(files.length);
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const i = next++;
      try {
        results[i] = await decodeImage(files[i], o);
      } catch (err) {
        skipped.push({ file: files[i], reason: describeDecodeError(err) });
      }
      onProgress?.({ done: i + 1, total: files.length });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  results.forEach((r, i) => {
    if (!r) return;
    images.set(r, count * size);
    if (labels) keptLabels.push(labels[i]);
    count++;
  });
  skipped.sort((a, b) => a.file.localeCompare(b.file));
  return {
    name,
    images: images.subarray(0, count * size),
    count,
    shape: [o.size, o.size, o.channels],
    labels: labels ? Int32Array.from(keptLabels) : undefined,
    classNames,
    skipped,
  };
}
