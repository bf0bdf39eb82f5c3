// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { ContractFailure, StudioClient } from '../../src/renderer/src/api/client';
import { preloadTransport } from '../../src/renderer/src/api/preloadTransport';
import { webSocketTransport, type ConnectionState } from '../../src/renderer/src/api/webSocketTransport';

/** Just enough of a WebSocket to drive the transport by hand. */
class FakeSocket extends EventTarget {
  static made: FakeSocket[] = [];
  sent: { id: number; channel: string; payload: unknown }[] = [];
  constructor(readonly url: string) {
    super();
    FakeSocket.made.push(this);
  }
  send(text: string): void {
    this.sent.push(JSON.parse(text));
  }
  open(): void {
    this.dispatchEvent(new Event('open'));
  }
  receive(message: unknown): void {
    this.dispatchEvent(new MessageEvent('message', { data: JSON.stringify(message) }));
  }
  drop(): void {
    this.dispatchEvent(new Event('close'));
  }
}

describe('the WebSocket transport', () => {
  const location = { protocol: 'http:', host: '127.0.0.1:7860', search: '?token=abc123' };

  it('authenticates with the page token, matches replies to requests by id and routes events', async () => {
    FakeSocket.made = [];
    const states: ConnectionState[] = [];
    const transport = webSocketTransport(location, (s) => states.push(s), (url) => new FakeSocket(url) as unknown as WebSocket);
    const socket = FakeSocket.made[0];
    expect(socket.url).toBe('ws://127.0.0.1:7860/api?token=abc123');
    const client = new StudioClient(transport);
    const first = client.call('runs:list', {});
    const second = client.call('training:pause', { runId: 'r' });
    socket.open();
    await new Promise((r) => setTimeout(r, 0));
    expect(socket.sent.map((m) => m.channel)).toEqual(['runs:list', 'training:pause']);
    // replies may come back in any order
    socket.receive({ id: socket.sent[1].id, reply: { ok: false, error: { code: 'not-found', message: "no run named 'r' is training" } } });
    socket.receive({ id: socket.sent[0].id, reply: { ok: true, value: { runs: [] } } });
    await expect(first).resolves.toEqual({ runs: [] });
    await expect(second).rejects.toEqual(new ContractFailure('not-found', "no run named 'r' is training"));

    const seen: unknown[] = [];
    const off = client.on('training:status', (p) => seen.push(p));
    socket.receive({ event: 'training:status', payload: { runId: 'r', status: 'running', step: 1 } });
    off();
    socket.receive({ event: 'training:status', payload: { runId: 'r', status: 'paused', step: 2 } });
    expect(seen).toEqual([{ runId: 'r', status: 'running', step: 1 }]);
    expect(states).toEqual(['connecting', 'open']);
    // pictures authenticate with the server's cookie: the token never lands in a picture URL
    expect(client.pictureUrl('my run', 'samples/step-000010.png')).toBe('/runs/my%20run/samples/step-000010.png');
    expect(client.thumbnailUrl('ab'.repeat(32))).toBe(`/thumbnails/${'ab'.repeat(32)}.webp`);
    expect(client.itemUrl(42)).toBe('/items/42');
  });

  it('relies on the cookie when the page address no longer carries the token', () => {
    FakeSocket.made = [];
    webSocketTransport({ ...location, search: '' }, () => {}, (url) => new FakeSocket(url) as unknown as WebSocket);
    expect(FakeSocket.made[0].url).toBe('ws://127.0.0.1:7860/api');
  });

  it('fails waiting requests with a message when the socket drops, then reconnects', async () => {
    FakeSocket.made = [];
    const states: ConnectionState[] = [];
    const client = new StudioClient(webSocketTransport(location, (s) => states.push(s), (url) => new FakeSocket(url) as unknown as WebSocket));
    FakeSocket.made[0].open();
    const waiting = client.call('runs:list', {});
    await new Promise((r) => setTimeout(r, 0));
    FakeSocket.made[0].drop();
    await expect(waiting).rejects.toThrow(/connection to the studio server closed/);
    await new Promise((r) => setTimeout(r, 1100));
    expect(FakeSocket.made).toHaveLength(2);
    expect(states).toEqual(['connecting', 'open', 'closed', 'connecting']);
  });
});

describe('the preload transport', () => {
  it('passes calls to the preload API and loads pictures over the studio-run protocol', async () => {
    const invoked: unknown[][] = [];
    const api = { invoke: async (...a: unknown[]) => (invoked.push(a), { ok: true, value: { runs: [] } }), on: () => () => {}, pathForFile: (f: File) => `/home/me/${f.name}` };
    const client = new StudioClient(preloadTransport(api));
    await expect(client.call('runs:list', {})).resolves.toEqual({ runs: [] });
    expect(invoked).toEqual([['runs:list', {}]]);
    expect(client.pictureUrl('a', 'samples/step-000001.png')).toBe('studio-run://runs/a/samples/step-000001.png');
    expect(client.itemUrl(7)).toBe('studio-run://items/7');
    expect(client.droppedPath(new File([], 'pictures'))).toBe('/home/me/pictures');
  });
});
