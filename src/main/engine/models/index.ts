import type { ModelConfig } from '../../../shared/config/schema';
import type { Rng } from '../training/rng';
import { buildBegan } from './began';
import { buildDcgan } from './dcgan';
import { buildDcganTf } from './dcganTf';
import { buildFastgan } from './fastgan';
import { buildKerasDcgan } from './kerasDcgan';
import { buildMlp } from './mlp';
import { buildResnet } from './resnet';
import { buildStyleGan } from './styleGan';
import { buildTwoFcGan } from './twoFcGan';
import type * as tf from '../runtime/tf';
import { dropout, type ForwardContext } from './layers';
import type { Gan, Network } from './network';

const BUILDERS: Record<ModelConfig['kind'], (m: ModelConfig, rng: Rng) => Gan> = {
  dcgan: buildDcgan,
  'dcgan-tf': buildDcganTf,
  fastgan: buildFastgan,
  'keras-dcgan': buildKerasDcgan,
  mlp: buildMlp,
  resnet: buildResnet,
  style: buildStyleGan,
  'two-fc': buildTwoFcGan,
  began: buildBegan,
};

export function buildGan(m: ModelConfig, rng: Rng): Gan {
  const gan = BUILDERS[m.kind](m, rng);
  return m.inputDropout > 0 ? { ...gan, discriminator: withInputDropout(gan.discriminator, m.inputDropout) } : gan;
}

/** D with dropout on the picture it is shown (MATLAB's GAN example: 0.5), before any of its layers. */
function withInputDropout(d: Network, rate: number): Network {
  const drop = dropout(rate);
  const selfSupervised = d.selfSupervised?.bind(d);
  return {
    params: d.params,
    apply: (x, ctx) => d.apply(drop(x, ctx), ctx),
    features: (x, ctx) => d.features(drop(x, ctx), ctx),
    ...(d.layers && { layers: [drop, ...d.layers] }),
    ...(selfSupervised && { selfSupervised: (x: tf.Tensor, ctx: ForwardContext) => selfSupervised(drop(x, ctx), ctx) }),
  };
}

export { generateImages, truncated, type Gan, type Network } from './network';
