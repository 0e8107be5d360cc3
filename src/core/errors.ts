/**
 * The browser runtime's one error class. Every promise the client rejects, and every
 * `error` in a transfer snapshot, carries a stable `code` that callers branch on; the
 * message is written for people and may change.
 */
import { isErrorCode, type ErrorCode } from './wire/error-codes.js';

/**
 * Codes that only the browser runtime produces, next to the wire protocol's
 * {@link ErrorCode}s (which a server reply may carry through unchanged).
 */
export type ClientOnlyErrorCode =
  /** The transfer or share was cancelled by the caller. */
  | 'ERR_CANCELLED'
  /** No seeder, peer or server could provide the file in time. */
  | 'ERR_UNAVAILABLE'
  /** The socket or an HTTP request failed before the server answered. */
  | 'ERR_NETWORK'
  /** The server did not answer in time. */
  | 'ERR_TIMEOUT'
  /** The client was destroyed while the operation was running. */
  | 'ERR_DESTROYED'
  /** The file worker failed to start or crashed. */
  | 'ERR_WORKER'
  /** A peer broke the transfer protocol (bad frame, wrong length). */
  | 'ERR_PROTOCOL';

/** Every code a {@link ChatFilesClientError} may carry. */
export type ClientErrorCode = ErrorCode | ClientOnlyErrorCode;

const USER_FACING: ReadonlySet<ClientErrorCode> = new Set<ClientErrorCode>([
  'ERR_TOO_LARGE',
  'ERR_UNSUPPORTED_TYPE',
  'ERR_QUOTA_EXCEEDED',
  'ERR_STORAGE_FULL',
  'ERR_UNAVAILABLE',
  'ERR_GONE',
  'ERR_NOT_FOUND',
  'ERR_NOT_MEMBER',
  'ERR_FORBIDDEN',
  'ERR_UNAUTHENTICATED',
  'ERR_RATE_LIMITED',
  'ERR_DISABLED',
  'ERR_VALIDATION',
]);

/** Options of {@link ChatFilesClientError}. */
export interface ChatFilesClientErrorOptions {
  /** The underlying error, kept for diagnostics. */
  cause?: unknown;
  /** HTTP status, when the error came from a REST call. */
  status?: number;
  /**
   * Whether the message is meant to be shown to the user as is.
   * @default true for validation, quota, availability and permission codes
   */
  isUserFacing?: boolean;
}

/** An error from the chat-files browser runtime, with a stable {@link ClientErrorCode}. */
export class ChatFilesClientError extends Error {
  /** Stable code, e.g. `ERR_TOO_LARGE`. */
  readonly code: ClientErrorCode;
  /** HTTP status when the error came from a REST call. */
  readonly status: number | undefined;
  /** True when `message` is written for the end user (and not only for developers). */
  readonly isUserFacing: boolean;

  constructor(code: ClientErrorCode, message: string, options: ChatFilesClientErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ChatFilesClientError';
    this.code = code;
    this.status = options.status;
    this.isUserFacing = options.isUserFacing ?? USER_FACING.has(code);
  }

  /** A plain object that survives `structuredClone` and `postMessage`. */
  toJSON(): { code: ClientErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** True for a {@link ChatFilesClientError}, also one rebuilt after crossing a worker boundary. */
export function isChatFilesClientError(value: unknown): value is ChatFilesClientError {
  return value instanceof ChatFilesClientError;
}

/**
 * Wraps anything thrown into a {@link ChatFilesClientError}, keeping a client error as
 * it is and mapping aborts to `ERR_CANCELLED`.
 */
export function toClientError(
  error: unknown,
  fallbackCode: ClientErrorCode = 'ERR_INTERNAL',
  fallbackMessage = 'Something went wrong while handling the file.',
): ChatFilesClientError {
  if (error instanceof ChatFilesClientError) return error;
  if (error instanceof DOMException && error.name === 'AbortError') {
    return new ChatFilesClientError('ERR_CANCELLED', 'The operation was cancelled.', {
      cause: error,
    });
  }
  if (error instanceof DOMException && error.name === 'QuotaExceededError') {
    return new ChatFilesClientError(
      'ERR_STORAGE_FULL',
      'This browser has no room left to store the file.',
      { cause: error },
    );
  }
  const message = error instanceof Error && error.message ? error.message : fallbackMessage;
  return new ChatFilesClientError(fallbackCode, message, { cause: error });
}

/** Builds an error from a socket or REST failure reply `{ error, code }`. */
export function fromErrorReply(
  reply: unknown,
  fallbackMessage: string,
  status?: number,
): ChatFilesClientError {
  const body = (typeof reply === 'object' && reply !== null ? reply : {}) as {
    error?: unknown;
    code?: unknown;
  };
  const code: ClientErrorCode = isErrorCode(body.code) ? body.code : 'ERR_INTERNAL';
  const message = typeof body.error === 'string' && body.error ? body.error : fallbackMessage;
  return new ChatFilesClientError(code, message, { status });
}
