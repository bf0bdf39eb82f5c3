/**
 * Latent-vector maths of the latent lab, on plain Float32Arrays (pure: no tfjs, no I/O, so the renderer moves a
 * slider without a round trip and main exports the same frames): means, the DCGAN paper's arithmetic,
 * interpolation (linear and spherical), moves along directions and the paper's noisy 3 × 3 grid.
 */
export type Latent = Float32Array;
/** Where the lab's latents live: z, G's input; or w, a style-based G's mapped latent. */
export const LATENT_SPACES = ['z', 'w'] as const;
export type LatentSpace = (typeof LATENT_SPACES)[number];
export type InterpolationMode = 'linear' | 'spherical';

function sameLength(vectors: Latent[], what: string): number {
  if (vectors.length === 0) throw new Error(`${what}: needs at least one vector`);
  const n = vectors[0].length;
  if (vectors.some((v) => v.length !== n)) throw new Error(`${what}: vectors of different lengths`);
  return n;
}

export function mean(vectors: Latent[]): Latent {
  const out = new Float32Array(sameLength(vectors, 'mean'));
  for (const v of vectors) for (let i = 0; i < out.length; i++) out[i] += v[i] / vectors.length;
  return out;
}

/** mean(A) − mean(B) + mean(C): "man with glasses" − "man" + "woman". */
export function arithmetic(a: Latent[], b: Latent[], c: Latent[]): Latent {
  const [ma, mb, mc] = [mean(a), mean(b), mean(c)];
  sameLength([ma, mb, mc], 'arithmetic');
  return ma.map((x, i) => x - mb[i] + mc[i]);
}

/** mean(A) − mean(B): a direction a person defines with two groups of bookmarks ("smiling" − "not smiling"). */
export function difference(a: Latent[], b: Latent[]): Latent {
  const [ma, mb] = [mean(a), mean(b)];
  sameLength([ma, mb], 'difference');
  return ma.map((x, i) => x - mb[i]);
}

const norm = (v: Latent): number => Math.hypot(...v);

export function lerp(a: Latent, b: Latent, t: number): Latent {
  return a.map((x, i) => x + (b[i] - x) * t);
}

/**
 * Spherical interpolation (White 2016, "Sampling generative networks"): Gaussian latents live near a sphere, and
 * the straight line between two of them passes through the unlikely region near its centre.
 */
export function slerp(a: Latent, b: Latent, t: number): Latent {
  const na = norm(a);
  const nb = norm(b);
  if (na === 0 || nb === 0) return lerp(a, b, t);
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += (a[i] / na) * (b[i] / nb);
  const omega = Math.acos(Math.min(1, Math.max(-1, dot)));
  if (omega < 1e-6) return lerp(a, b, t); // (nearly) the same direction
  const sa = Math.sin((1 - t) * omega) / Math.sin(omega);
  const sb = Math.sin(t * omega) / Math.sin(omega);
  return a.map((x, i) => sa * x + sb * b[i]);
}

/** `frames` vectors along the path through every point in order, the first and last points included. */
export function interpolate(points: Latent[], frames: number, mode: InterpolationMode): Latent[] {
  sameLength(points, 'interpolate');
  if (points.length < 2) throw new Error('interpolate: needs two or more points');
  if (!Number.isInteger(frames) || frames < 2) throw new Error('interpolate: frames must be an integer ≥ 2');
  const segments = points.length - 1;
  const step = mode === 'spherical' ? slerp : lerp;
  return Array.from({ length: frames }, (_, k) => {
    const along = (k / (frames - 1)) * segments;
    const s = Math.min(segments - 1, Math.floor(along));
    return step(points[s], points[s + 1], along - s);
  });
}

/** base + Σ amount_i · direction_i */
export function moveAlong(base: Latent, directions: Latent[], amounts: number[]): Latent {
  const out = Float32Array.from(base);
  directions.forEach((d, k) => {
    if (d.length !== base.length) throw new Error('moveAlong: a direction of another length than the latent');
    for (let i = 0; i < out.length; i++) out[i] += amounts[k] * d[i];
  });
  return out;
}

/**
 * The paper's figure: the result and `count − 1` copies with uniform noise in ±amplitude added (first: the result).
 * `uniform` draws from [0, 1).
 */
export function jitter(v: Latent, count: number, amplitude: number, uniform: () => number): Latent[] {
  return Array.from({ length: count }, (_, k) => (k === 0 ? Float32Array.from(v) : v.map((x) => x + (uniform() * 2 - 1) * amplitude)));
}
