/** A face-cropping worker: loads OpenCV and one cascade, then crops the pictures main sends, one at a time. */
import { parentPort, workerData } from 'node:worker_threads';
import { cropPicture, PictureError, type CropParams } from '../engine/faces/crop';
import { createFaceDetector } from '../engine/faces/detector';
import { loadOpenCv } from '../engine/faces/opencv';

export interface CropWorkerData { cascadeName: string; cascadeXml: Uint8Array; params: CropParams }
export type ToCropWorker = { id: number; file: string };
export type FromCropWorker =
  | { kind: 'ready' }
  | { kind: 'done'; id: number; width: number; height: number; faces: { box: { x: number; y: number; width: number; height: number }; png: Uint8Array }[] }
  | { kind: 'failed'; id: number; reason: string };

const port = parentPort!;
const data = workerData as CropWorkerData;

void loadOpenCv().then(({ cv }) => {
  const detector = createFaceDetector(cv, data.cascadeXml, data.cascadeName);
  port.on('message', async ({ id, file }: ToCropWorker) => {
    try {
      const result = await cropPicture(file, detector, data.params);
      const faces = result.faces.map((f) => ({ box: f.box, png: new Uint8Array(f.png) }));
      port.postMessage({ kind: 'done', id, width: result.width, height: result.height, faces } satisfies FromCropWorker, faces.map((f) => f.png.buffer as ArrayBuffer));
    } catch (err) {
      const reason = err instanceof PictureError ? err.message : `crop failed: ${(err as Error).message}`;
      port.postMessage({ kind: 'failed', id, reason } satisfies FromCropWorker);
    }
  });
  port.postMessage({ kind: 'ready' } satisfies FromCropWorker);
});
