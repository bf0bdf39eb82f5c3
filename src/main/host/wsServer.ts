/**
 * The headless studio server: serves the built renderer and speaks the contract over a WebSocket, for a GPU box
 * with no screen and for browser tests. Like Jupyter it prints a URL with a random token; anything without the
 * token is refused. Messages: { id, channel, payload } → { id, reply }; events go out as { event, payload }.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EventName, Events } from '../../shared/contract';
import { CONTENT_SECURITY_POLICY } from '../../shared/csp';

export interface ContractHandler { handle(channel: string, payload: unknown): Promise<unknown> }

export interface StudioServer {
  url: string;
  token: string;
  /** Sends an event to every connected client. */
  broadcast<E extends EventName>(event: E, payload: Events[E]): void;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = { '.webp': 'image/webp', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.bmp': 'image/bmp', '.tif': 'image/tiff', '.tiff': 'image/tiff', '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.png': 'image/png', '.svg': 'image/svg+xml', '.wasm': 'application/wasm', '.json': 'application/json' };

export const isLoopback = (host: string): boolean => host === 'localhost' || host === '::1' || /^127\./.test(host);

function tokenOk(req: IncomingMessage, token: string): boolean {
  const given = new URL(req.url ?? '/', 'http://x').searchParams.get('token') ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

interface ServerOptions {
  host: string;
  port: number;
  /** The built renderer; absent: the page says how to build it. */
  staticDir?: string;
  /** The file behind a picture path ("runs/…", "thumbnails/…", "items/<id>"), or undefined to refuse it. */
  pictures: (path: string) => string | undefined;
  handler: ContractHandler;
}

/** The file an HTTP path names: a run's picture (token needed) or a renderer asset. */
function fileFor(path: string, o: ServerOptions): string | undefined {
  const picture = o.pictures(decodeURIComponent(path.slice(1)));
  if (picture) return picture;
  if (!o.staticDir) return undefined;
  const file = normalize(join(o.staticDir, path === '/' ? 'index.html' : path));
  return file.startsWith(o.staticDir) ? file : undefined;
}

export async function startStudioServer(o: ServerOptions): Promise<StudioServer> {
  const token = randomBytes(24).toString('hex');
  const server: Server = createServer((req, res) => {
    // Bundled scripts load without the token (the page's own URL carries it); nothing else does.
    if (!tokenOk(req, token) && !(req.url ?? '').startsWith('/assets/')) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('GAN Studio: open the URL with its token (printed when the server started)\n');
      return;
    }
    const { pathname } = new URL(req.url ?? '/', 'http://x');
    const file = fileFor(pathname, o);
    if (!file || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(o.staticDir ? 'not found\n' : 'the renderer is not built: run npm run build\n');
      return;
    }
    // Thumbnails are named by their picture's content hash: what a name holds never changes.
    const caching = pathname.startsWith('/thumbnails/') ? { 'cache-control': 'private, max-age=31536000, immutable' } : {};
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-security-policy': CONTENT_SECURITY_POLICY, 'x-content-type-options': 'nosniff', ...caching });
    createReadStream(file).pipe(res);
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    if (!tokenOk(req, token)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  wss.on('connection', (ws: WebSocket) => {
    ws.on('message', async (raw) => {
      let msg: { id?: unknown; channel?: unknown; payload?: unknown };
      try {
        msg = JSON.parse(raw.toString()) as typeof msg;
      } catch {
        ws.send(JSON.stringify({ id: null, reply: { ok: false, error: { code: 'invalid-request', message: 'a message must be JSON' } } }));
        return;
      }
      const reply = await o.handler.handle(String(msg.channel), msg.payload);
      ws.send(JSON.stringify({ id: msg.id ?? null, reply }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    url: `http://${shownHost}:${port}/?token=${token}`,
    token,
    broadcast: (event, payload) => {
      const text = JSON.stringify({ event, payload });
      for (const client of wss.clients) if (client.readyState === client.OPEN) client.send(text);
    },
    close: () => new Promise<void>((resolve) => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.close(() => resolve());
    }),
  };
}
