/**
 * Fréchet distance between two Gaussians fitted to feature sets (FID's formula, in our classifier's features):
 *   ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2 (Σ₁ Σ₂)^½),
 * with Tr((Σ₁Σ₂)^½) = Σ √λᵢ of the symmetric PSD matrix Σ₁^½ Σ₂ Σ₁^½ (same eigenvalues, no complex roots).
 */

export interface Gaussian { mean: Float64Array; cov: Float64Array; dim: number }

/** Mean and (unbiased) covariance of `count` rows of `dim` features. */
export function fitGaussian(features: Float32Array, count: number, dim: number): Gaussian {
  const mean = new Float64Array(dim);
  for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) mean[j] += features[i * dim + j];
  for (let j = 0; j < dim; j++) mean[j] /= count;
  const cov = new Float64Array(dim * dim);
  const row = new Float64Array(dim);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < dim; j++) row[j] = features[i * dim + j] - mean[j];
    for (let a = 0; a < dim; a++) {
      const ra = row[a];
      if (ra === 0) continue;
      for (let b = a; b < dim; b++) cov[a * dim + b] += ra * row[b];
    }
  }
  const scale = 1 / Math.max(count - 1, 1);
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) {
      cov[a * dim + b] *= scale;
      cov[b * dim + a] = cov[a * dim + b];
    }
  }
  return { mean, cov, dim };
}

/** Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations: values and column eigenvectors. */
export function symmetricEigen(matrix: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i];
  return { values, vectors: v };
}

function matMul(x: Float64Array, y: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const xik = x[i * n + k];
      if (xik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] += xik * y[k * n + j];
    }
  }
  return out;
}

/** Square root of a symmetric PSD matrix (negative round-off eigenvalues clipped to 0). */
export function sqrtPsd(m: Float64Array, n: number): Float64Array {
  const { values, vectors } = symmetricEigen(m, n);
  const scaled = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) scaled[i * n + j] = vectors[i * n + j] * Math.sqrt(Math.max(values[j], 0));
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += scaled[i * n + k] * vectors[j * n + k];
      out[i * n + j] = s;
    }
  }
  return out;
}

export function frechetDistance(g1: Gaussian, g2: Gaussian): number {
  const n = g1.dim;
  let meanTerm = 0;
  for (let i = 0; i < n; i++) meanTerm += (g1.mean[i] - g2.mean[i]) ** 2;
  let trace = 0;
  for (let i = 0; i < n; i++) trace += g1.cov[i * n + i] + g2.cov[i * n + i];
  const root1 = sqrtPsd(g1.cov, n);
  const inner = matMul(matMul(root1, g2.cov, n), root1, n);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) inner[i * n + j] = inner[j * n + i] = (inner[i * n + j] + inner[j * n + i]) / 2;
  const { values } = symmetricEigen(inner, n);
  let rootTrace = 0;
  for (const v of values) rootTrace += Math.sqrt(Math.max(v, 0));
  return Math.max(0, meanTerm + trace - 2 * rootTrace);
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
