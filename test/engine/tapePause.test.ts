/**
 * outsideTape reads tfjs-core's private engine state: pinned here to the version it was written for, and checked by
 * behaviour, so that an upgrade that moves that state fails this test instead of changing G's gradients silently.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { startBackend } from '../../src/main/engine/runtime/backend';
import * as tf from '../../src/main/engine/runtime/tf';
import { outsideTape, TESTED_TFJS_CORE } from '../../src/main/engine/training/tapePause';

describe('outsideTape (tfjs-core private state)', () => {
  beforeAll(async () => {
    await startBackend('cpu');
  });

  it('is used with the tfjs-core it was written for, whose engine records on state.activeTape', () => {
    const installed = JSON.parse(readFileSync(require.resolve('@tensorflow/tfjs-core/package.json'), 'utf8')).version;
    expect(installed, 'tfjs-core changed: re-check outsideTape against its engine (gradientDepth, activeTape), then update TESTED_TFJS_CORE').toBe(TESTED_TFJS_CORE);
    const seen: { depth: number; tape: unknown }[] = [];
    tf.grad((x: tf.Tensor) => {
      const state = tf.engine().state as unknown as { gradientDepth: number; activeTape: unknown };
      seen.push({ depth: state.gradientDepth, tape: state.activeTape });
      return tf.sum(tf.square(x));
    })(tf.tensor1d([1, 2]));
    expect(seen[0].depth).toBe(1);
    expect(Array.isArray(seen[0].tape)).toBe(true);
  });

  it('keeps what runs inside it off the tape, gradients unchanged, and the state restored', () => {
    const x = tf.variable(tf.tensor1d([1, 2, 3]));
    const w = tf.variable(tf.tensor1d([0.5, -1, 2]));
    const tape = (): unknown[] => (tf.engine().state as unknown as { activeTape: unknown[] }).activeTape;
    const lengths: number[] = [];
    let depthInside = -1;
    const { value, grads } = tf.variableGrads(() => {
      const y = tf.mul(x, x);
      lengths.push(tape().length);
      outsideTape(() => {
        depthInside = (tf.engine().state as unknown as { gradientDepth: number }).gradientDepth;
        w.assign(tf.add(w, tf.mul(x, 0.1))); // a side update that reads x: recorded, G's backward would pay for it
      });
      lengths.push(tape().length);
      const loss = tf.sum(y) as tf.Scalar;
      lengths.push(tape().length);
      return loss;
    }, [x]);
    expect(depthInside).toBe(0);
    expect(lengths[1]).toBe(lengths[0]); // nothing recorded inside
    expect(lengths[2]).toBeGreaterThan(lengths[1]); // recording resumed after it
    expect(Array.from(grads[x.name].dataSync())).toEqual([2, 4, 6]);
    expect(Array.from(w.dataSync()).map((v) => +v.toFixed(5))).toEqual([0.6, -0.8, 2.3]);
    expect((tf.engine().state as unknown as { gradientDepth: number }).gradientDepth).toBe(0);
    tf.dispose([x, w, value, ...Object.values(grads)]);
  });
});
