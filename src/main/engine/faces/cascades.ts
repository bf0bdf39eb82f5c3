/**
 * Where cascade files come from: the two named ones (anime faces, human frontal faces) or any file the user picks.
 * A named cascade is taken from Debian's opencv-data when present, else from the cache, else downloaded once from
 * its public source and kept only if its sha256 is the pinned one. Nothing is written but through a temp file.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../training/atomicFile';

export const CASCADE_NAMES = ['anime', 'frontalface'] as const;
export type CascadeName = (typeof CASCADE_NAMES)[number];

interface KnownCascade { file: string; url: string; sha256: string; licence: string; system: string[] }

export const KNOWN_CASCADES: Record<CascadeName, KnownCascade> = {
  anime: {
    file: 'lbpcascade_animeface.xml',
    url: 'https://raw.githubusercontent.com/nagadomi/lbpcascade_animeface/master/lbpcascade_animeface.xml',
    sha256: '9376d30ac38db6bda2a68b88b3b76bbd7e6aa33af47f7f5c76bc88ca75f1ce30',
    licence: 'MIT, nagadomi',
    system: [],
  },
  frontalface: {
    file: 'haarcascade_frontalface_default.xml',
    url: 'https://raw.githubusercontent.com/opencv/opencv/4.x/data/haarcascades/haarcascade_frontalface_default.xml',
    sha256: '0f7d4527844eb514d4a4948e822da90fbb16a34a0bbbbc6adc6498747a5aafb0',
    licence: 'Intel License Agreement, shipped with OpenCV',
    system: ['/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml', '/usr/share/opencv/haarcascades/haarcascade_frontalface_default.xml'],
  },
};

export class CascadeError extends Error {}

export interface CascadeSource {
  /** Where downloaded cascades are kept. */
  cacheDir: string;
  /** How to download (tests pass their own); defaults to the global fetch. */
  fetch?: (url: string) => Promise<{ ok: boolean; status: number; arrayBuffer(): Promise<ArrayBuffer> }>;
}

export interface ResolvedCascade { name: string; path: string; xml: Buffer }

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** A named cascade or a file path → the cascade's bytes, fetching and verifying a named one on first use. */
export async function resolveCascade(spec: string, source: CascadeSource): Promise<ResolvedCascade> {
  if (!(CASCADE_NAMES as readonly string[]).includes(spec)) {
    if (!existsSync(spec)) throw new CascadeError(`cascade '${spec}' is neither ${CASCADE_NAMES.join(' nor ')} nor a file`);
    return { name: spec, path: spec, xml: readFileSync(spec) };
  }
  const known = KNOWN_CASCADES[spec as CascadeName];
  for (const path of [...known.system, join(source.cacheDir, known.file)]) {
    if (existsSync(path) && sha256(readFileSync(path)) === known.sha256) return { name: spec, path, xml: readFileSync(path) };
  }
  const cached = join(source.cacheDir, known.file);
  let data: Buffer;
  try {
    const response = await (source.fetch ?? fetch)(known.url);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    data = Buffer.from(await response.arrayBuffer());
  } catch (err) {
    throw new CascadeError(`cascade '${spec}' is not cached in ${source.cacheDir} and could not be downloaded from ${known.url}: ${(err as Error).message}`);
  }
  if (sha256(data) !== known.sha256) {
    throw new CascadeError(`cascade '${spec}' downloaded from ${known.url} has sha256 ${sha256(data)}, not the pinned ${known.sha256}: not used`);
  }
  mkdirSync(source.cacheDir, { recursive: true });
  writeFileAtomic(cached, data);
  return { name: spec, path: cached, xml: data };
}
