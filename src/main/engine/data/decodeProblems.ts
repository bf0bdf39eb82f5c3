/** What is wrong with a picture sharp could not decode, in words a person can act on. */

/** Pictures above this many pixels are refused rather than decoded (100 Mpx of RGBA is 400 MB). */
export const MAX_PIXELS = 100_000_000;

export function describeDecodeError(err: unknown): string {
  const message = (err instanceof Error ? err.message : String(err)).split('\n')[0];
  if (/pixel limit/i.test(message)) return `larger than ${MAX_PIXELS / 1e6} megapixels`;
  if (/unsupported image format/i.test(message)) return 'not a picture sharp can read';
  if (/premature end|truncated|end of file|read error|corrupt|VipsJpeg/i.test(message)) return `truncated or corrupt (${message})`;
  return message;
}
