/**
 * The space the latent lab moves in, and the truncation it draws with. In z every model is as trained; a style-based
 * G can also be explored in w, the mapping network's output, where directions are known to be more separate
 * (Karras et al. 2019; GANSpace finds its components there). A view is the generator seen from that space: its
 * latents, how they are drawn, and G (with ψ applied) as a network over them — so sheets, sliders, directions,
 * exports, nearest pictures and inversion all work the same in either space.
 */
import * as tf from '../runtime/tf';
import { truncated, type Gan } from '../models';
import { inferenceContext } from '../models/layers';
import { pulledToMeanW, withLabels } from '../models/network';
import type { LatentSpace } from '../../../shared/latent';
import { Rng } from '../training/rng';

export interface LatentView {
  space: LatentSpace;
  /** G over this space's latents (a conditional G's class weights still follow each latent; w already holds its class). */
  gan: Gan;
  /** N latents drawn as this space has them: z ~ N(0, I), or w = mapping(z) with those class weights. */
  draw(rng: Rng, n: number, labels?: Float32Array): Float32Array;
}

/** The spaces a generator can be explored in. */
export function spacesOf(gan: Pick<Gan, 'style'>): LatentSpace[] {
  return gan.style ? ['z', 'w'] : ['z'];
}

export function latentView(gan: Gan, space: LatentSpace, psi: number): LatentView {
  if (space === 'z') {
    return {
      space,
      gan: { ...gan, generator: { ...gan.generator, apply: (x, ctx) => truncated(gan, x as tf.Tensor2D, psi, ctx) } },
      draw: (rng, n) => rng.normals(n * gan.latentDim),
    };
  }
  const style = gan.style;
  if (!style) throw new Error("this generator has no w space: only a style-based G (model.kind 'style') has one");
  const { latentDim } = gan;
  // Class weights after w are dropped: w was mapped with them.
  const wOnly = (x: tf.Tensor): tf.Tensor => (x.shape[1] === latentDim ? x : tf.slice(x, [0, 0], [-1, latentDim]));
  return {
    space,
    gan: { ...gan, generator: { ...gan.generator, apply: (x, ctx) => style.synthesis(pulledToMeanW(style, wOnly(x), psi), ctx), features: wOnly } },
    draw: (rng, n, labels) =>
      tf.tidy(() => {
        const z = tf.tensor2d(rng.normals(n * latentDim), [n, latentDim]);
        const y = labels && tf.tensor2d(labels, [n, labels.length / n]);
        return style.mapping(withLabels(z, y), inferenceContext(Rng.fromSeed(0))).dataSync() as Float32Array;
      }),
  };
}
