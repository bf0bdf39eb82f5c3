/** Any folder of pictures, chosen with a glob pattern. */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DatasetError, type Dataset } from './dataset';
import { listPictures } from './folderFiles';
import { decodeAll, type DecodeOptions, type DecodeProgress } from './images';

export async function loadFolder(dir: string, pattern: string, o: DecodeOptions, onProgress?: (p: DecodeProgress) => void): Promise<Dataset> {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new DatasetError(`data.path '${dir}' is not a folder`);
  let listing;
  try {
    listing = listPictures(root, pattern);
  } catch (err) {
    throw new DatasetError(`data.pattern: ${(err as Error).message}`);
  }
  const files = listing.files.map((f) => join(root, f));
  if (files.length === 0) throw new DatasetError(`no file in '${dir}' matches '${pattern}'`);
  const d = await decodeAll(root, files, o, undefined, undefined, onProgress);
  d.skipped.push(...listing.problems.map((p) => ({ file: join(root, p.file), reason: p.reason })));
  if (d.count === 0) throw new DatasetError(`none of the ${files.length} files in '${dir}' could be read (first: ${d.skipped[0]?.file}: ${d.skipped[0]?.reason})`);
  return d;
}
