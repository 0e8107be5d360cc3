/**
 * Blob storage: where the bytes of server-held files live, named by server-generated
 * ids and never by user file names. An interface so a host can plug in another backend;
 * `DiskBlobStorage` is the default, `S3BlobStorage` keeps blobs in object storage. A
 * blob is written through a {@link BlobWriter}; it appears under its id whole (at the
 * latest on `commit()`), never in part. Which blobs are in use is the metadata store's
 * business: a blob nothing refers to is an orphan that `list()` finds and the cleanup
 * job deletes after a grace period.
 */
import type { Readable, Writable } from 'node:stream';

/** An inclusive byte range. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * A blob being written. Exactly one of `commit()` or `abort()` must be called. There is
 * no reading back before the commit: whatever must be known about the bytes (digests,
 * size, type) is computed on the stream on the way in, so object storage is never read
 * a second time.
 */
export interface BlobWriter {
  /** The id the blob will have once committed. */
  readonly id: string;
  /** Where the bytes go; `end()` it (or let a pipeline do so) before committing. */
  readonly stream: Writable;
  /** Makes the finished blob visible under {@link id}; fails if it could not be stored. */
  commit(): Promise<void>;
  /** Discards everything written and releases every resource. Idempotent. */
  abort(): Promise<void>;
}

/** What a signed URL makes the storage answer with. */
export interface SignedUrlOptions {
  /** Seconds the URL stays valid. */
  expiresInSeconds: number;
  /** `Content-Type` of the answer. */
  contentType: string;
  /** `Content-Disposition` of the answer. */
  contentDisposition: string;
  /** `Cache-Control` of the answer. */
  cacheControl?: string;
}

/** A finished local file taken over as a blob: not visible until committed. */
export interface AdoptedBlob {
  /** The id the blob will have once committed. */
  readonly id: string;
  /** Makes the blob visible under {@link id}. */
  commit(): Promise<void>;
  /** Discards the blob. Idempotent. */
  abort(): Promise<void>;
}

/**
 * An {@link AdoptedBlob} from what committing and discarding it take: whichever is
 * called first settles it; a later commit throws, a later abort does nothing.
 */
export function adoptedBlob(
  id: string,
  commit: () => Promise<void>,
  discard: () => Promise<void>,
): AdoptedBlob {
  let settled = false;
  return {
    id,
    commit: async () => {
      if (settled) throw new Error('blob already settled');
      settled = true;
      await commit();
    },
    abort: async () => {
      if (settled) return;
      settled = true;
      await discard();
    },
  };
}

/** Where blobs are kept. */
export interface BlobStorage {
  /**
   * Optional: takes over a finished file on the local disk (moved, not copied), or
   * resolves `null` when it cannot (another file system). The file is gone afterwards.
   */
  adopt?(filePath: string): Promise<AdoptedBlob | null>;
  /** Prepares the storage (creates directories). */
  init(): Promise<void>;
  /** Starts a new blob. */
  create(): Promise<BlobWriter>;
  /** Reads a committed blob, whole or one inclusive range; throws when it does not exist. */
  read(id: string, range?: ByteRange): Readable;
  /** Size of a committed blob, or `null` when it does not exist. */
  size(id: string): Promise<number | null>;
  /** Deletes a committed blob (no error when it does not exist). */
  delete(id: string): Promise<void>;
  /** Ids of committed blobs older than `olderThanMs` milliseconds. */
  list(olderThanMs?: number): Promise<string[]>;
  /** Deletes leftovers of writes that never finished (a crash), older than `olderThanMs`. */
  sweepIncomplete(olderThanMs: number): Promise<number>;
  /**
   * A short-lived URL from which a client fetches the blob directly, answered with the
   * given headers; absent on storages that cannot hand out URLs (disk).
   */
  signedUrl?(id: string, options: SignedUrlOptions): Promise<string>;
}
