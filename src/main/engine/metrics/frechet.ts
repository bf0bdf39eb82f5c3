/**
 * Fréchet distance between Gaussians fitted to two feature sets (FID's formula, in whichever feature space made them):
 *   ‖μ₁ − μ₂‖² + Tr Σ₁ + Tr Σ₂ − 2 Tr (Σ₁ Σ₂)^½.
 * Tr (Σ₁Σ₂)^½ is the sum of the square roots of the eigenvalues of Σ₁Σ₂. With centred rows A (n₁ × d) and B (n₂ × d),
 * Σ₁Σ₂ ∝ AᵀA BᵀB shares its non-zero eigenvalues with (ABᵀ)(ABᵀ)ᵀ, an n₁ × n₁ matrix: when there are fewer samples
 * than features (256 samples in 1,024 features while training) that is the smaller problem. Eigenvalues come from
 * ml-matrix's symmetric decomposition (a port of JAMA's Householder + QL).
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

export interface Gaussian { mean: Float64Array; cov: Float64Array; dim: number }

/** Column means of `count` rows of `dim` features. */
function columnMeans(features: Float32Array, count: number, dim: number): Float64Array {
  const mean = new Float64Array(dim);
  for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) mean[j] += features[i * dim + j];
  for (let j = 0; j < dim; j++) mean[j] /= count;
  return mean;
}

/** The rows minus their mean, as a matrix. */
function centred(features: Float32Array, count: number, dim: number, mean: Float64Array): Matrix {
  const m = new Matrix(count, dim);
  for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) m.set(i, j, features[i * dim + j] - mean[j]);
  return m;
}

/** Mean and (unbiased) covariance of `count` rows of `dim` features. */
export function fitGaussian(features: Float32Array, count: number, dim: number): Gaussian {
  const mean = columnMeans(features, count, dim);
  const a = centred(features, count, dim, mean);
  const cov = a.transpose().mmul(a).div(Math.max(count - 1, 1));
  return { mean, cov: Float64Array.from(cov.to1DArray()), dim };
}

function symmetricValues(m: Matrix): number[] {
  // Symmetrise away round-off first: the decomposition trusts `assumeSymmetric`.
  const s = m.add(m.transpose()).div(2);
  return new EigenvalueDecomposition(s, { assumeSymmetric: true }).realEigenvalues;
}

const sumOfRoots = (values: number[]): number => values.reduce((sum, v) => sum + Math.sqrt(Math.max(v, 0)), 0);

/** Square root of a symmetric PSD matrix (negative round-off eigenvalues clipped to 0). */
export function sqrtPsd(m: Float64Array, n: number): Float64Array {
  const e = new EigenvalueDecomposition(Matrix.from1DArray(n, n, m), { assumeSymmetric: true });
  const v = e.eigenvectorMatrix;
  const roots = Matrix.diag(e.realEigenvalues.map((x) => Math.sqrt(Math.max(x, 0))));
  return Float64Array.from(v.mmul(roots).mmul(v.transpose()).to1DArray());
}

const trace = (cov: Float64Array, n: number): number => {
  let t = 0;
  for (let i = 0; i < n; i++) t += cov[i * n + i];
  return t;
};

export function frechetDistance(g1: Gaussian, g2: Gaussian): number {
  const n = g1.dim;
  let meanTerm = 0;
  for (let i = 0; i < n; i++) meanTerm += (g1.mean[i] - g2.mean[i]) ** 2;
  const root1 = Matrix.from1DArray(n, n, sqrtPsd(g1.cov, n));
  const inner = root1.mmul(Matrix.from1DArray(n, n, g2.cov)).mmul(root1);
  return Math.max(0, meanTerm + trace(g1.cov, n) + trace(g2.cov, n) - 2 * sumOfRoots(symmetricValues(inner)));
}

/** FID between two feature sets, by whichever of the d × d or the samples' route is smaller. */
export function frechetDistanceOfFeatures(a: Float32Array, n1: number, b: Float32Array, n2: number, dim: number): number {
  if (dim <= Math.min(n1, n2)) return frechetDistance(fitGaussian(a, n1, dim), fitGaussian(b, n2, dim));
  const [meanA, meanB] = [columnMeans(a, n1, dim), columnMeans(b, n2, dim)];
  const [ca, cb] = [centred(a, n1, dim, meanA), centred(b, n2, dim, meanB)];
  const [sa, sb] = [Math.max(n1 - 1, 1), Math.max(n2 - 1, 1)];
  let meanTerm = 0;
  for (let j = 0; j < dim; j++) meanTerm += (meanA[j] - meanB[j]) ** 2;
  const traceOf = (c: Matrix, scale: number): number => c.to1DArray().reduce((s, v) => s + v * v, 0) / scale;
  const cross = ca.mmul(cb.transpose()); // n1 × n2
  const small = n1 <= n2 ? cross.mmul(cross.transpose()) : cross.transpose().mmul(cross);
  const rootTrace = sumOfRoots(symmetricValues(small)) / Math.sqrt(sa * sb);
  return Math.max(0, meanTerm + traceOf(ca, sa) + traceOf(cb, sb) - 2 * rootTrace);
}

/** exp(E_x KL(p(y|x) ‖ p(y))): high when samples are confidently classified and the classes are varied. */
export function classifierScore(probs: Float32Array, count: number, classes: number): number {
  const marginal = new Float64Array(classes);
  for (let i = 0; i < count; i++) for (let k = 0; k < classes; k++) marginal[k] += probs[i * classes + k] / count;
  let kl = 0;
  for (let i = 0; i < count; i++) {
    for (let k = 0; k < classes; k++) {
      const p = probs[i * classes + k];
      if (p > 0) kl += p * (Math.log(p) - Math.log(marginal[k]));
    }
  }
  return Math.exp(kl / count);
}

/** Index of the largest value in each row of a rows × columns matrix. */
export function argmaxRows(values: Float32Array, columns: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length / columns; i++) {
    let best = 0;
    for (let k = 1; k < columns; k++) if (values[i * columns + k] > values[i * columns + best]) best = k;
    out.push(best);
  }
  return out;
}

/** How many samples the classifier puts in each class. */
export function classHistogram(probs: Float32Array, count: number, classes: number): number[] {
  const hist = new Array<number>(classes).fill(0);
  for (const k of argmaxRows(probs.subarray(0, count * classes), classes)) hist[k]++;
  return hist;
}
