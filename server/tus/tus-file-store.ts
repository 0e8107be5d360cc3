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
import { manifestRoot, SNIFF_BYTES, type ContentDigest } from '../hashing.js';
import { HashSession } from '../uploads/hash-pool.js';
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

/** What the route tells the store's write about a PATCH. */
export interface WriteScope {
  /** The SHA-256 its `Upload-Checksum` declared, or `null`. */
  checksum: Buffer | null;
  /** Piece size of the file's manifest, for the running digest. */
  pieceSize: number;
}

/** The scope of the PATCH being written, carried from the route into the store's write. */
export const writeScope = new AsyncLocalStorage<WriteScope>();

/** Most uploads with a running digest kept at once; older ones are hashed again at the end. */
const MAX_RUNNING = 256;

/** The digest of an upload's bytes so far, computed while they were written. */
interface RunningDigest {
  session: HashSession;
  /** Bytes hashed: the offset the next write must start at to continue it. */
  offset: number;
  head: Buffer[];
  headLength: number;
}

/** Options of {@link TusFileStore}. */
export interface TusFileStoreOptions {
  /** Directory of unfinished uploads. */
  directory: string;
  /** Milliseconds after creation before an unfinished upload expires; 0 never. */
  expirationMs: number;
}

/** `@tus/file-store` with the checksum extension and full-disk answers. */
export class TusFileStore extends FileStore {
  private readonly running = new Map<string, RunningDigest>();

  constructor({ directory, expirationMs }: TusFileStoreOptions) {
    super({ directory, expirationPeriodInMilliseconds: expirationMs });
    // The length is always known (it is the shared size), so no deferred lengths.
    this.extensions = ['creation', 'creation-with-upload', 'termination', 'checksum'];
    if (expirationMs > 0) this.extensions.push('expiration');
  }

  /** Appends a PATCH body at `offset`; checks the declared checksum before keeping it. */
  override async write(readable: Readable, fileId: string, offset: number): Promise<number> {
    const filePath = path.join(this.directory, fileId);
    const scope = writeScope.getStore();
    const expected = scope?.checksum ?? null;
    const digest = expected ? createHash(CHECKSUM_ALGORITHM) : null;
    const running = this.continueDigest(fileId, offset, scope?.pieceSize);
    let received = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        received += chunk.length;
        digest?.update(chunk);
        if (!running) {
          callback(null, chunk);
          return;
        }
        if (running.headLength < SNIFF_BYTES) {
          const part = Buffer.from(chunk.subarray(0, SNIFF_BYTES - running.headLength));
          running.head.push(part);
          running.headLength += part.length;
        }
        running.session.update(chunk).then(
          () => callback(null, chunk),
          (error: unknown) => callback(error as Error),
        );
      },
    });
    try {
      await pipeline(
        readable,
        counter,
        createWriteStream(filePath, { flags: 'r+', start: offset }),
      );
    } catch (error) {
      this.dropDigest(fileId);
      if (expected) await truncate(filePath, offset);
      if (isStorageFull(error)) throw tusErrorOf(storageFullError(error));
      throw ERRORS.FILE_WRITE_ERROR;
    }
    if (digest && expected && !digest.digest().equals(expected)) {
      this.dropDigest(fileId);
      await truncate(filePath, offset);
      throw {
        status_code: 460,
        body: JSON.stringify({
          error: 'The body does not match its Upload-Checksum; send it again.',
          code: 'ERR_INTEGRITY',
        }),
      } satisfies TusError;
    }
    if (running) running.offset = offset + received;
    return offset + received;
  }

  /** The running digest that a write at `offset` continues (or starts), if any. */
  private continueDigest(
    fileId: string,
    offset: number,
    pieceSize: number | undefined,
  ): RunningDigest | null {
    const running = this.running.get(fileId);
    if (running && running.offset === offset) return running;
    this.dropDigest(fileId);
    if (offset !== 0 || pieceSize === undefined) return null;
    if (this.running.size >= MAX_RUNNING) {
      this.dropDigest(this.running.keys().next().value!);
    }
    const started: RunningDigest = {
      session: new HashSession(pieceSize),
      offset: 0,
      head: [],
      headLength: 0,
    };
    this.running.set(fileId, started);
    return started;
  }

  private dropDigest(fileId: string): void {
    this.running.get(fileId)?.session.cancel();
    this.running.delete(fileId);
  }

  /**
   * The digest of a complete upload computed while it was written, or `null` when this
   * process did not see every byte (a restart, or a write that failed): hash it again.
   */
  async takeDigest(fileId: string, size: number, pieceSize: number): Promise<ContentDigest | null> {
    const running = this.running.get(fileId);
    this.running.delete(fileId);
    if (!running) return null;
    if (running.offset !== size || running.session.pieceSize !== pieceSize) {
      running.session.cancel();
      return null;
    }
    const { sha256, md5, pieces } = await running.session.finish();
    return {
      size,
      sha256,
      md5,
      manifest: { piece_size: pieceSize, pieces, root: manifestRoot(pieces) },
      head: Buffer.concat(running.head),
    };
  }

  /** Forgets an upload's description once its data file has been moved elsewhere. */
  async forget(fileId: string): Promise<void> {
    this.dropDigest(fileId);
    await this.configstore.delete(fileId);
  }

  override async remove(fileId: string): Promise<void> {
    this.dropDigest(fileId);
    await super.remove(fileId);
  }
}
