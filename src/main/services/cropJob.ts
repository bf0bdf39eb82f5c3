/**
 * A face-cropping job over a folder: the pictures are shared among worker threads (one per core), each face is
 * written as a square PNG under the output folder, and `crops.jsonl` records every picture done (its crops and
 * boxes, or why it failed). A cancelled job keeps what it finished; running it again skips those pictures.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { writeFileAtomic } from '../engine/training/atomicFile';
import { IMAGE_PATTERN, isInside, listPictures, type FolderPictures } from '../engine/data/folderFiles';
import type { CropParams, CropRecord } from '../engine/faces/crop';
import type { ResolvedCascade } from '../engine/faces/cascades';
import type { CropApi, CropResult, CropWorkerData } from '../workers/cropWorker';
import { WorkerClient } from '../workers/rpc';
import { startWorker } from '../workers/workers';

export interface CropJobOptions {
  input: string;
  out: string;
  cascade: ResolvedCascade;
  params: CropParams;
  pattern?: string;
  /** These files (relative to `input`) instead of the pattern's. */
  files?: string[];
  workers?: number;
  signal?: AbortSignal;
  onProgress?(p: CropProgress): void;
  /** Each picture's line of crops.jsonl, as it is written. */
  onRecord?(r: CropRecord): void;
}

export interface CropProgress { done: number; total: number; faces: number; failed: number }


export interface CropSummary {
  input: string;
  out: string;
  cascade: string;
  imagesRead: number;
  facesFound: number;
  /** Pictures done by an earlier, interrupted run of the same job. */
  alreadyDone: number;
  failed: { file: string; reason: string }[];
  cancelled: boolean;
  /** Until every worker had loaded OpenCV and the cascade, then the cropping itself. */
  seconds: { startup: number; cropping: number };
}

export const MANIFEST = 'crops.jsonl';

export async function runCropJob(o: CropJobOptions): Promise<CropSummary> {
  const input = resolve(o.input);
  if (!existsSync(input)) throw new Error(`input folder '${o.input}' does not exist`);
  mkdirSync(o.out, { recursive: true });
  const manifest = join(o.out, MANIFEST);
  const done = new Set(readManifest(manifest).map((r) => r.source));
  const listing = o.files ? withinInput(input, o.files) : listPictures(input, o.pattern ?? IMAGE_PATTERN);
  const files = listing.files;
  const todo = files.filter((f) => !done.has(f));
  const started = performance.now();
  let allReady = started;
  const summary: CropSummary = { input, out: resolve(o.out), cascade: o.cascade.name, imagesRead: 0, facesFound: 0, alreadyDone: files.length - todo.length, failed: [...listing.problems], cancelled: false, seconds: { startup: 0, cropping: 0 } };
  const progress = (): void => o.onProgress?.({ done: summary.imagesRead + summary.failed.length, total: todo.length, faces: summary.facesFound, failed: summary.failed.length });

  const record = (r: CropRecord): void => {
    appendFileSync(manifest, `${JSON.stringify(r)}\n`);
    o.onRecord?.(r);
  };
  const onResult = (source: string, m: CropResult): void => {
    if (m.kind === 'failed') {
      summary.failed.push({ file: source, reason: m.reason });
      record({ source, error: m.reason });
    } else {
      const stem = source.slice(0, source.length - extname(source).length);
      const crops = m.faces.map((face, i) => {
        const file = `${stem}-face${i + 1}.png`;
        const path = join(o.out, file);
        // sources are confined to the input folder, so this holds; checked where the file is written all the same
        if (!isInside(o.out, path)) throw new Error(`crop '${file}' would land outside '${o.out}'`);
        mkdirSync(dirname(path), { recursive: true });
        writeFileAtomic(path, face.png);
        return { file, box: face.box };
      });
      summary.imagesRead++;
      summary.facesFound += crops.length;
      record({ source, width: m.width, height: m.height, crops });
    }
    progress();
  };

  // Largest pictures first: the last pictures to finish are then small ones, so no core idles at the end.
  const queue = [...todo].sort((a, b) => fileSize(join(input, b)) - fileSize(join(input, a)));
  const workerCount = Math.max(1, Math.min(o.workers ?? availableParallelism(), queue.length));
  const data: CropWorkerData = { cascadeName: o.cascade.name, cascadeXml: new Uint8Array(o.cascade.xml), params: o.params };
  const workers: Worker[] = [];
  progress();
  try {
    await Promise.all(Array.from({ length: queue.length > 0 ? workerCount : 0 }, async () => {
      const cropper = new WorkerClient<CropApi>(startWorker('cropWorker', data));
      workers.push(cropper.worker);
      await drain(cropper, queue, o.signal, (source, m) => onResult(source, m), input, () => (allReady = Math.max(allReady, performance.now())));
    }));
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  summary.cancelled = Boolean(o.signal?.aborted) && queue.length > 0;
  summary.seconds = { startup: (allReady - started) / 1000, cropping: (performance.now() - allReady) / 1000 };
  return summary;
}

/** Feeds one worker from the shared queue until it is empty or the job is cancelled. */
async function drain(cropper: WorkerClient<CropApi>, queue: string[], signal: AbortSignal | undefined, onResult: (source: string, m: CropResult) => void, input: string, onReady: () => void): Promise<void> {
  await cropper.call('ready', null).reply;
  onReady();
  while (!signal?.aborted) {
    const current = queue.shift();
    if (current === undefined) return;
    onResult(current, await cropper.call('crop', { file: join(input, current) }).reply);
  }
}

const fileSize = (path: string): number => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

export function readManifest(file: string): CropRecord[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').flatMap((line) => {
    try {
      return line.trim() ? [JSON.parse(line) as CropRecord] : [];
    } catch {
      return []; // a line cut short by a crash: that picture is simply cropped again
    }
  });
}

/** Files named by the catalogue, each checked to lie inside the input folder. */
function withinInput(input: string, files: string[]): FolderPictures {
  const inside = (f: string): boolean => isInside(input, join(input, f));
  return { files: files.filter(inside), problems: files.filter((f) => !inside(f)).map((file) => ({ file, reason: 'outside the input folder: not read' })) };
}
