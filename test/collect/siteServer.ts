/**
 * A small image board on 127.0.0.1 for the collector's tests: pages of pictures, robots.txt, and the ways a real
 * site misbehaves (slow, failing, redirect loops, huge or cut-off files). It logs every request it sees, with when
 * it started and ended, so a test can check what the collector asked for and how politely.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';

export interface Hit { path: string; userAgent: string; start: number; end: number }
export type Route = (req: IncomingMessage, res: ServerResponse, site: Site) => void | Promise<void>;

export class Site {
  readonly hits: Hit[] = [];
  /** Requests being answered right now (the most seen at once is `maxInFlight`). */
  private inFlight = 0;
  maxInFlight = 0;
  readonly routes = new Map<string, Route>();
  private server!: Server;
  origin = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.answer(req, res));
    await new Promise<void>((done) => this.server.listen(0, '127.0.0.1', done));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Requests for `path` (without the query). */
  count(path: string): number {
    return this.hits.filter((h) => h.path === path).length;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((done) => this.server.close(done));
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const hit: Hit = { path: new URL(req.url!, 'http://x').pathname, userAgent: req.headers['user-agent'] ?? '', start: Date.now(), end: 0 };
    this.hits.push(hit);
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    const done = (): void => {
      if (hit.end) return;
      hit.end = Date.now();
      this.inFlight--;
    };
    res.on('close', done);
    const route = this.routes.get(hit.path);
    if (!route) {
      res.writeHead(404).end('not here');
      return;
    }
    await route(req, res, this);
  }
}

export const html = (body: string): Route => (_req, res) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><html><body>${body}</body></html>`);
};

export const png = (bytes: Buffer): Route => (_req, res) => {
  res.writeHead(200, { 'content-type': 'image/png', 'content-length': bytes.length }).end(bytes);
};

/** An 8 × 8 PNG of one colour: `shade` 0–255 sets it, so two shades are two different files. */
export const solidPng = (shade: number): Promise<Buffer> =>
  sharp({ create: { width: 8, height: 8, channels: 3, background: { r: shade, g: 255 - shade, b: 40 } } }).png().toBuffer();
