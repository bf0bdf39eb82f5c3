/**
 * Shuffled mini-batches that can be resumed: every epoch draws a fresh permutation from its own seed, so the
 * state a checkpoint needs is just (epoch, position, that seed, the random source's words).
 */
import { Rng, type RngState } from '../training/rng';
import type { Dataset } from './dataset';

export interface BatcherState { epoch: number; cursor: number; epochSeed: number; rng: RngState }

/** N pictures (N × H × W × C) and, for a labelled dataset, their classes. */
export interface Batch { images: Float32Array; labels?: Int32Array }

export class Batcher {
  private order: Uint32Array;
  private readonly rng: Rng;
  private readonly imageSize: number;
  epoch: number;
  private cursor: number;
  private epochSeed: number;

  /** `flip`: mirror each drawn picture left–right with probability ½, decided by (epoch seed, position) so a resumed run flips the same pictures. */
  constructor(private readonly data: Dataset, seed: number, state?: BatcherState, private readonly flip = false) {
    this.imageSize = data.shape[0] * data.shape[1] * data.shape[2];
    if (state) {
      this.rng = Rng.fromState(state.rng);
      this.epoch = state.epoch;
      this.cursor = state.cursor;
      this.epochSeed = state.epochSeed;
    } else {
      this.rng = Rng.fromSeed(seed);
      this.epoch = 0;
      this.cursor = 0;
      this.epochSeed = this.rng.nextUint32();
    }
    this.order = Rng.fromSeed(this.epochSeed).permutation(data.count);
  }

  state(): BatcherState {
    return { epoch: this.epoch, cursor: this.cursor, epochSeed: this.epochSeed, rng: this.rng.state() };
  }

  /** The next `n` pictures, wrapping into a new shuffled epoch when this one runs out. */
  next(n: number): Batch {
    const out = new Float32Array(n * this.imageSize);
    const labels = this.data.labels && new Int32Array(n);
    for (let i = 0; i < n; i++) {
      if (this.cursor >= this.order.length) {
        this.epoch += 1;
        this.cursor = 0;
        this.epochSeed = this.rng.nextUint32();
        this.order = Rng.fromSeed(this.epochSeed).permutation(this.data.count);
      }
      const position = this.cursor;
      const index = this.order[this.cursor++];
      if (labels) labels[i] = this.data.labels![index];
      const src = index * this.imageSize;
      const image = this.data.images.subarray(src, src + this.imageSize);
      if (this.flip && Math.imul(this.epochSeed ^ position, 2654435761) >>> 31) this.mirror(image, out, i * this.imageSize);
      else out.set(image, i * this.imageSize);
    }
    return { images: out, labels };
  }

  private mirror(image: Float32Array, out: Float32Array, at: number): void {
    const [h, w, c] = this.data.shape;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const from = (y * w + x) * c;
        const to = at + (y * w + (w - 1 - x)) * c;
        for (let k = 0; k < c; k++) out[to + k] = image[from + k];
      }
    }
  }
}
