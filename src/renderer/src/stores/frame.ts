/**
 * Coalesces bursts of events into one update per animation frame: progress can arrive faster than the screen
 * redraws, and a chart redrawn once per frame stays smooth.
 */
export function frameThrottle(update: () => void): () => void {
  let scheduled = false;
  const schedule = globalThis.requestAnimationFrame ?? ((fn: () => void) => setTimeout(fn, 16));
  return () => {
    if (scheduled) return;
    scheduled = true;
    schedule(() => {
      scheduled = false;
      update();
    });
  };
}
