import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { isLoopback, startStudioServer, type StudioServer } from '../../src/main/host/wsServer';
import { Studio } from '../../src/main/services/studio';

describe('headless studio server', () => {
  let server: StudioServer;
  const workspace = mkdtempSync(join(tmpdir(), 'gan-serve-'));
  const events: { event: string; payload: { status?: string } }[] = [];

  beforeAll(async () => {
    const service = new Studio(workspace, 'wasm', { kind: 'server' });
    server = await startStudioServer({ host: '127.0.0.1', port: 0, pictures: (path) => service.pictureFile(path), handler: service });
    service.subscribe(server.broadcast);
  });
  afterAll(() => server.close());

  const connect = (token: string): Promise<WebSocket> => new Promise((resolve, reject) => {
    const url = new URL(server.url);
    const ws = new WebSocket(`ws://${url.host}/api?token=${token}`);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.on('message', (raw) => {
      const m = JSON.parse(raw.toString());
      if (m.event) events.push(m);
    });
  });

  const call = (ws: WebSocket, id: number, channel: string, payload: unknown): Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string } }> =>
    new Promise((resolve) => {
      const onMessage = (raw: WebSocket.RawData): void => {
        const m = JSON.parse(raw.toString());
        if (m.id === id) {
          ws.off('message', onMessage);
          resolve(m.reply);
        }
      };
      ws.on('message', onMessage);
      ws.send(JSON.stringify({ id, channel, payload }));
    });

  it('binds to loopback and prints a URL with a random token', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}$/);
    expect(isLoopback('127.0.0.1') && isLoopback('::1') && !isLoopback('0.0.0.0')).toBe(true);
  });

  it('refuses a wrong token for the page and the socket', async () => {
    const page = await fetch(server.url.replace(/token=\w+/, 'token=wrong'));
    expect(page.status).toBe(403);
    await expect(connect('wrong')).rejects.toThrow(/401/);
  });

  it('serves run pictures with the token only, nothing outside runs, under a strict CSP', async () => {
    const url = new URL(server.url);
    const picture = (path: string, token = server.token) => fetch(`http://${url.host}/${path}?token=${token}`);
    mkdirSync(join(workspace, 'r1', 'samples'), { recursive: true });
    writeFileSync(join(workspace, 'r1', 'samples', 'step-000010.png'), 'png bytes');
    writeFileSync(join(workspace, 'r1', 'config.json'), '{}');
    const ok = await picture('runs/r1/samples/step-000010.png');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('image/png');
    expect(ok.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(await ok.text()).toBe('png bytes');
    expect((await picture('runs/r1/samples/step-000010.png', 'wrong')).status).toBe(403);
    expect((await picture('runs/r1/config.json')).status).toBe(404);
    expect((await picture('runs/..%2F..%2Fetc/samples/step-1.png')).status).toBe(400); // a decoded '..' is refused outright
  });

  it('speaks the contract: typed errors for bad requests, training events broadcast', async () => {
    const ws = await connect(server.token);
    expect(await call(ws, 1, 'nope', {})).toMatchObject({ ok: false, error: { code: 'unknown-channel' } });
    expect(await call(ws, 2, 'training:start', { preset: 'mnist-quick' })).toMatchObject({ ok: false, error: { code: 'invalid-request', message: expect.stringMatching(/runId/) } });
    const small = { model: { width: 0.125, latentDim: 8 }, data: { limit: 64 }, train: { batchSize: 8, steps: 3 } };
    expect(await call(ws, 3, 'training:start', { preset: 'mnist-quick', runId: 'over-ws', overrides: small })).toMatchObject({ ok: true });
    while (!events.some((e) => e.payload.status === 'finished')) await new Promise((r) => setTimeout(r, 100));
    expect(events.filter((e) => e.event === 'training:progress')).toHaveLength(3);
    ws.close();
  });
});
