/** Google's emoji from npm `emoji-datasource-google` (3,786 64 px RGBA PNGs, Apache-2.0), labelled by category. */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { decodeAll, type DecodeOptions } from './images';
import type { Dataset } from './dataset';

interface EmojiEntry { image: string; category: string; skin_variations?: Record<string, { image: string }> }

export async function loadEmoji(o: DecodeOptions): Promise<Dataset> {
  const root = dirname(require.resolve('emoji-datasource-google/package.json'));
  const categoryOf = new Map<string, string>();
  for (const e of JSON.parse(readFileSync(join(root, 'emoji.json'), 'utf8')) as EmojiEntry[]) {
    categoryOf.set(e.image, e.category);
    for (const v of Object.values(e.skin_variations ?? {})) categoryOf.set(v.image, e.category);
  }
  const dir = join(root, 'img', 'google', '64');
  const images = readdirSync(dir).filter((f) => f.endsWith('.png')).sort();
  const categories = [...new Set(images.map((f) => categoryOf.get(f) ?? 'Other'))].sort();
  const labels = images.map((f) => categories.indexOf(categoryOf.get(f) ?? 'Other'));
  return decodeAll('emoji', images.map((f) => join(dir, f)), o, labels, categories);
}
