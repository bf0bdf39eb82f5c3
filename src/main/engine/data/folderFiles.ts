/**
 * The pictures a person's folder holds, for a glob pattern, never anything outside it: a pattern may not be
 * absolute or climb with "..", and symbolic links are not followed (a link to a file elsewhere would import it, a
 * `loop -> .` link everything twice). Each link that a pattern would have reached, and each link to a folder, is
 * listed with what it is, so nothing is dropped silently.
 */
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import picomatch from 'picomatch';

export const IMAGE_PATTERN = '**/*.{png,jpg,jpeg,webp,gif,bmp,tif,tiff}';

export interface FolderProblem { file: string; reason: string }

export interface FolderPictures {
  /** Relative to the folder, with "/" separators, sorted. */
  files: string[];
  /** Links and unreadable sub-folders, each with why it was left out. */
  problems: FolderProblem[];
}

/** Whether `path` lies inside `folder` (both resolved); the folder itself does not count. */
export function isInside(folder: string, path: string): boolean {
  const rel = relative(resolve(folder), resolve(path));
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

/** Why a pattern could reach outside its folder, or undefined when it cannot. */
export function patternProblem(pattern: string): string | undefined {
  if (pattern.trim() === '') return 'is empty';
  if (isAbsolute(pattern) || /^[A-Za-z]:/.test(pattern) || pattern.startsWith('/')) return 'must be relative to the folder, not an absolute path';
  if (pattern.split(/[\\/]/).includes('..')) return 'may not climb out of the folder with ".."';
  return undefined;
}

export function listPictures(dir: string, pattern = IMAGE_PATTERN): FolderPictures {
  const problem = patternProblem(pattern);
  if (problem) throw new Error(`pattern '${pattern}' ${problem}`);
  const root = realpathSync(dir);
  const matches = picomatch(pattern, { nocase: true });
  const out: FolderPictures = { files: [], problems: [] };
  const walk = (rel: string): void => {
    let entries;
    try {
      entries = readdirSync(join(root, rel), { withFileTypes: true });
    } catch (err) {
      out.problems.push({ file: rel, reason: `a folder that cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` });
      return;
    }
    for (const e of entries) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.isSymbolicLink()) {
        const reason = linkProblem(root, path, matches(path));
        if (reason) out.problems.push({ file: path, reason });
      } else if (e.isDirectory()) walk(path);
      else if (e.isFile() && matches(path)) out.files.push(path);
    }
  };
  walk('');
  out.files.sort();
  out.problems.sort((a, b) => a.file.localeCompare(b.file));
  return out;
}

/** What to say about a link: links to folders and links the pattern matches are listed; other links are no picture. */
function linkProblem(root: string, path: string, matched: boolean): string | undefined {
  let target: string;
  try {
    target = realpathSync(join(root, path));
  } catch {
    return matched ? 'a link that leads nowhere, or in a loop: not followed' : undefined;
  }
  const folder = statSync(target).isDirectory();
  if (!folder && !matched) return undefined;
  const where = isInside(root, target) || target === root ? `'${relative(root, target).split(sep).join('/') || '.'}' in this folder` : `'${target}', outside this folder`;
  return `a link to ${folder ? 'a folder, ' : ''}${where}: links are not followed${isInside(root, target) && !folder ? ' (the picture is read under its own name)' : ''}`;
}
