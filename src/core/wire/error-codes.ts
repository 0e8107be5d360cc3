/**
 * The stable error codes of the wire protocol and the HTTP status each maps to.
 * The server throws them; clients branch on `code`, never on message text.
 */
export const ERROR_STATUS = {
  ERR_BAD_REQUEST: 400,
  ERR_VALIDATION: 400,
  ERR_INTEGRITY: 400,
  ERR_UNAUTHENTICATED: 401,
  ERR_BAD_SIGNATURE: 401,
  ERR_FORBIDDEN: 403,
  ERR_NOT_MEMBER: 403,
  ERR_QUOTA_EXCEEDED: 403,
  ERR_NOT_FOUND: 404,
  ERR_CONFLICT: 409,
  ERR_GONE: 410,
  ERR_TOO_LARGE: 413,
  ERR_UNSUPPORTED_TYPE: 415,
  ERR_RANGE: 416,
  ERR_RATE_LIMITED: 429,
  ERR_INTERNAL: 500,
  ERR_DISABLED: 503,
  ERR_BAD_GATEWAY: 502,
  ERR_STORAGE_FULL: 507,
  ERR_PRECONDITION_FAILED: 412,
  ERR_TIMEOUT: 408,
} as const;

/** One of the protocol's error codes. */
export type ErrorCode = keyof typeof ERROR_STATUS;

/** True for a string that is one of the protocol's error codes. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_STATUS, value);
}
