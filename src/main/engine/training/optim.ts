/**
 * Adam (Kingma & Ba) with PyTorch's update rule, over an explicit list of named variables. Its state (moments
 * and step count) is ours, so a checkpoint stores it by the same names as the weights.
 */
import * as tf from '../runtime/tf';

export interface AdamSettings { lr: number; beta1: number; beta2: number; epsilon: number }

export class Adam {
  step = 0;
  readonly m = new Map<string, tf.Variable>();
  readonly v = new Map<string, tf.Variable>();

  constructor(private readonly s: AdamSettings, private readonly vars: Map<string, tf.Variable>) {
    // tidy releases the zeros a variable is made from (a variable keeps a copy of its own).
    for (const [name, variable] of vars) {
      this.m.set(name, tf.tidy(() => tf.variable(tf.zerosLike(variable), false)));
      this.v.set(name, tf.tidy(() => tf.variable(tf.zerosLike(variable), false)));
    }
  }

  /** One update from gradients keyed by our variable names. */
  apply(grads: Map<string, tf.Tensor>): void {
    this.step += 1;
    const { lr, beta1, beta2, epsilon } = this.s;
    const bc1 = 1 - beta1 ** this.step;
    const bc2Sqrt = Math.sqrt(1 - beta2 ** this.step);
    tf.tidy(() => {
      for (const [name, g] of grads) {
        const w = this.vars.get(name)!;
        const m = this.m.get(name)!;
        const v = this.v.get(name)!;
        const m1 = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
        const v1 = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
        const denom = tf.add(tf.div(tf.sqrt(v1), bc2Sqrt), epsilon);
        w.assign(tf.sub(w, tf.mul(tf.div(m1, denom), lr / bc1)));
        m.assign(m1);
        v.assign(v1);
      }
    });
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
  }
}
