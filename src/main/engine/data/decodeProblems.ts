/** Opening pictures from people's files with one pixel limit, and what is wrong with one sharp could not decode. */
import sharp, { type Sharp } from 'sharp';

/** Pictures above this many pixels are refused rather than decoded (100 Mpx of RGBA is 400 MB). */
export const MAX_PIXELS = 100_000_000;

/**
 * Every decode of a file or upload goes through here, so one limit holds for import, training, cropping and the
 * lab (sharp's own default is 268 Mpx). `failOn: 'error'` also refuses pictures with recoverable damage.
 */
export function openPicture(input: string | Buffer, failOn: 'truncated' | 'error' = 'truncated'): Sharp {
  return sharp(input, { limitInputPixels: MAX_PIXELS, failOn });
}

export function describeDecodeError(err: unknown): string {
  const message = (err instanceof Error ? err.message : String(err)).split('\n')[0];
  if (/pixel limit/i.test(message)) return `larger than ${MAX_PIXELS / 1e6} megapixels`;
  if (/unsupported image format/i.test(message)) return 'not a picture sharp can read';
  if (/premature end|truncated|end of file|read error|corrupt|VipsJpeg/i.test(message)) return `truncated or corrupt (${message})`;
  // libvips sometimes loses the decoder's reason for a damaged file under load and says only this
  if (/^unknown error$/i.test(message.trim())) return 'truncated or corrupt (the decoder gave no reason)';
  return message;
}
