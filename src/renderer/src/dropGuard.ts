/**
 * A file dropped anywhere but a drop zone would make the window open it, leaving the app (in the desktop app, a
 * dropped HTML file would load where the preload's channels are). Drop zones handle their own events first; the
 * window then cancels whatever is left.
 */
export function preventStrayDrops(target: Pick<Window, 'addEventListener'>): void {
  for (const type of ['dragover', 'drop'] as const) target.addEventListener(type, (e) => e.preventDefault());
}
