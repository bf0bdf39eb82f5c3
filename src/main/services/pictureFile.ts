import { join } from 'node:path';
import { RUN_PICTURE_PATH, THUMBNAIL_PATH } from '../../shared/picturePaths';
import type { PictureData } from '../../shared/contract';

/** A PNG made in a worker as the contract carries pictures: a data URL. */
export const dataUrl = (png: Uint8Array): PictureData => `data:image/png;base64,${Buffer.from(png).toString('base64')}`;

/**
 * The file behind a picture path the renderer may load: a run's sample grid ("runs/<runId>/samples/step-N.png")
 * or a catalogue thumbnail ("thumbnails/<sha256>.webp"). Anything else is refused.
 */
export function pictureFileIn(workspace: string, path: string): string | undefined {
  const run = RUN_PICTURE_PATH.exec(path);
  if (run) return join(workspace, run[1], run[2]);
  const thumbnail = THUMBNAIL_PATH.exec(path);
  return thumbnail ? join(workspace, 'thumbnails', thumbnail[1]) : undefined;
}
