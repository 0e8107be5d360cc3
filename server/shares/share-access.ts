/**
 * Opening a share link: the token is looked up by its SHA-256 only, revoked and expired
 * links answer 410, a password travels in a header and is checked in constant time, and
 * both token guessing (per client address) and password guessing (per link and address)
 * are slowed down with 429. Tokens and passwords never reach a log line.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import type { ServerContext } from '../context.js';
import { ChatFilesError } from '../errors.js';
import { FailureLimiter } from '../federation/rate-limiter.js';
import type { ShareRecord, StoredFile } from '../store/metadata-store.js';
import { MAX_SHARE_PASSWORD_LENGTH, verifySharePassword } from './share-password.js';

/** The request header that carries a share password (never the query string: it is logged). */
export const SHARE_PASSWORD_HEADER = 'X-Chat-Files-Share-Password';

/** Unknown tokens one client address may present per window before it gets 429. */
export const TOKEN_FAILURE_LIMIT = 20;
/** Window of {@link TOKEN_FAILURE_LIMIT}. */
export const TOKEN_FAILURE_WINDOW_MS = 10 * 60_000;
/** Wrong passwords per share link and client address per window before 429. */
export const PASSWORD_FAILURE_LIMIT = 5;
/** Window of {@link PASSWORD_FAILURE_LIMIT}. */
export const PASSWORD_FAILURE_WINDOW_MS = 15 * 60_000;

/** Random bytes in a share token: 256 bits, far beyond guessing. */
const TOKEN_BYTES = 32;
/** Anything that is not base64url of a sensible length cannot be a token. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{16,512}$/;

/** SHA-256 hex of a share token, as the store keeps it. */
export const hashShareToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** A new share token: 32 random bytes, base64url. */
export const newShareToken = () => randomBytes(TOKEN_BYTES).toString('base64url');

/** The failure counters of share links, one set per server. */
export class ShareGate {
  /** Failed token lookups per client address. */
  readonly lookups: FailureLimiter;
  /** Wrong passwords per share link and client address. */
  readonly passwords: FailureLimiter;

  constructor(now: () => number = Date.now) {
    this.lookups = new FailureLimiter(TOKEN_FAILURE_LIMIT, TOKEN_FAILURE_WINDOW_MS, now);
    this.passwords = new FailureLimiter(PASSWORD_FAILURE_LIMIT, PASSWORD_FAILURE_WINDOW_MS, now);
  }
}

/** The address failures are counted against (the host's `trust proxy` setting applies). */
export const clientAddress = (req: Request): string =>
  req.ip ?? req.socket.remoteAddress ?? 'unknown';

/** Throws 429 with `Retry-After` when `key` is blocked by `limiter`. */
export function throwIfBlocked(res: Response, limiter: FailureLimiter, key: string): void {
  if (!limiter.blocked(key)) return;
  res.set('Retry-After', String(limiter.retryAfterSeconds(key)));
  throw new ChatFilesError('ERR_RATE_LIMITED', 'Too many failed attempts; try again later.');
}

/** A share that opened, with its file. */
export interface OpenedShare {
  share: ShareRecord;
  file: StoredFile;
}

function passwordOf(req: Request): string | undefined {
  const value = req.get(SHARE_PASSWORD_HEADER);
  if (value === undefined) return undefined;
  if (value.length > MAX_SHARE_PASSWORD_LENGTH) {
    throw new ChatFilesError('ERR_VALIDATION', 'The share password is too long.');
  }
  return value;
}

/**
 * Opens the share behind `token` for `req`: 404 unknown, 410 revoked or expired, 401 a
 * password is needed, 403 wrong password, 429 too many failures.
 */
export async function openShare(
  ctx: ServerContext,
  req: Request,
  res: Response,
  token: string,
): Promise<OpenedShare> {
  const gate = ctx.shareGate;
  const address = clientAddress(req);
  throwIfBlocked(res, gate.lookups, address);
  const share = TOKEN_SHAPE.test(token)
    ? await ctx.store.shares.findByTokenHash(hashShareToken(token))
    : null;
  if (!share) {
    gate.lookups.fail(address);
    throw new ChatFilesError('ERR_NOT_FOUND', 'No such share link.');
  }
  if (share.revoked_at !== null) {
    throw new ChatFilesError('ERR_GONE', 'This file is no longer available: the link was revoked.');
  }
  if (share.expires_at !== null && share.expires_at <= ctx.now()) {
    throw new ChatFilesError('ERR_GONE', 'This file is no longer available: the link expired.');
  }
  if (share.password_hash !== null) {
    const key = `${share.id} ${address}`;
    throwIfBlocked(res, gate.passwords, key);
    const password = passwordOf(req);
    if (password === undefined) {
      throw new ChatFilesError(
        'ERR_UNAUTHENTICATED',
        `This link needs a password, sent in the ${SHARE_PASSWORD_HEADER} header.`,
      );
    }
    if (!(await verifySharePassword(password, share.password_hash))) {
      gate.passwords.fail(key);
      throw new ChatFilesError('ERR_FORBIDDEN', 'Wrong password for this link.');
    }
  }
  const file = await ctx.store.files.get(share.file_id);
  // Deleting a file deletes its shares too; this only covers a race with that.
  if (!file) throw new ChatFilesError('ERR_GONE', 'This file is no longer available.');
  return { share, file };
}
