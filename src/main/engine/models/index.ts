import type { ModelConfig } from '../../../shared/config/schema';
import type { Rng } from '../training/rng';
import { buildDcgan } from './dcgan';
import { buildKerasDcgan } from './kerasDcgan';
import { buildMlp } from './mlp';
import type { Gan } from './network';

const BUILDERS: Record<ModelConfig['kind'], (m: ModelConfig, rng: Rng) => Gan> = {
  dcgan: buildDcgan,
  'keras-dcgan': buildKerasDcgan,
  mlp: buildMlp,
};

export function buildGan(m: ModelConfig, rng: Rng): Gan {
  return BUILDERS[m.kind](m, rng);
}

export { generateImages, type Gan, type Network } from './network';
