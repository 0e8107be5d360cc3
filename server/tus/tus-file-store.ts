/**
 * Where unfinished tus uploads live: `@tus/file-store` (one data file and one JSON
 * description per upload, so an offset survives a restart), plus the checksum extension
 * (`Upload-Checksum: sha256 <base64>` on a PATCH: a body whose digest differs is cut off
 * again and answered 460) and a full disk answered 507 instead of a bare 500.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { truncate } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FileStore } from '@tus/file-store';
import { ERRORS } from '@tus/server';
import { toErrorReply } from '../errors.js';
import { isStorageFull, storageFullError } from '../uploads/upload-errors.js';

/** The one checksum algorithm this server offers (`Tus-Checksum-Algorithm`). */
export const CHECKSUM_ALGORITHM = 'sha256';

/** A tus error as `@tus/server` sends it: a status and a body. */
export interface TusError {
  status_code: number;
  body: string;
}

/** A tus error whose body is the JSON `{ error, code }` every other route answers. */
export function tusErrorOf(error: unknown): TusError | null {
  const reply = toErrorReply(error);
  if (reply.status === 500) return null;
  return { status_code: reply.status, body: JSON.stringify(reply.body) };
}

/** The checksum a PATCH declared, carried from the route into the store's write. */
export const declaredChecksum = new AsyncLocalStorage<Buffer | null>();

/** Options of {@link TusFileStore}. */
export interface TusFileStoreOptions {
  /** Directory of unfinished uploads. */
  directory: string;
  /** Milliseconds after creation before an unfinished upload expires; 0 never. */
  expirationMs: number;
}

/** `@tus/file-store` with the checksum extension and full-disk answers. */
export class TusFileStore extends FileStore {
  constructor({ directory, expirationMs }: TusFileStoreOptions) {
    super({ directory, expirationPeriodInMilliseconds: expirationMs });
    // The length is always known (it is the shared size), so no deferred lengths.
    this.extensions = ['creation', 'creation-with-upload', 'termination', 'checksum'];
    if (expirationMs > 0) this.extensions.push('expiration');
  }

  /** Appends a PATCH body at `offset`; checks the declared checksum before keeping it. */
  override async write(readable: Readable, fileId: string, offset: number): Promise<number> {
    const filePath = path.join(this.directory, fileId);
    const expected = declaredChecksum.getStore() ?? null;
    const digest = expected ? createHash(CHECKSUM_ALGORITHM) : null;
    let received = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        received += chunk.length;
        digest?.update(chunk);
        callback(null, chunk);
      },
    });
    try {
      await pipeline(
        readable,
        counter,
        createWriteStream(filePath, { flags: 'r+', start: offset }),
      );
    } catch (error) {
      if (expected) await truncate(filePath, offset);
      if (isStorageFull(error)) throw tusErrorOf(storageFullError(error));
      throw ERRORS.FILE_WRITE_ERROR;
    }
    if (digest && expected && !digest.digest().equals(expected)) {
      await truncate(filePath, offset);
      throw {
        status_code: 460,
        body: JSON.stringify({
          error: 'The body does not match its Upload-Checksum; send it again.',
          code: 'ERR_INTEGRITY',
        }),
      } satisfies TusError;
    }
    return offset + received;
  }
}
