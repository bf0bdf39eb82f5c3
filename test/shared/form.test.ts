import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configFields, fieldErrors } from '../../src/shared/config/form';
import { presetConfig } from '../../src/shared/config/presets';
import { CONTENT_SECURITY_POLICY } from '../../src/shared/csp';
import { RUN_ID } from '../../src/shared/picturePaths';
import { pictureFileIn } from '../../src/main/services/pictureFile';

describe('the config form, read from the schema', () => {
  const fields = Object.fromEntries(configFields().map((f) => [f.path, f]));

  it('describes every field with its type, bounds, default and description', () => {
    expect(fields['train.batchSize']).toMatchObject({ group: 'train', kind: 'integer', min: 1, max: 4096, default: 128 });
    expect(fields['optim.lrG']).toMatchObject({ kind: 'number', max: 1, default: 2e-4 });
    expect(fields['train.loss']).toMatchObject({ kind: 'choice', options: ['minimax', 'non-saturating', 'least-squares', 'wgan', 'wgan-gp', 'dragan', 'hinge', 'began'] });
    expect(fields['model.channels']).toMatchObject({ kind: 'choice', options: [1, 3], default: 3 });
    expect(fields['data.path']).toMatchObject({ kind: 'text', optional: true });
    for (const f of Object.values(fields)) expect(f.description, f.path).not.toBe('');
    // every field of a full config has an input, and nothing else does
    const config = presetConfig('mnist-quick') as unknown as Record<string, Record<string, unknown> | string>;
    const paths = Object.entries(config).flatMap(([g, v]) => (typeof v === 'object' ? Object.keys(v).map((k) => `${g}.${k}`) : []));
    const optional = Object.values(fields).filter((f) => f.optional).map((f) => f.path);
    expect(optional).toEqual(['data.path', 'data.dataset', 'train.init']);
    expect(Object.keys(fields).sort()).toEqual([...new Set([...paths, ...optional])].sort());
  });

  it("marks invalid fields with the schema's own messages", () => {
    const config = presetConfig('mnist-quick');
    expect(fieldErrors(config)).toEqual({});
    expect(fieldErrors({ ...config, train: { ...config.train, batchSize: 0 } })).toEqual({ 'train.batchSize': expect.stringMatching(/>=\s*1/) });
    expect(fieldErrors({ ...config, model: { ...config.model, kind: 'dcgan', imageSize: 48 } })).toEqual({ 'model.imageSize': 'a DCGAN needs a power of two from 32 to 128' });
    expect(fieldErrors({ ...config, data: { ...config.data, source: 'folder' } })).toEqual({ 'data.path': "is required when data.source is 'folder'" });
  });
});

describe('content security policy', () => {
  it('index.html carries the same policy the hosts send', () => {
    const html = readFileSync('src/renderer/index.html', 'utf8');
    expect(/http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1]).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|\*/);
  });
});

describe('run names and run picture paths', () => {
  it('never name the workspace or its parent', () => {
    for (const bad of ['.', '..', '...', 'a/b', '', 'x'.repeat(101)]) {
      expect(RUN_ID.test(bad), bad).toBe(false);
      expect(pictureFileIn('/ws', `runs/${bad}/samples/step-1.png`), bad).toBeUndefined();
    }
    expect(RUN_ID.test('.hidden-run') && RUN_ID.test('mnist-quick-2026.11')).toBe(true);
    expect(pictureFileIn('/ws', 'runs/a.b/samples/step-000001.png')).toBe('/ws/a.b/samples/step-000001.png');
    expect(pictureFileIn('/ws', 'runs/a/config.json')).toBeUndefined();
  });
});
