/**
 * GAN objectives on the discriminator's raw outputs (logits), written to be numerically stable.
 * Each returns scalar losses to minimise; the table is keyed by the config's `train.loss`.
 */
import * as tf from '../runtime/tf';
import type { LossKind } from '../../../shared/config/schema';

export interface GanLoss {
  /**
   * D's loss from its outputs on real and generated images; `realTarget` < 1 is one-sided label smoothing, and a
   * tensor (N × 1) gives each real picture its own target (0 for the real labels flipped).
   */
  discriminator(real: tf.Tensor, fake: tf.Tensor, realTarget: number | tf.Tensor, k?: number): tf.Scalar;
  generator(fake: tf.Tensor): tf.Scalar;
  /** Whether D's outputs are logits of a probability (so D(x) is reported as sigmoid(output)). */
  probabilistic: boolean;
  /**
   * A gradient penalty λ·(‖∇D(x̂)‖ − 1)² the trainer adds to D's loss: WGAN-GP's on random interpolates between real
   * and generated pictures, DRAGAN's on points around the real ones.
   */
  penalty?: 'interpolates' | 'around-real';
  /** WGAN: D's weights are clipped to [−c, c] after each update. */
  clipWeights?: boolean;
  /** BEGAN: D's outputs are reconstruction errors, and D's loss weighs the generated ones by the controller's k_t. */
  equilibrium?: boolean;
}

/** Binary cross-entropy with logits: softplus(l) − y·l, stable for any l. */
export function bceWithLogits(logits: tf.Tensor, target: number | tf.Tensor): tf.Scalar {
  return tf.mean(tf.sub(tf.softplus(logits), tf.mul(logits, target)));
}

const minimaxD = (real: tf.Tensor, fake: tf.Tensor, realTarget: number | tf.Tensor): tf.Scalar =>
  tf.add(bceWithLogits(real, realTarget), bceWithLogits(fake, 0));
const nonSaturatingG = (fake: tf.Tensor): tf.Scalar => bceWithLogits(fake, 1);
const wassersteinD = (real: tf.Tensor, fake: tf.Tensor): tf.Scalar => tf.sub(tf.mean(fake), tf.mean(real));
const wassersteinG = (fake: tf.Tensor): tf.Scalar => tf.neg(tf.mean(fake));

export const LOSSES: Record<LossKind, GanLoss> = {
  /** Goodfellow 2014 as written: G minimises log(1 − D(G(z))) = −softplus(l). Saturates early in training. */
  minimax: {
    discriminator: minimaxD,
    generator: (fake) => tf.neg(bceWithLogits(fake, 0)),
    probabilistic: true,
  },
  /** The paper's practical variant: G maximises log D(G(z)). */
  'non-saturating': {
    discriminator: minimaxD,
    generator: nonSaturatingG,
    probabilistic: true,
  },
  /** LSGAN (Mao et al. 2017), a = 0, b = 1, c = 1, with the ½ of the paper. */
  'least-squares': {
    discriminator: (real, fake, realTarget) =>
      tf.add(tf.mul(0.5, tf.mean(tf.square(tf.sub(real, realTarget)))), tf.mul(0.5, tf.mean(tf.square(fake)))),
    generator: (fake) => tf.mul(0.5, tf.mean(tf.square(tf.sub(fake, 1)))),
    probabilistic: false,
  },
  /** WGAN (Arjovsky et al. 2017): the critic's Wasserstein estimate, kept Lipschitz by clipping its weights. */
  wgan: {
    discriminator: wassersteinD,
    generator: wassersteinG,
    probabilistic: false,
    clipWeights: true,
  },
  /** WGAN-GP (Gulrajani et al. 2017): the same estimate, kept Lipschitz by a penalty the trainer adds. */
  'wgan-gp': {
    discriminator: wassersteinD,
    generator: wassersteinG,
    probabilistic: false,
    penalty: 'interpolates',
  },
  /** DRAGAN (Kodali et al. 2017): the non-saturating GAN with a gradient penalty around the real pictures. */
  dragan: {
    discriminator: minimaxD,
    generator: nonSaturatingG,
    probabilistic: true,
    penalty: 'around-real',
  },
  /** Hinge loss (Lim & Ye 2017; SAGAN, BigGAN). */
  hinge: {
    discriminator: (real, fake) => tf.add(tf.mean(tf.relu(tf.sub(1, real))), tf.mean(tf.relu(tf.add(1, fake)))),
    generator: (fake) => tf.neg(tf.mean(fake)),
    probabilistic: false,
  },
  /**
   * BEGAN (Berthelot et al. 2017) on D's reconstruction errors L: D minimises L(x) − k_t·L(G(z)), G minimises
   * L(G(z)); k_t comes from the equilibrium controller (equilibrium.ts).
   */
  began: {
    discriminator: (real, fake, _realTarget, k = 0) => tf.sub(tf.mean(real), tf.mul(k, tf.mean(fake))),
    generator: (fake) => tf.mean(fake),
    probabilistic: false,
    equilibrium: true,
  },
};

/**
 * Where the penalty is taken, one point per real picture: WGAN-GP's x̂ = εx + (1 − ε)G(z); DRAGAN's x̂ between x and
 * x + ½·std(x)·u, u ~ U[0, 1) per value (the reference implementation's perturbation). ε, α ~ U[0, 1) per picture.
 */
export function penaltyPoints(kind: NonNullable<GanLoss['penalty']>, real: tf.Tensor, fake: tf.Tensor, nextSeed: () => number): tf.Tensor {
  const n = real.shape[0]!;
  const eps = tf.randomUniform([n, ...real.shape.slice(1).map(() => 1)], 0, 1, 'float32', nextSeed());
  const toward = kind === 'interpolates' ? fake : tf.add(real, tf.mul(tf.mul(0.5, tf.sqrt(tf.moments(real).variance)), tf.randomUniform(real.shape, 0, 1, 'float32', nextSeed())));
  return tf.add(tf.mul(eps, real), tf.mul(tf.sub(1, eps), toward));
}

/** R1 (Mescheder et al. 2018): γ/2 · mean(‖g‖₂²) over the batch, for the gradients `grads` of D at real pictures. */
export function r1Penalty(grads: tf.Tensor, gamma: number): tf.Scalar {
  return tf.mul(gamma / 2, tf.mean(tf.sum(tf.square(tf.reshape(grads, [grads.shape[0]!, -1])), 1)));
}

/** λ·mean((‖g‖₂ − 1)²) over the batch, for per-sample input gradients `grads`. */
export function gradientPenalty(grads: tf.Tensor, weight: number): tf.Scalar {
  const flat = tf.reshape(grads, [grads.shape[0]!, -1]);
  const norms = tf.sqrt(tf.add(tf.sum(tf.square(flat), 1), 1e-12));
  return tf.mul(weight, tf.mean(tf.square(tf.sub(norms, 1))));
}
