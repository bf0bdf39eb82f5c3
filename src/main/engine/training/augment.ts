/**
 * Differentiable augmentation of every picture D sees, real and generated alike, so that D cannot memorise a small
 * set and G still gets gradients through the augmentation (DiffAugment, Zhao et al. 2020: colour, translation,
 * cutout — the reference implementation's ranges). Each operation is applied to each picture with probability p:
 * 1 for DiffAugment, adapted as the run goes for ADA (Karras et al. 2020, `AdaController`). The random choices come
 * from the trainer's seeded source, so a resumed run augments exactly as an uninterrupted one.
 *
 * Translation and cutout are built from per-picture matrices and masks drawn on the CPU: a shift is a 0/1 matrix on
 * each side (out = R · x · Cᵀ), so gradients flow through matMul with nothing of our own to differentiate.
 */
import * as tf from '../runtime/tf';
import type { Rng } from './rng';

export const AUGMENT_OPS = ['color', 'translation', 'cutout'] as const;
export type AugmentOp = (typeof AUGMENT_OPS)[number];

/** DiffAugment's ranges: shifts of up to 1/8 of the side, a cut-out square of half the side. */
const TRANSLATION_RATIO = 0.125;
const CUTOUT_RATIO = 0.5;

/**
 * Augments a batch N × H × W × C (values in [-1, 1]); each op is applied to each picture with probability p. No tidy
 * of its own: it runs on the gradient tape, whose saved tensors the caller's tidy releases.
 */
export function augment(x: tf.Tensor4D, ops: readonly AugmentOp[], p: number, rng: Rng): tf.Tensor4D {
  let out = x;
  for (const op of ops) {
    const applied = Array.from({ length: x.shape[0] }, () => rng.uniform() < p);
    if (!applied.some(Boolean)) continue; // nothing drawn: exactly the input, at no cost
    if (op === 'color') out = color(out, applied, rng);
    else if (op === 'translation') out = translation(out, applied, rng);
    else out = cutout(out, applied, rng);
  }
  return out;
}

/** Brightness ± 0.5, saturation × [0, 2), contrast × [0.5, 1.5): identity factors where not applied. */
function color(x: tf.Tensor4D, applied: boolean[], rng: Rng): tf.Tensor4D {
  const n = x.shape[0];
  const draw = (from: number, span: number, identity: number): tf.Tensor4D =>
    tf.tensor4d(applied.map((on) => (on ? from + span * rng.uniform() : identity)), [n, 1, 1, 1]);
  const brightness = draw(-0.5, 1, 0);
  const saturation = draw(0, 2, 1);
  const contrast = draw(0.5, 1, 1);
  let out = tf.add(x, brightness);
  const grey = tf.mean(out, 3, true);
  out = tf.add(tf.mul(tf.sub(out, grey), saturation), grey);
  const level = tf.mean(out, [1, 2, 3], true);
  return tf.add(tf.mul(tf.sub(out, level), contrast), level) as tf.Tensor4D;
}

/** Shifts each picture by whole pixels (up to 1/8 of its side each way), filling with zeros. */
function translation(x: tf.Tensor4D, applied: boolean[], rng: Rng): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const shiftOf = (side: number): number[] => {
    const most = Math.round(side * TRANSLATION_RATIO);
    return applied.map((on) => (on ? rng.below(2 * most + 1) - most : 0));
  };
  const rows = shiftMatrices(shiftOf(h), h);
  const cols = shiftMatrices(shiftOf(w), w);
  const byRows = tf.reshape(tf.matMul(rows, tf.reshape(x, [n, h, w * c])), [n, h, w, c]);
  const byCols = tf.matMul(cols, tf.reshape(tf.transpose(byRows, [0, 2, 1, 3]), [n, w, h * c]));
  return tf.transpose(tf.reshape(byCols, [n, w, h, c]), [0, 2, 1, 3]) as tf.Tensor4D;
}

/** For each shift s, the side × side matrix M with (M · v)[i] = v[i − s] (0 outside). */
function shiftMatrices(shifts: number[], side: number): tf.Tensor3D {
  const m = new Float32Array(shifts.length * side * side);
  shifts.forEach((s, b) => {
    for (let i = 0; i < side; i++) {
      const j = i - s;
      if (j >= 0 && j < side) m[(b * side + i) * side + j] = 1;
    }
  });
  return tf.tensor3d(m, [shifts.length, side, side]);
}

/** Zeroes a square of half the side at a random place in each picture (clipped at the edges). */
function cutout(x: tf.Tensor4D, applied: boolean[], rng: Rng): tf.Tensor4D {
  const [n, h, w] = x.shape;
  const mask = new Float32Array(n * h * w).fill(1);
  applied.forEach((on, b) => {
    if (!on) return;
    const size = Math.round(h * CUTOUT_RATIO);
    const top = rng.below(h) - (size >> 1);
    const left = rng.below(w) - (size >> 1);
    for (let i = Math.max(0, top); i < Math.min(h, top + size); i++) mask.fill(0, (b * h + i) * w + Math.max(0, left), (b * h + i) * w + Math.min(w, left + size));
  });
  return tf.mul(x, tf.tensor4d(mask, [n, h, w, 1]));
}

/**
 * ADA's controller: every `interval` steps, r = E[sign(D(real))] over them; p moves up when r is above the target
 * (D is overfitting: too sure of the real pictures), down when below, by (pictures seen) / (kimg · 1000) — so p can
 * go from 0 to 1 in `kimg` thousand real pictures.
 */
export class AdaController {
  static readonly INTERVAL = 4;
  private signSum = 0;
  private steps = 0;

  constructor(public p: number, private readonly target: number, private readonly kimg: number, private readonly batchSize: number) {}

  /** After each D update: the mean sign of D's raw outputs on its real batch. */
  observe(meanSign: number): void {
    this.signSum += meanSign;
    this.steps += 1;
    if (this.steps < AdaController.INTERVAL) return;
    const r = this.signSum / this.steps;
    const move = (this.batchSize * this.steps) / (this.kimg * 1000);
    this.p = Math.min(1, Math.max(0, this.p + Math.sign(r - this.target) * move));
    this.signSum = 0;
    this.steps = 0;
  }

  /** What a checkpoint keeps (the partial interval included, so a resume adjusts at the same steps). */
  state(): { p: number; signSum: number; steps: number } {
    return { p: this.p, signSum: this.signSum, steps: this.steps };
  }

  restore(s: { p: number; signSum: number; steps: number }): void {
    this.p = s.p;
    this.signSum = s.signSum;
    this.steps = s.steps;
  }
}
