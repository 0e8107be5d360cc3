/**
 * The server's one error class and the one place that turns errors into HTTP
 * responses and socket replies.
 */
import type { NextFunction, Request, Response } from 'express';
import { ERROR_STATUS, type ErrorCode } from '../src/core/error-codes.js';
import type { ErrorReply } from '../src/core/protocol.js';
import { challengeFor } from './http/authenticate.js';

/** An error whose message is safe to show to the client that caused it. */
export class ChatFilesError extends Error {
  /** HTTP status the code maps to. */
  readonly status: number;
  constructor(
    /** Stable error code. */
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ChatFilesError';
    this.status = ERROR_STATUS[code];
  }
}

/** Shorthand for throwing a {@link ChatFilesError}. */
export const fail = (code: ErrorCode, message: string): never => {
  throw new ChatFilesError(code, message);
};

/** Log sink for unexpected errors; never receives tokens or file contents. */
export type ErrorLogger = (message: string, error: unknown) => void;

/** Converts anything thrown into the client-facing `{ error, code }` and a status. */
export function toErrorReply(
  error: unknown,
  log?: ErrorLogger,
): { status: number; body: ErrorReply } {
  if (error instanceof ChatFilesError) {
    return { status: error.status, body: { error: error.message, code: error.code } };
  }
  const status = (error as { status?: unknown; type?: unknown })?.status;
  // body-parser and friends tag client errors with a 4xx status.
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code: ErrorCode = status === 413 ? 'ERR_TOO_LARGE' : 'ERR_BAD_REQUEST';
    const message = status === 413 ? 'Request body too large.' : 'Malformed request body.';
    return { status, body: { error: message, code } };
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
    // Every 401 says how to authenticate; a route may have named a scheme already.
    if (status === 401 && !res.get('WWW-Authenticate')) {
      res.set('WWW-Authenticate', challengeFor(body.code));
    }
    res.status(status).json(body);
  };
}
