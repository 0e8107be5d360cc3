/**
 * Database errors that mean something to a client: a database that ran out of disk is
 * the documented 507 `ERR_STORAGE_FULL`, whichever backend reports it.
 */
import { ChatFilesError } from '../errors.js';

/** SQLite and PostgreSQL codes for "no space left". */
const FULL_CODES = new Set(['SQLITE_FULL', '53100']);

/** `error` as the client should hear it: storage full, or unchanged. */
export function storeError(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && FULL_CODES.has(code)) {
    return new ChatFilesError('ERR_STORAGE_FULL', 'The server database is full; try again later.', {
      cause: error,
    });
  }
  return error;
}
