/**
 * Blob storage: where the bytes of server-held files live, named by server-generated
 * ids and never by user file names. An interface so a host can plug in another backend;
 * `DiskBlobStorage` is the default. A blob is written through a {@link BlobWriter} and
 * only becomes visible under its id once `commit()` has run, so readers never see a
 * partial blob.
 */
import type { Readable, Writable } from 'node:stream';

/** An inclusive byte range. */
export interface ByteRange {
  start: number;
  end: number;
}

/** A blob being written. Exactly one of `commit()` or `abort()` must be called. */
export interface BlobWriter {
  /** The id the blob will have once committed. */
  readonly id: string;
  /** Where the bytes go; `end()` it (or let a pipeline do so) before committing. */
  readonly stream: Writable;
  /** Reads back what was written so far (after the stream has finished). */
  readBack(): Readable;
  /** Makes the finished blob visible under {@link id}. */
  commit(): Promise<void>;
  /** Discards everything written and releases every resource. Idempotent. */
  abort(): Promise<void>;
}

/** Where blobs are kept. */
export interface BlobStorage {
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
}
