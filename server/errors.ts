/**
 * The server's one error class and the one place that turns errors into HTTP
 * responses and socket replies.
 */
import type { NextFunction, Request, Response } from 'express';
import { ERROR_STATUS, type ErrorCode } from '../src/core/wire/error-codes.js';
import type { ErrorReply } from '../src/core/wire/protocol.js';
import { challengeFor } from './http/authenticate.js';

/** An error whose message is safe to show to the client that caused it. */
export class ChatFilesError extends Error {
  /** HTTP status the code maps to. */
  readonly status: number;
  /** When the client may try again (rate limits), in milliseconds. */
  readonly retryAfterMs: number | undefined;
  constructor(
    /** Stable error code. */
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; retryAfterMs?: number },
  ) {
    super(message, options);
    this.name = 'ChatFilesError';
    this.status = ERROR_STATUS[code];
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** Shorthand for throwing a {@link ChatFilesError}. */
export const fail = (code: ErrorCode, message: string): never => {
  throw new ChatFilesError(code, message);
};

/** Log sink for unexpected errors; never receives tokens or file contents. */
export type ErrorLogger = (message: string, error: unknown) => void;

/**
 * Error codes of a full disk or database: Node's ENOSPC and EDQUOT, SQLite's SQLITE_FULL,
 * PostgreSQL's disk_full (53100).
 */
const STORAGE_FULL_CODES: ReadonlySet<string> = new Set([
  'ENOSPC',
  'EDQUOT',
  'SQLITE_FULL',
  '53100',
]);

/** True when `error` (or its cause) says the disk or the database is full. */
export function isStorageFull(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && STORAGE_FULL_CODES.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** Converts anything thrown into the client-facing `{ error, code }` and a status. */
export function toErrorReply(
  error: unknown,
  log?: ErrorLogger,
): { status: number; body: ErrorReply } {
  if (error instanceof ChatFilesError) {
    const body: ErrorReply = { error: error.message, code: error.code };
    if (error.retryAfterMs !== undefined) body.retry_after_ms = Math.ceil(error.retryAfterMs);
    return { status: error.status, body };
  }
  const status = (error as { status?: unknown; type?: unknown })?.status;
  // body-parser and friends tag client errors with a 4xx status.
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code: ErrorCode = status === 413 ? 'ERR_TOO_LARGE' : 'ERR_BAD_REQUEST';
    const message = status === 413 ? 'Request body too large.' : 'Malformed request body.';
    return { status, body: { error: message, code } };
  }
  if (isStorageFull(error)) {
    // Nothing was written (SQLite rolls the transaction back, blobs are committed by rename
    // only when complete), and it recovers by itself once space is freed: one line, no stack.
    log?.('storage full', (error as { code?: unknown }).code);
    return {
      status: 507,
      body: { error: "The server's storage is full; try again later.", code: 'ERR_STORAGE_FULL' },
    };
  }
  log?.('unexpected error', error);
  return { status: 500, body: { error: 'Internal server error.', code: 'ERR_INTERNAL' } };
}

/** Express error middleware answering with the JSON error shape. */
export function errorMiddleware(log?: ErrorLogger) {
  return (error: unknown, _req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const { status, body } = toErrorReply(error, log);
    if (body.retry_after_ms !== undefined) {
      res.set('Retry-After', String(Math.max(1, Math.ceil(body.retry_after_ms / 1000))));
    }
    // Every 401 says how to authenticate; a route may have named a scheme already.
    if (status === 401 && !res.get('WWW-Authenticate')) {
      res.set('WWW-Authenticate', challengeFor(body.code));
    }
    res.status(status).json(body);
  };
}
