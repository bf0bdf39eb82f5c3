/**
 * The browser's transport to `gan-studio serve`: the contract over one WebSocket. The tokened page load left an
 * HttpOnly cookie that authenticates the socket and every picture, so no URL here carries the token (a page opened
 * with the token still in its address passes it on). Requests wait for the socket; when it drops, waiting requests
 * fail with a message and the socket reconnects.
 */
import type { Transport } from './client';

export type ConnectionState = 'connecting' | 'open' | 'closed';

interface Pending { resolve: (reply: unknown) => void }

export function webSocketTransport(
  location: Pick<Location, 'protocol' | 'host' | 'search'>,
  onState: (state: ConnectionState) => void = () => {},
  makeSocket: (url: string) => WebSocket = (url) => new WebSocket(url),
): Transport {
  const token = new URLSearchParams(location.search).get('token');
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api${token ? `?token=${encodeURIComponent(token)}` : ''}`;
  const pending = new Map<number, Pending>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  let nextId = 1;
  let socket: WebSocket;
  let opened: Promise<WebSocket>;

  const connect = (): void => {
    onState('connecting');
    socket = makeSocket(url);
    opened = new Promise((resolve) => socket.addEventListener('open', () => (onState('open'), resolve(socket))));
    socket.addEventListener('message', (e: MessageEvent<string>) => {
      const m = JSON.parse(e.data) as { id?: number; reply?: unknown; event?: string; payload?: unknown };
      if (m.event) listeners.get(m.event)?.forEach((fn) => fn(m.payload));
      else if (typeof m.id === 'number') {
        pending.get(m.id)?.resolve(m.reply);
        pending.delete(m.id);
      }
    });
    socket.addEventListener('close', () => {
      onState('closed');
      const error = { code: 'internal', message: 'the connection to the studio server closed; retrying' };
      for (const p of pending.values()) p.resolve({ ok: false, error });
      pending.clear();
      setTimeout(connect, 1000);
    });
  };
  connect();

  return {
    async invoke(channel, payload) {
      const ws = await opened;
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, { resolve });
        ws.send(JSON.stringify({ id, channel, payload }));
      });
    },
    on(event, listener) {
      const set = listeners.get(event) ?? listeners.set(event, new Set()).get(event)!;
      set.add(listener);
      return () => set.delete(listener);
    },
    fileUrl: (path) => `/${path}`,
    droppedPath: () => undefined, // a browser does not reveal where a dropped file lives
  };
}
