import type { ModelConfig } from '../../../shared/config/schema';
import type { Rng } from '../training/rng';
import { buildDcgan } from './dcgan';
import { buildDcganTf } from './dcganTf';
import { buildKerasDcgan } from './kerasDcgan';
import { buildMlp } from './mlp';
import { buildResnet } from './resnet';
import { buildTwoFcGan } from './twoFcGan';
import { dropout } from './layers';
import type { Gan, Network } from './network';

const BUILDERS: Record<ModelConfig['kind'], (m: ModelConfig, rng: Rng) => Gan> = {
  dcgan: buildDcgan,
  'dcgan-tf': buildDcganTf,
  'keras-dcgan': buildKerasDcgan,
  mlp: buildMlp,
  resnet: buildResnet,
  'two-fc': buildTwoFcGan,
};

export function buildGan(m: ModelConfig, rng: Rng): Gan {
  const gan = BUILDERS[m.kind](m, rng);
  return m.inputDropout > 0 ? { ...gan, discriminator: withInputDropout(gan.discriminator, m.inputDropout) } : gan;
}

/** D with dropout on the picture it is shown (MATLAB's GAN example: 0.5), before any of its layers. */
function withInputDropout(d: Network, rate: number): Network {
  const drop = dropout(rate);
  return { params: d.params, apply: (x, ctx) => d.apply(drop(x, ctx), ctx), features: (x, ctx) => d.features(drop(x, ctx), ctx) };
}

export { generateImages, type Gan, type Network } from './network';
