/** What a downloaded body is: a picture the importer reads (by its first bytes, not its name), or why not. */
const SIGNATURES: { extension: string; test(b: Buffer): boolean }[] = [
  { extension: 'png', test: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { extension: 'jpg', test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { extension: 'gif', test: (b) => b.subarray(0, 4).toString('latin1') === 'GIF8' },
  { extension: 'webp', test: (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP' },
  { extension: 'bmp', test: (b) => b.subarray(0, 2).toString('latin1') === 'BM' },
];

export function pictureType(body: Buffer, contentType: string | undefined): { extension: string } | { problem: string } {
  const declared = contentType?.split(';')[0].trim().toLowerCase();
  if (declared && !declared.startsWith('image/') && declared !== 'application/octet-stream') {
    return { problem: `not a picture: the server calls it ${declared}` };
  }
  const match = SIGNATURES.find((s) => s.test(body));
  return match ? { extension: match.extension } : { problem: `not a picture the studio reads (png, jpeg, gif, webp, bmp): ${declared ?? 'no type given'}` };
}
