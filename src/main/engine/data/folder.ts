/** Any folder of pictures, chosen with a glob pattern. */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { glob } from 'tinyglobby';
import { DatasetError, type Dataset } from './dataset';
import { decodeAll, type DecodeOptions, type DecodeProgress } from './images';

export async function loadFolder(dir: string, pattern: string, o: DecodeOptions, onProgress?: (p: DecodeProgress) => void): Promise<Dataset> {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new DatasetError(`data.path '${dir}' is not a folder`);
  const files = (await glob(pattern, { cwd: root, absolute: true, onlyFiles: true, caseSensitiveMatch: false })).sort();
  if (files.length === 0) throw new DatasetError(`no file in '${dir}' matches '${pattern}'`);
  const d = await decodeAll(root, files, o, undefined, undefined, onProgress);
  if (d.count === 0) throw new DatasetError(`none of the ${files.length} files in '${dir}' could be read (first: ${d.skipped[0]?.file}: ${d.skipped[0]?.reason})`);
  return d;
}
