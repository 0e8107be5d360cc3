/**
 * Building the one input `authenticate` receives, and small readers for the places a
 * session usually travels: a bearer token, a cookie, the socket.io handshake's `auth`.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'socket.io';
import type { AuthInput, Handshake } from './host-adapter.js';

/** Parses a `Cookie` header; a value that does not URL-decode is kept as sent. */
export function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  if (!header) return cookies;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (name === '' || name in cookies) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      cookies[name] = decodeURIComponent(value);
    } catch {
      cookies[name] = value;
    }
  }
  return cookies;
}

function isSocket(source: object): source is Socket {
  return 'handshake' in source && 'request' in source;
}

function isHandshake(source: object): source is Handshake {
  return 'auth' in source && 'issued' in source;
}

function queryOf(url: string | undefined): AuthInput['query'] {
  const query: AuthInput['query'] = {};
  const params = new URL(url ?? '/', 'http://localhost').searchParams;
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    query[key] = values.length === 1 ? values[0] : values;
  }
  return query;
}

/**
 * The {@link AuthInput} for an HTTP request, a socket.io socket, or a bare handshake (a
 * handshake alone carries no request: `request` then only has its headers and URL).
 */
export function authInputFrom(source: IncomingMessage | Socket | Handshake): AuthInput {
  if (isSocket(source)) {
    return { ...authInputFrom(source.handshake), request: source.request };
  }
  if (isHandshake(source)) {
    const auth =
      source.auth && typeof source.auth === 'object'
        ? (source.auth as Record<string, unknown>)
        : {};
    return {
      kind: 'socket',
      headers: source.headers,
      cookies: parseCookies(source.headers.cookie),
      auth,
      query: { ...(source.query as AuthInput['query']) },
      request: { headers: source.headers, url: source.url } as IncomingMessage,
      handshake: source,
    };
  }
  return {
    kind: 'http',
    headers: source.headers,
    cookies: parseCookies(source.headers.cookie),
    query: queryOf(source.url),
    request: source,
  };
}

/** The token of an `Authorization: Bearer <token>` header, or `null`. */
export function bearerToken(input: AuthInput): string | null {
  const header = input.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match ? match[1]! : null;
}

/** The value of cookie `name`, or `null`. */
export function cookieValue(input: AuthInput, name: string): string | null {
  return Object.hasOwn(input.cookies, name) ? input.cookies[name]! : null;
}

/** A string field of the socket.io handshake's `auth` (`io({ auth: { token } })`), or `null`. */
export function handshakeAuth(input: AuthInput, field = 'token'): string | null {
  const value = input.auth?.[field];
  return typeof value === 'string' && value !== '' ? value : null;
}

/** Where {@link sessionToken} looks. */
export interface SessionTokenOptions {
  /** Name of the session cookie to read, if sessions travel in a cookie. */
  cookie?: string;
  /** Field of the handshake's `auth` object. @default 'token' */
  authField?: string;
}

/**
 * The session token from wherever it came: the handshake's `auth.token`, an
 * `Authorization: Bearer` header, or the named cookie, in that order; `null` if none.
 */
export function sessionToken(input: AuthInput, options: SessionTokenOptions = {}): string | null {
  return (
    handshakeAuth(input, options.authField) ??
    bearerToken(input) ??
    (options.cookie ? cookieValue(input, options.cookie) : null)
  );
}
