/**
 * The answers every upload path shares, so multipart and tus say the same thing for the
 * same fault: a full disk or database is 507 `ERR_STORAGE_FULL`, a body over the shared
 * size is 413 `ERR_TOO_LARGE`, a body that stops sending is 408 `ERR_TIMEOUT`.
 */
import { ChatFilesError, isStorageFull as isFullDiskOrDatabase } from '../errors.js';
import { TooManyBytesError } from '../hashing.js';

/** The reason an upload body was abandoned because it stopped sending. */
export class UploadIdleError extends Error {
  constructor(readonly seconds: number) {
    super(`no bytes for ${seconds} s`);
    this.name = 'UploadIdleError';
  }
}

/** True when `error` is the 507 already, or it (or its cause) says the storage has no room left. */
export function isStorageFull(error: unknown): boolean {
  if (error instanceof ChatFilesError) return error.code === 'ERR_STORAGE_FULL';
  return isFullDiskOrDatabase(error);
}

/** 507 `ERR_STORAGE_FULL` for a full disk or database. */
export function storageFullError(cause?: unknown): ChatFilesError {
  return new ChatFilesError('ERR_STORAGE_FULL', 'The server disk is full; try again later.', {
    cause,
  });
}

/** 413 `ERR_TOO_LARGE` for a body longer than the size the file was shared with. */
export function overSharedSizeError(size: number): ChatFilesError {
  return new ChatFilesError(
    'ERR_TOO_LARGE',
    `The upload is larger than the ${size} bytes that were shared.`,
  );
}

/** 408 `ERR_TIMEOUT` for a body that stopped sending. */
export function idleError(seconds: number): ChatFilesError {
  return new ChatFilesError(
    'ERR_TIMEOUT',
    `The upload sent nothing for ${seconds} seconds and was dropped; send it again.`,
  );
}

/** Turns a failure while receiving or storing upload bytes into what the client should hear. */
export function uploadFailure(error: unknown, sharedSize: number): unknown {
  if (error instanceof ChatFilesError) return error;
  if (error instanceof TooManyBytesError) return overSharedSizeError(sharedSize);
  const idle = error instanceof UploadIdleError ? error : (error as { cause?: unknown })?.cause;
  if (idle instanceof UploadIdleError) return idleError(idle.seconds);
  if (isStorageFull(error)) return storageFullError(error);
  return error;
}
