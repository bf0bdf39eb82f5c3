/** Config → dataset at the model's image shape, in [-1, 1]. */
import type { Config } from '../../../shared/config/schema';
import { conformImages, DatasetError, limitDataset, type Dataset } from './dataset';
import { DEFAULT_FACES } from '../../../shared/cartoonFaces';
import { loadCartoonFaces } from './cartoonFaces';
import { loadEmoji } from './emoji';
import { loadFashionMnist } from './fashionMnist';
import { loadFolder } from './folder';
import { loadMnist } from './mnist';

/** Loads a curated dataset of the catalogue; the host provides it (the engine does not reach the catalogue). */
export type CuratedLoader = (c: Config) => Promise<Dataset>;

export async function loadDataset(c: Config, curated?: CuratedLoader): Promise<Dataset> {
  const { source, path, pattern, background, limit } = c.data;
  const target: [number, number, number] = [c.model.imageSize, c.model.imageSize, c.model.channels];
  const decode = { size: c.model.imageSize, channels: c.model.channels, background };
  let d: Dataset;
  if (source === 'mnist') d = loadMnist('train');
  else if (source === 'fashion-mnist') d = loadFashionMnist();
  else if (source === 'emoji') d = await loadEmoji(decode);
  else if (source === 'cartoon-faces') d = await loadCartoonFaces(limit || DEFAULT_FACES, c.model.imageSize);
  else if (source === 'folder') d = await loadFolder(path!, pattern, decode);
  else if (curated) d = await curated(c);
  else throw new DatasetError("data.source 'catalogue' needs the studio's catalogue: train it from the studio");
  d = limitDataset(d, limit);
  return { ...d, images: conformImages(d.images, d.count, d.shape, target), shape: target };
}

export type { Dataset, SkippedFile } from './dataset';
export { DatasetError } from './dataset';
