/**
 * Sessions of the reference chat app: a bearer token or the same token in an httpOnly
 * cookie, for HTTP requests and socket.io handshakes alike.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** The session cookie's name. */
export const SESSION_COOKIE = 'chat_session';

/** What a username must look like, in words for the error message. */
export const USERNAME_RULE =
  'a username is 1 to 32 characters: letters, digits, "_", "-" or ".", starting with a letter or digit';

const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;

/** True for a username that follows {@link USERNAME_RULE}. */
export function isValidUsername(value: unknown): value is string {
  return typeof value === 'string' && USERNAME_PATTERN.test(value);
}

/** Reads one cookie from a raw `Cookie` header. */
export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return null;
      }
    }
  }
  return null;
}

/** The session token carried by headers: `Authorization: Bearer` first, then the cookie. */
export function tokenFromHeaders(headers: IncomingHttpHeaders): string | null {
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (match) return match[1]!;
  }
  return readCookie(headers.cookie, SESSION_COOKIE);
}
