/**
 * The feature spaces pictures are compared in. Two networks trained elsewhere ship inside @vladmandic/human: a
 * MobileNetV3 (the backbone of a COCO-trained CenterNet detector) for pictures of any kind, and a face-recognition
 * MobileNet for faces, each read at a pooled layer of 224 × 224 RGB input; MNIST keeps our own classifier; and
 * for a dataset none of them suits, an encoder trained on the run's own pictures ('own').
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../../shared/config/schema';
import type { FeatureSpaceId } from '../../../shared/quality';
import * as tf from '../runtime/tf';
import type { Dataset } from '../data';
import { MnistClassifier } from './classifier';
import { OWN_FEATURES, OwnEncoder } from './ownEncoder';
import { referencePictures } from './reference';
import { loadShippedNetwork } from './shippedNetwork';

export interface FeatureSpace {
  id: FeatureSpaceId;
  dim: number;
  /** Features of `count` N × H × W × C pictures in [-1, 1]. */
  embed(images: Float32Array, count: number, shape: [number, number, number]): Float32Array;
  dispose(): void;
}

const NETWORKS = {
  general: { model: 'centernet', output: 'tower_0/MobilenetV3/expanded_conv_14/squeeze_excite/Mean', dim: 720 },
  faces: { model: 'faceres', output: 'global_pooling/Mean', dim: 1024 },
} as const;
const INPUT_SIZE = 224;
const CHUNK = 32;

/** The space a run is scored in: the config's choice, or for 'auto' the MNIST classifier on 28 × 28 grey MNIST and the general network otherwise. */
export function featureSpaceFor(config: Config): FeatureSpaceId {
  const choice = config.monitor.featureSpace;
  if (choice !== 'auto') return choice;
  const { imageSize, channels } = config.model;
  return config.data.source === 'mnist' && imageSize === 28 && channels === 1 ? 'mnist-classifier' : 'general';
}

/** `own`: the run's pictures, and the folder its encoder is cached in — what the 'own' space is trained on. */
export function openFeatureSpace(id: FeatureSpaceId, own?: { data: Dataset; cacheDir?: string }): FeatureSpace {
  if (id === 'mnist-classifier') return classifierSpace();
  if (id === 'own') {
    if (!own) throw new Error("the 'own' feature space is trained on a run's pictures: open it with the run's dataset");
    return ownSpace(own.data, own.cacheDir);
  }
  const { model, output, dim } = NETWORKS[id];
  const network = loadShippedNetwork(model);
  return {
    id,
    dim,
    embed(images, count, [h, w, c]) {
      const out = new Float32Array(count * dim);
      const size = h * w * c;
      for (let start = 0; start < count; start += CHUNK) {
        const n = Math.min(CHUNK, count - start);
        tf.tidy(() => {
          let x: tf.Tensor4D = tf.tensor4d(images.subarray(start * size, (start + n) * size), [n, h, w, c]);
          if (c === 1) x = tf.tile(x, [1, 1, 1, 3]);
          x = tf.mul(tf.add(tf.image.resizeBilinear(x, [INPUT_SIZE, INPUT_SIZE]), 1), 127.5);
          out.set((network.execute(x, output) as tf.Tensor).dataSync(), start * dim);
        });
      }
      return out;
    },
    dispose: () => network.dispose(),
  };
}

function classifierSpace(): FeatureSpace {
  const classifier = MnistClassifier.load();
  return {
    id: 'mnist-classifier',
    dim: 128,
    embed(images, count, [h, w, c]) {
      if (h !== 28 || w !== 28 || c !== 1) throw new Error(`the MNIST classifier reads 28×28 grey pictures, not ${h}×${w}×${c}: choose monitor.featureSpace 'general'`);
      return classifier.embed(images, count).features;
    },
    dispose: () => classifier.dispose(),
  };
}

function ownSpace(data: Dataset, cacheDir?: string): FeatureSpace {
  const { images, count, hash } = referencePictures(data);
  if (cacheDir) mkdirSync(cacheDir, { recursive: true });
  const encoder = cacheDir ? OwnEncoder.forPictures(join(cacheDir, `own-encoder-${hash}.bin`), images, count, data.shape) : OwnEncoder.trained(images, count, data.shape);
  return { id: 'own', dim: OWN_FEATURES, embed: (pictures, n, shape) => encoder.embed(pictures, n, shape), dispose: () => encoder.dispose() };
}
