/** A face-cropping worker: loads OpenCV and one cascade, then crops the pictures main sends, one at a time. */
import { parentPort, workerData } from 'node:worker_threads';
import { cropPicture, PictureError, type CropParams } from '../engine/faces/crop';
import { createFaceDetector } from '../engine/faces/detector';
import { loadOpenCv } from '../engine/faces/opencv';
import { serve } from './rpc';

export interface CropWorkerData { cascadeName: string; cascadeXml: Uint8Array; params: CropParams }
export type CropResult =
  | { kind: 'done'; width: number; height: number; faces: { box: { x: number; y: number; width: number; height: number }; png: Uint8Array }[] }
  | { kind: 'failed'; reason: string };
export type CropApi = {
  /** Answers once OpenCV and the cascade are loaded. */
  ready: { args: null; progress: never; reply: null };
  crop: { args: { file: string }; progress: never; reply: CropResult };
};

const data = workerData as CropWorkerData;
const detector = loadOpenCv().then(({ cv }) => createFaceDetector(cv, data.cascadeXml, data.cascadeName));

serve<CropApi>(parentPort!, {
  ready: async () => (await detector, null),
  crop: async ({ file }) => {
    try {
      const result = await cropPicture(file, await detector, data.params);
      return { kind: 'done', width: result.width, height: result.height, faces: result.faces.map((f) => ({ box: f.box, png: new Uint8Array(f.png) })) };
    } catch (err) {
      return { kind: 'failed', reason: err instanceof PictureError ? err.message : `crop failed: ${(err as Error).message}` };
    }
  },
});
