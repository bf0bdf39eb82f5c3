/**
 * One HTTP(S) GET, no more: no redirect followed (the crawler checks each hop), an overall time limit, a byte limit
 * enforced as the body arrives, the address guard applied as it connects, and a body that came whole or an error.
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { AddressRefused, checkLiteralHost, guardedLookup, type PrivateAllowance } from './addressGuard';

export interface RequestOptions {
  userAgent: string;
  timeoutMs: number;
  maxBytes: number;
  allowPrivate: PrivateAllowance;
  signal?: AbortSignal;
  accept?: string;
}

export interface Response {
  url: URL;
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A failure worth another try (a time-out, a dropped connection, a 5xx or 429); anything else is final. */
export class TransientError extends Error {
  constructor(message: string, readonly retryAfterMs?: number) {
    super(message);
  }
}

export class TooLarge extends Error {}

export function get(url: URL, o: RequestOptions): Promise<Response> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return Promise.reject(new Error(`${url.href}: only http and https are fetched`));
  try {
    checkLiteralHost(url, o.allowPrivate);
  } catch (err) {
    return Promise.reject(err);
  }
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<Response>((resolvePromise, reject) => {
    let settled = false;
    const finish = (err: Error | undefined, res?: Response): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      if (err) {
        req.destroy();
        reject(err);
      } else resolvePromise(res!);
    };
    const onAbort = (): void => finish(new Error('cancelled'));
    const timer = setTimeout(() => finish(new TransientError(`${url.href}: timed out after ${o.timeoutMs / 1000} s`)), o.timeoutMs);
    const req = client.get(url, {
      headers: { 'user-agent': o.userAgent, accept: o.accept ?? '*/*' },
      lookup: guardedLookup(o.allowPrivate),
      agent: false,
    });
    o.signal?.addEventListener('abort', onAbort);
    if (o.signal?.aborted) return onAbort();
    req.on('error', (err) => finish(transient(url, err)));
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      const declared = Number(res.headers['content-length'] ?? NaN);
      if (status === 200 && declared > o.maxBytes) {
        res.destroy();
        return finish(new TooLarge(`${url.href}: ${megabytes(declared)} is over the limit of ${megabytes(o.maxBytes)}`));
      }
      const chunks: Buffer[] = [];
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > o.maxBytes) return finish(new TooLarge(`${url.href}: more than ${megabytes(o.maxBytes)}, over the limit`));
        chunks.push(chunk);
      });
      res.on('aborted', () => finish(new TransientError(`${url.href}: the connection closed after ${received} bytes`)));
      res.on('error', (err) => finish(transient(url, err)));
      res.on('end', () => {
        if (!res.complete || (Number.isFinite(declared) && received < declared)) {
          return finish(new TransientError(`${url.href}: the connection closed after ${received} of ${declared} bytes`));
        }
        if (status === 429 || status >= 500) {
          return finish(new TransientError(`${url.href}: the server answered ${status}`, retryAfter(res.headers['retry-after'])));
        }
        finish(undefined, { url, status, headers: res.headers, body: Buffer.concat(chunks) });
      });
    });
  });
}

/** A connection's failure as another try would see it: a refused address or an unknown host stays final. */
function transient(url: URL, err: Error): Error {
  if (err instanceof TransientError || err instanceof AddressRefused) return err;
  if ((err as NodeJS.ErrnoException).code === 'ENOTFOUND') return new Error(`${url.href}: no such host`);
  return new TransientError(`${url.href}: ${err.message}`);
}

/** Retry-After in seconds (dates are rare from image hosts; they count as no hint). */
function retryAfter(value: string | undefined): number | undefined {
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

const megabytes = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;
