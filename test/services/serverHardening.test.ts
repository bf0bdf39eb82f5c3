/**
 * The studio server against an attacker and an unlucky client: paths that climb out of /assets/, malformed URLs,
 * foreign Host and Origin headers, hostile frames and unreadable pictures. Requests go out raw (node:http), since
 * fetch would resolve "..", "%2e%2e" and backslashes before sending. A crash would take this test process with it.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MAX_FRAME_BYTES, startStudioServer, type StudioServer } from '../../src/main/host/wsServer';
import { hostAllowed, requestPath } from '../../src/main/host/serverGuard';

interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: string }

describe('the studio server under attack', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gan-guard-'));
  const secret = join(dir, 'secret.png');
  const staticDir = join(dir, 'renderer');
  let server: StudioServer;
  let port: number;
  let handled: string[] = [];

  beforeAll(async () => {
    writeFileSync(secret, 'the user original picture');
    mkdirSync(join(staticDir, 'assets'), { recursive: true });
    writeFileSync(join(staticDir, 'index.html'), '<html>studio</html>');
    writeFileSync(join(staticDir, 'assets', 'app.js'), 'console.log(1)');
    const pictures: Record<string, string> = {
      'items/1': secret,
      'items/2': secret,
      'runs/r/samples/step-000001.png': secret,
      [`thumbnails/${'a'.repeat(64)}.webp`]: secret,
      // a file the process cannot read to its end: opening works, reading fails (EIO), even as root
      'items/9': '/proc/self/mem',
    };
    server = await startStudioServer({
      host: '127.0.0.1', port: 0, staticDir, pictures: (path) => pictures[path],
      handler: {
        handle: async (channel) => {
          handled.push(channel);
          if (channel === 'explode') throw new Error('handler blew up');
          return { ok: true, value: channel };
        },
      },
    });
    port = Number(new URL(server.url).port);
  });
  afterAll(() => server.close());

  const get = (path: string, headers: Record<string, string> = {}): Promise<Answer> => new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      res.on('error', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
  const alive = async (): Promise<void> => expect((await get(`/items/1?token=${server.token}`)).body).toBe('the user original picture');

  it('answers a malformed URL with 400 and keeps serving', async () => {
    for (const path of ['/assets/%', '/%E0%A4%A', '/items/%zz', `/assets/%?token=${server.token}`]) {
      expect((await get(path)).status, path).toBe(400);
    }
    await alive();
  });

  it('serves no picture without the token, however the path climbs out of /assets/', async () => {
    const climbs = [
      '/assets/../items/1', '/assets/%2e%2e/items/1', '/assets/..\\items/1', '/assets/.%2e/items/2', '/assets/%2E%2E/items/1',
      '/assets/..%2Fitems/1', '/assets/..%5Citems/1', '/assets/%2e%2e%2fitems%2f1', '/assets/./../items/1', '/assets/%2e/%2e%2e/items/1',
      '/assets/../runs/r/samples/step-000001.png', `/assets/../thumbnails/${'a'.repeat(64)}.webp`, '/assets/..%00/items/1',
      '/items/1', `/thumbnails/${'a'.repeat(64)}.webp`, '/runs/r/samples/step-000001.png', '//items/1', '/assets/app.js',
    ];
    for (const path of climbs) {
      const answer = await get(path);
      expect([400, 403], path).toContain(answer.status);
      expect(answer.body, path).not.toContain('original');
    }
    // with the token, a climbing path is still refused: it is decided on the decoded path, once
    expect((await get(`/assets/%2e%2e/items/1?token=${server.token}`)).status).toBe(400);
    expect(requestPath('/assets/%2e%2e/items/1')).toBeUndefined();
    expect(requestPath('/runs/my%20run/samples/step-000001.png')).toBe('/runs/my run/samples/step-000001.png');
  });

  it('trades the page token for an HttpOnly, SameSite=Strict cookie and a clean URL; pictures then need no token', async () => {
    const page = await get(`/?token=${server.token}`);
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe('/');
    const cookie = String(page.headers['set-cookie']);
    expect(cookie).toMatch(new RegExp(`^gan-studio-${port}=${server.token}; HttpOnly; SameSite=Strict; Path=/`));
    const jar = cookie.split(';')[0];
    expect((await get('/', { cookie: jar })).body).toBe('<html>studio</html>');
    expect((await get('/items/1', { cookie: jar })).body).toBe('the user original picture');
    expect((await get('/assets/app.js', { cookie: `a=b; ${jar}` })).status).toBe(200);
    expect((await get('/items/1', { cookie: `gan-studio-${port}=${'0'.repeat(48)}` })).status).toBe(403);
    expect((await get('/items/1', { cookie: `gan-studio-${port + 1}=${server.token}` })).status).toBe(403);
    expect((await get('/?token=wrong')).status).toBe(403);
  });

  it('answers only to its own host names (DNS rebinding)', async () => {
    expect((await get(`/items/1?token=${server.token}`, { host: `rebound.example:${port}` })).status).toBe(421);
    expect((await get(`/items/1?token=${server.token}`, { host: `localhost:${port}` })).status).toBe(200);
    expect((await get(`/items/1?token=${server.token}`, { host: `127.0.0.1:${port + 1}` })).status).toBe(421);
    expect(hostAllowed(`[::1]:${port}`, '127.0.0.1', port)).toBe(true);
    expect(hostAllowed('studio.lan:7860', 'studio.lan', 7860)).toBe(true);
    expect(hostAllowed('10.1.2.3:7860', '0.0.0.0', 7860)).toBe(true);
    expect(hostAllowed('evil.example:7860', '0.0.0.0', 7860)).toBe(false);
    expect(hostAllowed(undefined, '127.0.0.1', 7860)).toBe(false);
  });

  const open = (headers: Record<string, string> = {}, query = `?token=${server.token}`): Promise<WebSocket> => new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api${query}`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
  const reply = (ws: WebSocket, frame: string | Buffer): Promise<{ id: unknown; reply: { ok: boolean; value?: unknown; error?: { code: string; message: string } } }> =>
    new Promise((resolve) => {
      ws.once('message', (raw) => resolve(JSON.parse(raw.toString())));
      ws.send(frame);
    });
  const closed = (ws: WebSocket): Promise<number> => new Promise((resolve) => ws.once('close', (code) => resolve(code)));

  it('accepts the socket only from its own origin, with the token or the cookie', async () => {
    await expect(open({ origin: 'http://evil.example' })).rejects.toThrow(/403/);
    await expect(open({ origin: `http://127.0.0.1:${port + 1}` })).rejects.toThrow(/403/);
    await expect(open({ host: `rebound.example:${port}` })).rejects.toThrow(/403/);
    await expect(open({}, '')).rejects.toThrow(/401/);
    const viaCookie = await open({ origin: `http://127.0.0.1:${port}`, cookie: `gan-studio-${port}=${server.token}` }, '');
    expect((await reply(viaCookie, JSON.stringify({ id: 1, channel: 'runs:list' }))).reply).toEqual({ ok: true, value: 'runs:list' });
    viaCookie.close();
  });

  it('answers hostile frames with an error, or closes the socket, and never exits', async () => {
    handled = [];
    const ws = await open();
    for (const frame of ['null', '[1,2]', '"text"', '42', '{"id":3}', '{"id":4,"channel":7}', 'not json']) {
      const answer = await reply(ws, frame);
      expect(answer.reply, frame).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    }
    expect(handled).toEqual([]);
    expect((await reply(ws, JSON.stringify({ id: 5, channel: 'explode' })))).toMatchObject({ id: 5, reply: { ok: false, error: { code: 'internal', message: 'handler blew up' } } });
    expect((await reply(ws, Buffer.from([1, 2, 3]))).reply).toMatchObject({ ok: false, error: { message: /text frame/ } });

    const badUtf8 = await open();
    const code = closed(badUtf8);
    badUtf8.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    expect(await code).toBe(1007);

    const huge = await open();
    const hugeCode = closed(huge);
    huge.send(Buffer.alloc(MAX_FRAME_BYTES + 1, 0x20), { binary: false });
    expect(await hugeCode).toBe(1009);

    expect((await reply(ws, JSON.stringify({ id: 6, channel: 'still-here' }))).reply).toEqual({ ok: true, value: 'still-here' });
    ws.close();
    await alive();
  });

  it('survives a picture it cannot read', async () => {
    const answer = await get(`/items/9?token=${server.token}`).catch(() => ({ status: 0, body: '' }));
    expect(answer.body).not.toContain('original');
    await alive();
  });
});
