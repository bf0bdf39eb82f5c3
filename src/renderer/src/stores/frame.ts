/**
 * Coalesces bursts of events into one update at most every `intervalMs`, on an animation frame: progress can
 * arrive hundreds of times a second, and re-rendering charts on every event would cost frames, not add
 * information (a chart is only as wide as its pixels).
 */
export function frameThrottle(update: () => void, intervalMs = 100): () => void {
  let scheduled = false;
  let lastRun = -Infinity;
  const frame = globalThis.requestAnimationFrame ?? ((fn: () => void) => setTimeout(fn, 16));
  return () => {
    if (scheduled) return;
    scheduled = true;
    const wait = Math.max(0, lastRun + intervalMs - performance.now());
    setTimeout(() => frame(() => {
      scheduled = false;
      lastRun = performance.now();
      update();
    }), wait);
  };
}
