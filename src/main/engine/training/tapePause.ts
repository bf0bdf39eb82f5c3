/**
 * PyTorch's `.detach()` for a whole computation: runs `f` with tfjs's gradient tape paused, so the D update inside
 * G's step is neither recorded nor paid for by G's backward pass. tfjs has no public switch for this: its engine
 * records while `gradientDepth > 0` and nested gradient calls share one tape, so both are set aside and restored.
 * This reads tfjs-core's private engine state, checked against the pinned version (TESTED_TFJS_CORE) by
 * test/engine/tapePause.test.ts: an upgrade fails that test loudly instead of changing gradients silently.
 */
import * as tf from '../runtime/tf';

/** The tfjs-core version whose private engine state this was written and tested against. */
export const TESTED_TFJS_CORE = '4.22.0';

interface TapeState { gradientDepth: number; activeTape: unknown }

export function outsideTape<T>(f: () => T): T {
  const state = tf.engine().state as unknown as TapeState;
  const saved = { depth: state.gradientDepth, tape: state.activeTape };
  state.gradientDepth = 0;
  state.activeTape = null;
  try {
    return f();
  } finally {
    state.gradientDepth = saved.depth;
    state.activeTape = saved.tape;
  }
}
