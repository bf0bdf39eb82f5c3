/**
 * The web toy: one folder with a static page, the generator as a TF.js graph model and TensorFlow.js itself, that
 * works offline from file:// or any static host. The model travels inside model.js (a page opened from file:// may not
 * fetch files beside it); model/ holds the same model as model.json + weights for `tf.loadGraphModel` elsewhere.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../training/atomicFile';
import { writeTfjsModel, type TfjsArtifacts } from './tfjsGraph';
import type { ExportInfo } from './lowering';

export interface ToyBookmark {
  name: string;
  latent: number[];
  /** A conditional run's class weights. */
  label: number[] | null;
}

export interface ToyContent {
  artifacts: TfjsArtifacts;
  info: ExportInfo & { run: string; classNames: string[] };
  /** Slider directions in z (GANSpace), each one standard deviation of its component. */
  directions: { vector: number[]; explained: number }[];
  bookmarks: ToyBookmark[];
}

const PAGE_FILES = ['index.html', 'toy.js', 'toy.css'];
const TFJS_BUNDLES = [
  ['@tensorflow/tfjs-core', 'tf-core.min.js'],
  ['@tensorflow/tfjs-backend-cpu', 'tf-backend-cpu.min.js'],
  ['@tensorflow/tfjs-converter', 'tf-converter.min.js'],
];

/** resources/web-toy beside the sources, or beside the built main bundle. */
function pageFolder(): string {
  const found = [join(__dirname, '..', '..', '..', '..', 'resources', 'web-toy'), join(__dirname, '..', '..', 'resources', 'web-toy')].find((d) => existsSync(join(d, 'index.html')));
  if (!found) throw new Error('resources/web-toy is missing from this installation');
  return found;
}

/**
 * Writes the toy into `folder` (made if needed); returns the bookmarks it carries: those whose latent and class
 * weights fit the generator (a bookmark saved before the run's model changed does not).
 */
export function writeWebToy(folder: string, toy: ToyContent): ToyBookmark[] {
  mkdirSync(folder, { recursive: true });
  const page = pageFolder();
  for (const file of PAGE_FILES) copyFileSync(join(page, file), join(folder, file));
  for (const [pkg, file] of TFJS_BUNDLES) copyFileSync(require.resolve(`${pkg}/dist/${file}`), join(folder, file));
  const { artifacts, info } = toy;
  const bookmarks = toy.bookmarks
    .filter((b) => b.latent.length === info.latentDim && (info.classes === 0 || b.label?.length === info.classes))
    .map((b) => ({ name: b.name, latent: Array.from(b.latent), label: b.label && Array.from(b.label) }));
  const data = {
    info: { run: info.run, description: info.description, imageShape: info.imageShape, latentDim: info.latentDim, classes: info.classes, classNames: info.classNames },
    model: { modelTopology: artifacts.modelTopology, weightSpecs: artifacts.weightSpecs },
    weights: Buffer.from(artifacts.weightData).toString('base64'),
    directions: toy.directions,
    bookmarks,
  };
  writeFileAtomic(join(folder, 'model.js'), `window.GAN_TOY = ${JSON.stringify(data)};\n`);
  writeTfjsModel(join(folder, 'model'), artifacts);
  return bookmarks;
}
