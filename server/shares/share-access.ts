/**
 * Opening a share link: the token is looked up by its SHA-256 only, revoked and expired
 * links answer 410, a password travels in a header and is checked in constant time.
 * Token guessing (per client address) and password guessing (per link, and per link and
 * address) are slowed down with growing waits, never by refusing a real token and its
 * correct password. Tokens and passwords never reach a log line.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Request } from 'express';
import { requireNotRevoked } from '../access.js';
import type { ServerContext } from '../context.js';
import { ChatFilesError } from '../errors.js';
import { FailureThrottle } from '../federation/rate-limiter.js';
import type { LimiterBackend } from '../limits/limiter.js';
import type { ShareRecord, StoredFile } from '../store/metadata-store.js';
import { MAX_SHARE_PASSWORD_LENGTH, verifySharePassword } from './share-password.js';

/** The request header that carries a share password (never the query string: it is logged). */
export const SHARE_PASSWORD_HEADER = 'X-Chat-Files-Share-Password';

/** Unknown tokens one client address may present per window before each costs a growing wait (429). */
export const TOKEN_FAILURE_LIMIT = 20;
/** Window of {@link TOKEN_FAILURE_LIMIT}. */
export const TOKEN_FAILURE_WINDOW_MS = 10 * 60_000;
/** Wrong passwords per share link and client address per window before checks are slowed down. */
export const PASSWORD_FAILURE_LIMIT = 5;
/** Wrong passwords per share link from all addresses per window before checks are slowed down. */
export const LINK_PASSWORD_FAILURE_LIMIT = 50;
/** Window of the password failure limits. */
export const PASSWORD_FAILURE_WINDOW_MS = 15 * 60_000;
/** Longest wait before a password is checked. */
export const MAX_PASSWORD_DELAY_MS = 30_000;
/**
 * Password checks of one link a node holds back at once. Beyond it the answer is 429: only
 * a flood of concurrent guesses gets there, and then it bounds their memory and sockets.
 */
export const MAX_HELD_PASSWORD_CHECKS = 16;

/** Random bytes in a share token: 256 bits, far beyond guessing. */
const TOKEN_BYTES = 32;
/** Anything that is not base64url of a sensible length cannot be a token. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{16,512}$/;

/** SHA-256 hex of a share token, as the store keeps it. */
export const hashShareToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** A new share token: 32 random bytes, base64url. */
export const newShareToken = () => randomBytes(TOKEN_BYTES).toString('base64url');

const rateLimited = (retryAfterMs: number) =>
  new ChatFilesError('ERR_RATE_LIMITED', 'Too many failed attempts; try again later.', {
    retryAfterMs,
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Slows down share-link guessing without locking out the rightful user: an unknown token
 * costs its address a growing wait, but a real token is never refused; wrong passwords
 * make later checks of that link wait longer (per address and per link), but a correct
 * password is always accepted once its wait is over.
 */
export class ShareGate {
  private readonly lookups: FailureThrottle;
  private readonly passwordsPerAddress: FailureThrottle;
  private readonly passwordsPerLink: FailureThrottle;
  private readonly held = new Map<string, number>();

  constructor(backend: LimiterBackend) {
    this.lookups = new FailureThrottle(backend, 'share-token-misses', {
      free: TOKEN_FAILURE_LIMIT,
      windowMs: TOKEN_FAILURE_WINDOW_MS,
      baseDelayMs: 1000,
      maxDelayMs: TOKEN_FAILURE_WINDOW_MS,
    });
    const passwordWindow = {
      windowMs: PASSWORD_FAILURE_WINDOW_MS,
      maxDelayMs: MAX_PASSWORD_DELAY_MS,
    };
    this.passwordsPerAddress = new FailureThrottle(backend, 'share-password-misses', {
      free: PASSWORD_FAILURE_LIMIT,
      ...passwordWindow,
    });
    this.passwordsPerLink = new FailureThrottle(backend, 'share-link-password-misses', {
      free: LINK_PASSWORD_FAILURE_LIMIT,
      ...passwordWindow,
    });
  }

  /** Records an unknown token from `address`; past the allowance throws 429 with the wait. */
  async tokenMissed(address: string): Promise<void> {
    const delay = await this.lookups.fail(address);
    if (delay > 0) throw rateLimited(delay);
  }

  /**
   * Runs `verify` for a password of link `shareId` from `address`, after the wait that
   * earlier wrong passwords earned; records a wrong one. Resolves to `verify`'s answer.
   */
  async checkPassword(
    shareId: string,
    address: string,
    verify: () => Promise<boolean>,
  ): Promise<boolean> {
    const pairKey = `${shareId} ${address}`;
    const delay = Math.max(
      await this.passwordsPerAddress.delayMs(pairKey),
      await this.passwordsPerLink.delayMs(shareId),
    );
    if (delay > 0) {
      const held = this.held.get(shareId) ?? 0;
      if (held >= MAX_HELD_PASSWORD_CHECKS) throw rateLimited(delay);
      this.held.set(shareId, held + 1);
      try {
        await sleep(delay);
      } finally {
        const left = (this.held.get(shareId) ?? 1) - 1;
        if (left > 0) this.held.set(shareId, left);
        else this.held.delete(shareId);
      }
    }
    const ok = await verify();
    if (!ok) {
      await Promise.all([
        this.passwordsPerAddress.fail(pairKey),
        this.passwordsPerLink.fail(shareId),
      ]);
    }
    return ok;
  }
}

/** The address failures are counted against (the host's `trust proxy` setting applies). */
export const clientAddress = (req: Request): string =>
  req.ip ?? req.socket.remoteAddress ?? 'unknown';

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
 * password is needed, 403 wrong password, 429 after too many unknown tokens from the address.
 */
export async function openShare(
  ctx: ServerContext,
  req: Request,
  token: string,
): Promise<OpenedShare> {
  const gate = ctx.shareGate;
  const address = clientAddress(req);
  const share = TOKEN_SHAPE.test(token)
    ? await ctx.store.shares.findByTokenHash(hashShareToken(token))
    : null;
  if (!share) {
    await gate.tokenMissed(address);
    throw new ChatFilesError('ERR_NOT_FOUND', 'No such share link.');
  }
  if (share.revoked_at !== null) {
    throw new ChatFilesError('ERR_GONE', 'This file is no longer available: the link was revoked.');
  }
  if (share.expires_at !== null && share.expires_at <= ctx.now()) {
    throw new ChatFilesError('ERR_GONE', 'This file is no longer available: the link expired.');
  }
  const passwordHash = share.password_hash;
  if (passwordHash !== null) {
    const password = passwordOf(req);
    if (password === undefined) {
      throw new ChatFilesError(
        'ERR_UNAUTHENTICATED',
        `This link needs a password, sent in the ${SHARE_PASSWORD_HEADER} header.`,
      );
    }
    const ok = await gate.checkPassword(share.id, address, () =>
      verifySharePassword(password, passwordHash),
    );
    if (!ok) throw new ChatFilesError('ERR_FORBIDDEN', 'Wrong password for this link.');
  }
  const file = await ctx.store.files.get(share.file_id);
  // Deleting a file deletes its shares too; this only covers a race with that.
  if (!file) throw new ChatFilesError('ERR_GONE', 'This file is no longer available.');
  await requireNotRevoked(ctx, file);
  return { share, file };
}
