/**
 * The training pictures nearest to a generated one (mean squared pixel distance): the memorisation check. A
 * generator that only copies its data draws pictures at distance ≈ 0 from one of them.
 */
export interface Neighbour { index: number; distance: number }

export function nearestImages(images: Float32Array, count: number, picture: Float32Array, k: number): Neighbour[] {
  const size = picture.length;
  if (images.length !== count * size) throw new Error(`nearest: ${count} pictures of ${size} values expected, got ${images.length} values`);
  const best: Neighbour[] = []; // sorted, at most k
  for (let n = 0; n < count; n++) {
    let sum = 0;
    const offset = n * size;
    for (let i = 0; i < size; i++) {
      const d = images[offset + i] - picture[i];
      sum += d * d;
    }
    const distance = sum / size;
    if (best.length === k && distance >= best[k - 1].distance) continue;
    let at = best.length;
    while (at > 0 && best[at - 1].distance > distance) at--;
    best.splice(at, 0, { index: n, distance });
    if (best.length > k) best.pop();
  }
  return best;
}
