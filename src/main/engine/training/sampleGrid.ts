/** A grid of generated images as PNG bytes (what the gallery and `samples/*.png` show). */
import sharp from 'sharp';

export async function gridPng(images: Float32Array, shape: [number, number, number], columns?: number, pad = 2): Promise<Buffer> {
  const [h, w, c] = shape;
  const count = images.length / (h * w * c);
  const cols = columns ?? Math.ceil(Math.sqrt(count));
  const rows = Math.ceil(count / cols);
  const width = cols * w + (cols + 1) * pad;
  const height = rows * h + (rows + 1) * pad;
  const out = Buffer.alloc(width * height * c, 40); // dark grey gutters
  for (let i = 0; i < count; i++) {
    const x0 = pad + (i % cols) * (w + pad);
    const y0 = pad + Math.floor(i / cols) * (h + pad);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let k = 0; k < c; k++) {
          const v = images[((i * h + y) * w + x) * c + k];
          out[((y0 + y) * width + x0 + x) * c + k] = Math.max(0, Math.min(255, Math.round((v + 1) * 127.5)));
        }
      }
    }
  }
  const img = sharp(out, { raw: { width, height, channels: c as 1 | 3 } });
  return (c === 1 ? img.toColourspace('b-w') : img).png().toBuffer();
}
