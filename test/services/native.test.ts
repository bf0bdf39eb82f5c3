import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Studio } from '../../src/main/services/studio';
import type { Events, Responses } from '../../src/shared/contract';

describe('the native backend over the contract', () => {
  const saved = process.env.GAN_STUDIO_NATIVE_DIR;
  process.env.GAN_STUDIO_NATIVE_DIR = mkdtempSync(join(tmpdir(), 'gan-native-empty-'));
  const studio = new Studio(mkdtempSync(join(tmpdir(), 'gan-native-ws-')), 'wasm', { kind: 'server' });
  const events: Events['native:progress'][] = [];
  studio.subscribe((event, payload) => event === 'native:progress' && events.push(payload as Events['native:progress']));
  afterAll(async () => {
    await studio.stopAll();
    if (saved === undefined) delete process.env.GAN_STUDIO_NATIVE_DIR;
    else process.env.GAN_STUDIO_NATIVE_DIR = saved;
  });

  it('says nothing is built in an empty native folder, and fails a build from a path that is no TensorFlow by name', async () => {
    const status = await studio.handle('native:status', {});
    expect(status).toMatchObject({ ok: true, value: { build: null, building: null } });
    expect((status as { value: Responses['native:status'] }).value.looked).toContain('python3: import tensorflow');

    const started = await studio.handle('native:install', { from: '/no/such/tensorflow.whl' });
    expect(started).toMatchObject({ ok: true, value: { jobId: 1 } });
    while (!events.some((e) => e.status !== 'running')) await new Promise((r) => setTimeout(r, 50));
    expect(events.at(-1)).toMatchObject({ jobId: 1, status: 'failed', what: expect.stringMatching(/--from: '\/no\/such\/tensorflow.whl' does not exist/) });
    expect(await studio.handle('native:status', {})).toMatchObject({ ok: true, value: { build: null, building: null } });
  }, 60_000);
});
