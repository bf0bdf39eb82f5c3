/**
 * GAN objectives on the discriminator's raw outputs (logits), written to be numerically stable.
 * Each returns scalar losses to minimise; the table is keyed by the config's `train.loss`.
 */
import * as tf from './tf';
import type { LossKind } from '../../shared/config/schema';

export interface GanLoss {
  /** D's loss from its outputs on real and generated images; `realTarget` < 1 is one-sided label smoothing. */
  discriminator(real: tf.Tensor, fake: tf.Tensor, realTarget: number): tf.Scalar;
  generator(fake: tf.Tensor): tf.Scalar;
  /** Whether D's outputs are logits of a probability (so D(x) is reported as sigmoid(output)). */
  probabilistic: boolean;
  /** WGAN-GP adds λ·(‖∇D(x̂)‖ − 1)² on random interpolates between real and fake. */
  gradientPenalty: boolean;
}

/** Binary cross-entropy with logits: softplus(l) − y·l, stable for any l. */
export function bceWithLogits(logits: tf.Tensor, target: number): tf.Scalar {
  return tf.mean(tf.sub(tf.softplus(logits), tf.mul(logits, target)));
}

const minimaxD = (real: tf.Tensor, fake: tf.Tensor, realTarget: number): tf.Scalar =>
  tf.add(bceWithLogits(real, realTarget), bceWithLogits(fake, 0));

export const LOSSES: Record<LossKind, GanLoss> = {
  /** Goodfellow 2014 as written: G minimises log(1 − D(G(z))) = −softplus(l). Saturates early in training. */
  minimax: {
    discriminator: minimaxD,
    generator: (fake) => tf.neg(bceWithLogits(fake, 0)),
    probabilistic: true,
    gradientPenalty: false,
  },
  /** The paper's practical variant: G maximises log D(G(z)). */
  'non-saturating': {
    discriminator: minimaxD,
    generator: (fake) => bceWithLogits(fake, 1),
    probabilistic: true,
    gradientPenalty: false,
  },
  /** LSGAN (Mao et al. 2017), a = 0, b = 1, c = 1, with the ½ of the paper. */
  'least-squares': {
    discriminator: (real, fake, realTarget) =>
      tf.add(tf.mul(0.5, tf.mean(tf.square(tf.sub(real, realTarget)))), tf.mul(0.5, tf.mean(tf.square(fake)))),
    generator: (fake) => tf.mul(0.5, tf.mean(tf.square(tf.sub(fake, 1)))),
    probabilistic: false,
    gradientPenalty: false,
  },
  /** WGAN-GP (Gulrajani et al. 2017): the critic's Wasserstein estimate; the penalty is added by the trainer. */
  'wgan-gp': {
    discriminator: (real, fake) => tf.sub(tf.mean(fake), tf.mean(real)),
    generator: (fake) => tf.neg(tf.mean(fake)),
    probabilistic: false,
    gradientPenalty: true,
  },
  /** Hinge loss (Lim & Ye 2017; SAGAN, BigGAN). */
  hinge: {
    discriminator: (real, fake) => tf.add(tf.mean(tf.relu(tf.sub(1, real))), tf.mean(tf.relu(tf.add(1, fake)))),
    generator: (fake) => tf.neg(tf.mean(fake)),
    probabilistic: false,
    gradientPenalty: false,
  },
};

/** λ·mean((‖g‖₂ − 1)²) over the batch, for per-sample input gradients `grads`. */
export function gradientPenalty(grads: tf.Tensor, weight: number): tf.Scalar {
  const flat = tf.reshape(grads, [grads.shape[0]!, -1]);
  const norms = tf.sqrt(tf.add(tf.sum(tf.square(flat), 1), 1e-12));
  return tf.mul(weight, tf.mean(tf.square(tf.sub(norms, 1))));
}
