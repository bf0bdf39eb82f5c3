/**
 * The headless studio server: serves the built renderer and speaks the contract over a WebSocket, for a GPU box
 * with no screen and for browser tests. Like Jupyter it prints a URL with a random token; the page load that
 * carries it sets an HttpOnly cookie and redirects to a clean URL, so pictures and the socket need no token in
 * their URLs. Anything without the token, from another origin or for another Host name is refused; no request or
 * frame can crash the process. Messages: { id, channel, payload } → { id, reply }; events go out as { event, payload }.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { EventListener } from '../../shared/contract';
import { CONTENT_SECURITY_POLICY } from '../../shared/csp';
import { hasToken, hostAllowed, originAllowed, queryToken, requestPath, setCookieHeader } from './serverGuard';

export { isLoopback } from './serverGuard';

export interface ContractHandler { handle(channel: string, payload: unknown): Promise<unknown> }

export interface StudioServer {
  url: string;
  token: string;
  /** Sends an event to every connected client. */
  broadcast: EventListener;
  close(): Promise<void>;
}

/** The largest contract frame: a bookmark file of ~20,000 latents; ws's own default (100 MiB) is too generous. */
export const MAX_FRAME_BYTES = 64 * 2 ** 20;

const TYPES: Record<string, string> = { '.webp': 'image/webp', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.bmp': 'image/bmp', '.tif': 'image/tiff', '.tiff': 'image/tiff', '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.png': 'image/png', '.svg': 'image/svg+xml', '.wasm': 'application/wasm', '.json': 'application/json', '.mp4': 'video/mp4', '.webm': 'video/webm' };

interface ServerOptions {
  host: string;
  port: number;
  /** The built renderer; absent: the page says how to build it. */
  staticDir?: string;
  /** The file behind a picture path ("runs/…", "thumbnails/…", "items/<id>"), or undefined to refuse it. */
  pictures: (path: string) => string | undefined;
  handler: ContractHandler;
}

const text = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { 'content-type': 'text/plain', ...headers }).end(`${body}\n`);
};

/** The file a checked path names: a picture, or a file of the built renderer. */
function fileFor(path: string, o: ServerOptions): string | undefined {
  const picture = o.pictures(path.slice(1));
  if (picture) return picture;
  return o.staticDir ? join(o.staticDir, path === '/' ? 'index.html' : path) : undefined;
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Streams a file; one that cannot be opened is a 404, one that fails mid-way ends the response, never the process. */
function sendFile(res: ServerResponse, file: string, headers: Record<string, string>): void {
  const stream = createReadStream(file);
  stream.once('open', () => {
    res.writeHead(200, headers);
    stream.pipe(res);
  });
  stream.once('error', () => (res.headersSent ? res.destroy() : text(res, 404, 'not found')));
  res.once('close', () => stream.destroy());
}

export async function startStudioServer(o: ServerOptions): Promise<StudioServer> {
  const token = randomBytes(24).toString('hex');
  let port = o.port;

  const serveHttp = (req: IncomingMessage, res: ServerResponse): void => {
    if (!hostAllowed(req.headers.host, o.host, port)) return text(res, 421, 'GAN Studio: this server does not answer to that host name');
    const path = requestPath(req.url ?? '/');
    if (path === undefined) return text(res, 400, 'GAN Studio: a malformed path');
    if (!hasToken(req, token, port)) return text(res, 403, 'GAN Studio: open the URL with its token (printed when the server started)');
    // The tokened page load trades the token for a cookie and a clean URL (out of history, logs and Referer).
    if (path === '/' && queryToken(req) !== undefined) {
      res.writeHead(303, { location: '/', 'set-cookie': setCookieHeader(token, port), 'cache-control': 'no-store' }).end();
      return;
    }
    const file = fileFor(path, o);
    if (!file || !isFile(file)) return text(res, 404, o.staticDir ? 'not found' : 'the renderer is not built: run npm run build');
    // Thumbnails are named by their picture's content hash: what a name holds never changes.
    const caching: Record<string, string> = path.startsWith('/thumbnails/') ? { 'cache-control': 'private, max-age=31536000, immutable' } : {};
    sendFile(res, file, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-security-policy': CONTENT_SECURITY_POLICY, 'x-content-type-options': 'nosniff', ...caching });
  };
  const server: Server = createServer((req, res) => {
    try {
      serveHttp(req, res);
    } catch {
      if (!res.headersSent) text(res, 500, 'GAN Studio: internal error');
      else res.destroy();
    }
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const refuse = (status: string): void => void socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\n\r\n`);
    if (!hostAllowed(req.headers.host, o.host, port) || !originAllowed(req)) return refuse('403 Forbidden');
    if (!hasToken(req, token, port)) return refuse('401 Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  wss.on('connection', (ws: WebSocket) => {
    // Oversized frames and invalid UTF-8 arrive here; ws closes the socket itself (1009, 1007).
    ws.on('error', () => ws.terminate());
    ws.on('message', (raw, isBinary) => void answer(ws, raw, isBinary, o.handler));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, resolve);
  });
  port = (server.address() as AddressInfo).port;
  const shownHost = o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    url: `http://${shownHost}:${port}/?token=${token}`,
    token,
    broadcast: (event, payload) => {
      const frame = JSON.stringify({ event, payload });
      for (const client of wss.clients) if (client.readyState === client.OPEN) client.send(frame);
    },
    close: () => new Promise<void>((resolve) => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.close(() => resolve());
    }),
  };
}

interface Frame { id: number | string | null; channel: string; payload: unknown }

/** A frame as the contract wants it: a JSON object with a string channel (and an id to answer to), or a reason. */
function parseFrame(raw: RawData, isBinary: boolean): Frame | string {
  if (isBinary) return 'a message must be a JSON text frame';
  let msg: unknown;
  try {
    msg = JSON.parse(raw.toString());
  } catch {
    return 'a message must be JSON';
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return 'a message must be a JSON object { id, channel, payload }';
  const { id, channel, payload } = msg as Record<string, unknown>;
  if (typeof channel !== 'string') return 'channel: must be a string';
  const validId = typeof id === 'number' || typeof id === 'string' ? id : null;
  return { id: validId, channel, payload };
}

async function answer(ws: WebSocket, raw: RawData, isBinary: boolean, handler: ContractHandler): Promise<void> {
  const frame = parseFrame(raw, isBinary);
  let reply: unknown;
  if (typeof frame === 'string') reply = { ok: false, error: { code: 'invalid-request', message: frame } };
  else {
    try {
      reply = await handler.handle(frame.channel, frame.payload);
    } catch (err) {
      reply = { ok: false, error: { code: 'internal', message: err instanceof Error ? err.message : String(err) } };
    }
  }
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id: typeof frame === 'string' ? null : frame.id, reply }), () => {});
}
