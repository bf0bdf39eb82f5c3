import * as tf from '../runtime/tf';
import { Rng } from '../training/rng';
import type { PassRunner } from '../runtime/stepCompiler';
import { inferenceContext, sequential, type ForwardContext, type Layer, type ParamStore } from './layers';

/** One network: its variables and its forward function. */
export interface Network {
  params: ParamStore;
  apply(x: tf.Tensor, ctx: ForwardContext): tf.Tensor;
  /**
   * The network up to an inner layer: G's first block (its principal components are the latent lab's directions,
   * as in GANSpace) and D's last hidden layer (the features an inversion can match, as in feature matching).
   */
  features(x: tf.Tensor, ctx: ForwardContext): tf.Tensor;
  /**
   * A self-supervised D (FastGAN): its logits for real pictures and, from the same forward, the loss of its own
   * task on them (rebuilding the pictures from its features), which joins D's loss.
   */
  selfSupervised?(x: tf.Tensor, ctx: ForwardContext): { out: tf.Tensor; loss: tf.Scalar };
  /** Its layers in order, where it is a plain stack of them (to look at each one's activations). */
  layers?: Layer[];
}

export interface Gan {
  generator: Network;
  discriminator: Network;
  /** [height, width, channels] of the images G draws and D judges. */
  imageShape: [number, number, number];
  latentDim: number;
  /** Classes of a conditional GAN (0: unconditional): G reads [z, label], D the picture with label planes. */
  classes: number;
  /** A style-based G's two halves (G = synthesis ∘ mapping) and w's running mean. */
  style?: StyleParts;
}

export interface StyleParts {
  /** [z, class weights] → w. */
  mapping: Layer;
  /** w → pictures. */
  synthesis: Layer;
  meanW: tf.Variable;
}

/** A network of `head` then `tail`; its features are what `head` gives. */
export function network(params: ParamStore, head: Layer[], tail: Layer[]): Network {
  return { params, apply: sequential(...head, ...tail), features: sequential(...head), layers: [...head, ...tail] };
}

/**
 * G's images (N × H × W × C in [-1, 1]) for N latent vectors, BatchNorm in inference mode, in bounded chunks.
 * A conditional G also takes each picture's class weights (N × classes: one-hot, or a blend to morph between
 * classes); without them picture i is of class i mod classes.
 */
export function generateImages(gan: Pick<Gan, 'generator' | 'latentDim' | 'imageShape' | 'classes' | 'style'>, latents: Float32Array, labels?: Float32Array, truncation = 1, compiled?: PassRunner): Float32Array {
  const { latentDim, imageShape, classes } = gan;
  const n = latents.length / latentDim;
  const weights = classes > 0 ? (labels ?? cyclingLabels(n, classes)) : undefined;
  if (weights && weights.length !== n * classes) throw new Error(`${n} pictures need ${n} × ${classes} class weights, got ${weights.length}`);
  const perImage = imageShape[0] * imageShape[1] * imageShape[2];
  const out = new Float32Array(n * perImage);
  const ctx = inferenceContext(Rng.fromSeed(0)); // inference draws no random numbers
  for (let i = 0; i < n; i += 256) {
    const m = Math.min(256, n - i);
    // Read back outside the tidy, so that (compiled) only the pictures leave the pass.
    const forward = (): Float32Array => {
      const images = tf.tidy(() => {
        const z = tf.tensor2d(latents.subarray(i * latentDim, (i + m) * latentDim), [m, latentDim]);
        const y = weights && tf.tensor2d(weights.subarray(i * classes, (i + m) * classes), [m, classes]);
        return truncated(gan, withLabels(z, y), truncation, ctx);
      });
      const values = images.dataSync() as Float32Array;
      images.dispose();
      return values;
    };
    out.set(compiled ? compiled.run(forward) : forward(), i * perImage);
  }
  return out;
}

/**
 * G's pictures with the truncation trick: its latent pulled towards the mean latent by ψ (1: untouched) — w towards
 * w's running mean for a style-based G, z towards 0 (the mean of its prior) for any other. Smaller ψ trades variety
 * for typical, cleaner pictures (Karras et al. 2019; Brock et al. 2019).
 */
export function truncated(gan: Pick<Gan, 'generator' | 'latentDim' | 'style'>, input: tf.Tensor2D, psi: number, ctx: ForwardContext): tf.Tensor {
  if (psi === 1) return gan.generator.apply(input, ctx);
  if (gan.style) {
    const { mapping, synthesis } = gan.style;
    return synthesis(pulledToMeanW(gan.style, mapping(input, ctx), psi), ctx);
  }
  const [n, width] = input.shape;
  const scale = tf.concat([tf.fill([1, gan.latentDim], psi), tf.ones([1, width - gan.latentDim])], 1); // class weights stay as they are
  return gan.generator.apply(tf.mul(input, tf.tile(scale, [n, 1])), ctx);
}

/** w pulled towards w's running mean by ψ: mean + ψ·(w − mean). */
export function pulledToMeanW(style: StyleParts, w: tf.Tensor, psi: number): tf.Tensor {
  return psi === 1 ? w : tf.add(style.meanW, tf.mul(tf.sub(w, style.meanW), psi));
}

/** `row` repeated `n` times, as one array (one class-weight row for every latent). */
export function repeatedRow(row: Float32Array, n: number): Float32Array {
  return new Float32Array(n * row.length).map((_, i) => row[i % row.length]);
}

/** One-hot rows for classes 0, 1, …, classes − 1, 0, 1, … */
export function cyclingLabels(n: number, classes: number): Float32Array {
  const out = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) out[i * classes + (i % classes)] = 1;
  return out;
}

/** G's input: z with the class weights appended (unconditional: z itself). */
export function withLabels(z: tf.Tensor2D, labels: tf.Tensor2D | undefined): tf.Tensor2D {
  return labels ? tf.concat([z, labels], 1) : z;
}

/** D's input: the class weights as constant planes beside the picture's channels (unconditional: the picture). */
export function withLabelPlanes(x: tf.Tensor, labels: tf.Tensor2D | undefined): tf.Tensor {
  if (!labels) return x;
  const [n, h, w] = x.shape as [number, number, number, number];
  return tf.concat([x, tf.tile(tf.reshape(labels, [n, 1, 1, labels.shape[1]]), [1, h, w, 1])], 3);
}
