/**
 * The reference doc's `FileCache`, on the main thread: a thin face over the worker's
 * IndexedDB piece cache. Pieces never pass through this thread; a file read back is a
 * `File` composed of the cached piece Blobs.
 */
import { PieceSet } from './pieces.js';
import type { CacheRecord, CacheStats, WorkerBridge } from './worker-bridge.js';

/** Metadata stored with a file. */
export interface FileCacheMetadata {
  room_id: string;
  name: string;
  mime_type?: string;
}

/** A cached file as listed by {@link FileCache.loadRoom}. */
export interface CachedFileSummary {
  file_id: string;
  room_id: string;
  name: string;
  size: number;
  mime_type: string;
  complete: boolean;
  /** Bytes of verified pieces held. */
  bytes: number;
  cached_at: number;
  last_used: number;
}

const summary = (r: CacheRecord): CachedFileSummary => ({
  file_id: r.file_id,
  room_id: r.room_id,
  name: r.name,
  size: r.size,
  mime_type: r.mime_type,
  complete: r.complete,
  bytes: r.bytes,
  cached_at: r.cached_at,
  last_used: r.last_used,
});

/** The client's view of its IndexedDB cache. */
export class FileCache {
  private readonly worker: WorkerBridge;
  private readonly pieceSize: number;

  constructor(worker: WorkerBridge, pieceSize: number) {
    this.worker = worker;
    this.pieceSize = pieceSize;
  }

  /** Stores a whole file (hashed into a manifest first), evicting older files if needed. */
  async put(fileId: string, blob: Blob, metadata: FileCacheMetadata): Promise<CachedFileSummary> {
    const manifest = await this.worker.computeManifest(blob, this.pieceSize);
    const record = await this.worker.storeBlob(
      {
        file_id: fileId,
        room_id: metadata.room_id,
        name: metadata.name,
        size: blob.size,
        mime_type: metadata.mime_type ?? (blob.type || 'application/octet-stream'),
        manifest,
      },
      blob,
    );
    return summary(record);
  }

  /** The cached file, or null when it is not completely cached. */
  async get(fileId: string): Promise<File | null> {
    const record = await this.worker.getRecord(fileId);
    if (!record?.complete) return null;
    const blobs = await this.worker.getPieceBlobs(fileId);
    return blobs ? new File(blobs, record.name, { type: record.mime_type }) : null;
  }

  /** The record of a file (complete or partial), or null. */
  async record(fileId: string): Promise<CachedFileSummary | null> {
    const record = await this.worker.getRecord(fileId);
    return record ? summary(record) : null;
  }

  /** Indexes of the pieces of a file held in the cache, or null when none is. */
  async heldPieces(fileId: string): Promise<number[] | null> {
    const record = await this.worker.getRecord(fileId);
    return record ? new PieceSet(record.manifest.pieces.length, record.held).indexes() : null;
  }

  /** Every file cached for a room, most recently used first. */
  async loadRoom(roomId: string): Promise<CachedFileSummary[]> {
    return (await this.worker.loadRoom(roomId)).map(summary);
  }

  /** Every cached file. */
  async list(): Promise<CachedFileSummary[]> {
    return (await this.worker.list()).map(summary);
  }

  /** Deletes one file. */
  remove(fileId: string): Promise<void> {
    return this.worker.remove(fileId);
  }

  /** Deletes everything. */
  clear(): Promise<void> {
    return this.worker.clear();
  }

  /** `{ count, complete, bytes, limit_bytes }`. */
  getStats(): Promise<CacheStats> {
    return this.worker.getStats();
  }
}
