/** Google's emoji from npm `emoji-datasource-google` (64 px RGBA PNGs, Apache-2.0), labelled by category. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { decodeAll, type DecodeOptions } from './images';
import type { Dataset } from './dataset';

interface EmojiEntry { image: string; category: string; has_img_google: boolean }

export async function loadEmoji(o: DecodeOptions): Promise<Dataset> {
  const root = dirname(require.resolve('emoji-datasource-google/package.json'));
  const entries = (JSON.parse(readFileSync(join(root, 'emoji.json'), 'utf8')) as EmojiEntry[]).filter((e) => e.has_img_google);
  const categories = [...new Set(entries.map((e) => e.category))].sort();
  const files = entries.map((e) => join(root, 'img', 'google', '64', e.image));
  const labels = entries.map((e) => categories.indexOf(e.category));
  return decodeAll('emoji', files, o, labels, categories);
}
