/**
 * What the studio server decides about a request before it serves anything: the path it names (decoded and
 * checked once), whether it carries the token (in the query or in the cookie the tokened page load set), and
 * whether its Host and Origin are the server's own (a page elsewhere, or a DNS name rebound to 127.0.0.1, is not).
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { hostname } from 'node:os';

export const isLoopback = (host: string): boolean => host === 'localhost' || host === '::1' || /^127\./.test(host);

const isWildcard = (host: string): boolean => host === '0.0.0.0' || host === '::';

/**
 * The request's path decoded once, or undefined for one that is malformed (bad percent-encoding) or that could
 * climb out of where it points: "." or ".." segments, backslashes or NUL, before or after decoding. The URL parser
 * resolves dot segments it can see, so this runs on the raw request target.
 */
export function requestPath(target: string): string | undefined {
  const raw = target.split('?', 1)[0];
  if (!raw.startsWith('/')) return undefined;
  let path: string;
  try {
    path = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  if (/[\\\0]/.test(path)) return undefined;
  if (path.split('/').some((segment) => segment === '.' || segment === '..')) return undefined;
  return path;
}

/** The cookie's name carries the port: cookies ignore ports, and two studios on one machine must not share one. */
export const tokenCookie = (port: number): string => `gan-studio-${port}`;

function sameSecret(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function queryToken(req: IncomingMessage): string | undefined {
  const q = (req.url ?? '').indexOf('?');
  return q < 0 ? undefined : (new URLSearchParams((req.url ?? '').slice(q + 1)).get('token') ?? undefined);
}

function cookieToken(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The token from the query or the cookie, compared in constant time. */
export function hasToken(req: IncomingMessage, token: string, port: number): boolean {
  return [queryToken(req), cookieToken(req, tokenCookie(port))].some((given) => given !== undefined && sameSecret(given, token));
}

/** Set on the tokened page load, so that pictures and the socket need no token in their URLs. */
export function setCookieHeader(token: string, port: number): string {
  return `${tokenCookie(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

/**
 * The Host names this server answers to: loopback names, the --host it was given, and, when it listens on every
 * address, IP literals and this machine's name (a rebinding attack needs a DNS name of its own).
 */
export function hostAllowed(hostHeader: string | undefined, boundHost: string, port: number): boolean {
  if (!hostHeader) return false;
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hostHeader);
  if (!m || (m[2] !== undefined && Number(m[2]) !== port)) return false;
  const name = m[1].replace(/^\[|\]$/g, '').toLowerCase();
  if (isLoopback(name) || name === boundHost.toLowerCase()) return true;
  return isWildcard(boundHost) && (isIP(name) !== 0 || name === hostname().toLowerCase());
}

/** A browser's Origin must be this server's own; clients that send none (scripts, tests) still need the token. */
export function originAllowed(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  return origin === undefined || origin === `http://${req.headers.host}`;
}
