/**
 * An exponential moving average of the generator's weights (Yazıcı et al. 2019; ProGAN and StyleGAN sample from
 * it): after each G update, average ← d·average + (1 − d)·weights. The decay warms up as TensorFlow's
 * ExponentialMovingAverage does with num_updates, d = min(decay, (1 + n) / (10 + n)), so early samples are not
 * held at the initial weights. It counts G's updates (Adam's step), so a resumed run needs no state of its own.
 */
import * as tf from '../runtime/tf';

export class WeightAverage {
  readonly average = new Map<string, tf.Variable>();

  constructor(private readonly decay: number, private readonly weights: Map<string, tf.Variable>) {
    for (const [name, w] of weights) this.average.set(name, tf.variable(w, false));
  }

  /** Folds in the weights after G's `updates`-th update. */
  update(updates: number): void {
    const d = Math.min(this.decay, (1 + updates) / (10 + updates));
    tf.tidy(() => {
      for (const [name, a] of this.average) a.assign(tf.add(tf.mul(a, d), tf.mul(this.weights.get(name)!, 1 - d)));
    });
  }

  /** Runs `f` with the average in the weights' place, then puts the weights back. */
  swappedIn<T>(f: () => T): T {
    const saved = new Map([...this.weights].map(([name, w]) => [name, tf.clone(w)]));
    try {
      for (const [name, w] of this.weights) w.assign(this.average.get(name)!);
      return f();
    } finally {
      for (const [name, w] of this.weights) w.assign(saved.get(name)!);
      tf.dispose([...saved.values()]);
    }
  }

  dispose(): void {
    tf.dispose([...this.average.values()]);
  }
}
