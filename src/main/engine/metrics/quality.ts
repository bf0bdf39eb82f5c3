/**
 * Scores a generator against its training pictures in one feature space: FID, KID (± its spread over subsets),
 * precision, recall, density, coverage and memorisation. The training pictures' features are computed once per
 * dataset and feature space and cached in a file named by their content hash.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FeatureSpaceId, QualityScores } from '../../../shared/quality';
import type { Dataset } from '../data';
import { writeFileAtomic } from '../training/atomicFile';
import { Rng } from '../training/rng';
import { openFeatureSpace, type FeatureSpace } from './featureSpace';
import { referencePictures } from './reference';
import { frechetDistanceOfFeatures } from './frechet';
import { kernelDistance } from './kid';
import { manifoldScores } from './manifold';

export interface ReferenceSet { space: FeatureSpaceId; features: Float32Array; count: number; dim: number }

/** The reference pictures' features, read from `cacheDir` when they were computed before for the same pictures. */
export function referenceSet(space: FeatureSpace, d: Dataset, cacheDir?: string): ReferenceSet {
  const { images, count, hash } = referencePictures(d);
  const file = cacheDir && join(cacheDir, `${space.id}-${hash}.f32`);
  if (file && existsSync(file)) {
    const bytes = readFileSync(file);
    if (bytes.byteLength === count * space.dim * 4) return { space: space.id, features: new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)), count, dim: space.dim };
  }
  const features = space.embed(images, count, d.shape);
  if (file) {
    mkdirSync(cacheDir, { recursive: true });
    writeFileAtomic(file, new Uint8Array(features.buffer, features.byteOffset, features.byteLength));
  }
  return { space: space.id, features, count, dim: space.dim };
}

/** Every score of `samples` (their features) against the reference set. */
export function scoreFeatures(reference: ReferenceSet, samples: Float32Array, n: number, seed = 1): Omit<QualityScores, 'seconds'> {
  const { features, count, dim } = reference;
  const kid = kernelDistance(features, count, samples, n, dim, Rng.fromSeed(seed));
  return {
    space: reference.space,
    samples: n,
    reference: count,
    fid: frechetDistanceOfFeatures(features, count, samples, n, dim),
    kid: kid.kid,
    kidStd: kid.kidStd,
    ...manifoldScores(features, count, samples, n, dim),
  };
}

/**
 * Draws `n` samples from latents that every measurement of a run reuses (a conditional G cycles through its
 * classes), so that the scores compare, and scores them.
 */
export function measureQuality(
  space: FeatureSpace, reference: ReferenceSet, n: number, shape: [number, number, number], latentDim: number,
  generate: (latents: Float32Array) => Float32Array,
): QualityScores {
  const started = performance.now();
  const samples = space.embed(generate(Rng.fromSeed(12345).normals(n * latentDim)), n, shape);
  return { ...scoreFeatures(reference, samples, n), seconds: (performance.now() - started) / 1000 };
}

/**
 * Measures a run while it trains: opens its feature space and computes its training pictures' features at the
 * first measurement (not before: a run that never reaches one never pays for them), then scores the fixed latents'
 * samples each time.
 */
export class QualityMonitor {
  private space?: FeatureSpace;
  private reference?: ReferenceSet;

  constructor(private readonly spaceId: FeatureSpaceId, private readonly data: Dataset, private readonly samples: number, private readonly cacheDir: string) {}

  measure(latentDim: number, generate: (latents: Float32Array) => Float32Array): QualityScores {
    this.space ??= openFeatureSpace(this.spaceId, { data: this.data, cacheDir: this.cacheDir });
    this.reference ??= referenceSet(this.space, this.data, this.cacheDir);
    return measureQuality(this.space, this.reference, this.samples, this.data.shape, latentDim, generate);
  }

  dispose(): void {
    this.space?.dispose();
  }
}
