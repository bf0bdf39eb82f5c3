import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/shared/config/schema';
import { PRESET_NAMES, presetConfig } from '../../src/shared/config/presets';

describe('config schema', () => {
  it('fills DCGAN defaults (Adam 2e-4, β1 0.5, batch 128)', () => {
    const c = parseConfig({});
    expect(c.optim).toMatchObject({ lrG: 2e-4, lrD: 2e-4, beta1: 0.5 });
    expect(c.train.batchSize).toBe(128);
  });

  it.each(PRESET_NAMES)('preset %s is valid', (name) => {
    expect(presetConfig(name).preset).toBe(name);
  });

  it('refuses a bad value naming the field', () => {
    expect(() => presetConfig('mnist-quick', { train: { batchSize: 0 } })).toThrow(/train\.batchSize/);
    expect(() => parseConfig({ optim: { beta1: 1.5 } })).toThrow(/optim\.beta1/);
  });

  it('refuses unknown fields and a non-power-of-two DCGAN', () => {
    expect(() => parseConfig({ train: { batchsize: 64 } })).toThrow(ConfigError);
    expect(() => parseConfig({ model: { kind: 'dcgan', imageSize: 48 } })).toThrow(/model\.imageSize/);
  });

  it('needs a path for a folder dataset', () => {
    expect(() => parseConfig({ data: { source: 'folder' } })).toThrow(/data\.path/);
  });

  it('names an unknown preset and lists the known ones', () => {
    expect(() => presetConfig('nope')).toThrow(/unknown preset 'nope'.*mnist-quick/);
  });
});
