/**
 * One picture → its face crops: decode (EXIF-rotated) with sharp, detect, widen each box by a margin (kept inside
 * the picture), cut and resize to a square PNG. A picture that cannot be read fails with the reason.
 */
import { statSync } from 'node:fs';
import sharp, { type OutputInfo } from 'sharp';
import { describeDecodeError, openPicture } from '../data/decodeProblems';
import { DEFAULT_DETECT, type DetectParams, type FaceDetector } from './detector';
import type { Rect } from './opencv';

export interface CropParams extends DetectParams {
  /** Side of the square crops, in pixels. */
  size: number;
  /** Share of the box's side added on every side (0.2: a box 20 % wider each way). */
  margin: number;
}

export const DEFAULT_CROP: CropParams = { ...DEFAULT_DETECT, size: 96, margin: 0 };

export interface FaceCrop { box: Rect; png: Buffer }
export interface PictureCrops { width: number; height: number; faces: FaceCrop[] }

export class PictureError extends Error {}

/** The box widened by `margin` on each side, clamped to the picture, as whole pixels. */
export function widen(box: Rect, margin: number, width: number, height: number): Rect {
  const dx = Math.round(box.width * margin);
  const dy = Math.round(box.height * margin);
  const x = Math.max(0, box.x - dx);
  const y = Math.max(0, box.y - dy);
  return { x, y, width: Math.min(width, box.x + box.width + dx) - x, height: Math.min(height, box.y + box.height + dy) - y };
}

export async function cropPicture(input: string | Buffer, detector: FaceDetector, params: CropParams = DEFAULT_CROP): Promise<PictureCrops> {
  let raw: { data: Buffer; info: OutputInfo };
  if (typeof input === 'string' && statSync(input).size === 0) throw new PictureError('empty file (0 bytes)');
  try {
    raw = await openPicture(input).rotate().ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new PictureError(describeDecodeError(err));
  }
  const { width, height } = raw.info;
  const boxes = detector.detect(raw.data, width, height, params);
  const faces = await Promise.all(boxes.map(async (found) => {
    const box = widen(found, params.margin, width, height);
    const png = await sharp(raw.data, { raw: { width, height, channels: 4 } })
      .extract({ left: box.x, top: box.y, width: box.width, height: box.height })
      .resize(params.size, params.size, { fit: 'fill' })
      .png()
      .toBuffer();
    return { box, png };
  }));
  return { width, height, faces };
}

/** One line of a crop job's crops.jsonl: a picture's crops and their boxes, or why it failed. */
export type CropRecord =
  | { source: string; width: number; height: number; crops: { file: string; box: { x: number; y: number; width: number; height: number } }[] }
  | { source: string; error: string };
