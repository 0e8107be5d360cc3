/**
 * Where unfinished tus uploads live with disk blob storage: `@tus/file-store` (one data
 * file and one JSON description per upload, so an offset survives a restart), plus the
 * checksum extension and the running digest of {@link BodyTap} (a body whose digest
 * differs is cut off again and answered 460), a full disk answered 507 instead of a bare
 * 500, and a finished upload moved into blob storage without being read again.
 */
import { truncate } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FileStore } from '@tus/file-store';
import type { BlobStorage } from '../storage/blob-storage.js';
import { createSyncedWriteStream } from '../storage/synced-write-stream.js';
import type { ReceivedBlob } from '../uploads/receive-into-blob.js';
import { BodyTap, writeFailure, RunningDigests, writeScope, type TusStore } from './tus-writes.js';

/** Options of {@link TusFileStore}. */
export interface TusFileStoreOptions {
  /** Directory of unfinished uploads. */
  directory: string;
  /** Milliseconds after creation before an unfinished upload expires; 0 never. */
  expirationMs: number;
  /** The blob storage a finished upload moves into, when it can adopt a local file. */
  blobs: BlobStorage;
}

/** `@tus/file-store` with the checksum extension, the running digest and full-disk answers. */
export class TusFileStore extends FileStore implements TusStore {
  private readonly digests = new RunningDigests();
  private readonly blobs: BlobStorage;

  constructor({ directory, expirationMs, blobs }: TusFileStoreOptions) {
    super({ directory, expirationPeriodInMilliseconds: expirationMs });
    this.blobs = blobs;
    // The length is always known (it is the shared size), so no deferred lengths.
    this.extensions = ['creation', 'creation-with-upload', 'termination', 'checksum'];
    if (expirationMs > 0) this.extensions.push('expiration');
  }

  /** Appends a PATCH body at `offset`; checks the declared checksum before keeping it. */
  override async write(readable: Readable, fileId: string, offset: number): Promise<number> {
    const filePath = path.join(this.directory, fileId);
    const scope = writeScope.getStore();
    const expected = scope?.checksum ?? null;
    const tap = new BodyTap(expected, this.digests.continue(fileId, offset, scope?.pieceSize));
    const body = scope?.body ? scope.body.open(readable, offset) : readable;
    try {
      await pipeline(body, tap, createSyncedWriteStream(filePath, { flags: 'r+', start: offset }));
    } catch (error) {
      this.digests.drop(fileId);
      if (expected) await truncate(filePath, offset);
      throw writeFailure(error, tap);
    } finally {
      scope?.body?.done();
    }
    tap.stored(offset);
    return offset + tap.received;
  }

  /**
   * A complete upload moved into blob storage with the digest computed as it was written;
   * `null` when this process did not see every byte or the storage cannot adopt the file.
   */
  async takeBlob(fileId: string, size: number, pieceSize: number): Promise<ReceivedBlob | null> {
    const digest = await this.digests.take(fileId, size, pieceSize);
    if (!digest || !this.blobs.adopt) return null;
    const blob = await this.blobs.adopt(path.join(this.directory, fileId));
    if (!blob) return null;
    // The data file has moved; only its description is left to forget.
    await this.configstore.delete(fileId);
    return { writer: blob, digest };
  }

  override async remove(fileId: string): Promise<void> {
    this.digests.drop(fileId);
    await super.remove(fileId);
  }

  /** Nothing to release: the store holds no connection or handle between requests. */
  close(): void {}
}
