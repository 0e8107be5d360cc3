/**
 * What the file worker does (hashing, thumbnails, the IndexedDB piece cache), as the API
 * object `file-worker.ts` exposes over comlink. A factory, so the piece cache it opens can
 * be another class (tests pass one that simulates a full browser quota).
 */
import { releaseProxy, transfer, type Remote } from 'comlink';
import { ChatFilesClientError } from '../core/errors.js';
import { manifestFitsSize } from '../core/pieces.js';
import type { PieceManifest } from '../core/wire/protocol.js';
import { computeManifest, rootMatches } from './manifest.js';
import {
  PieceCache,
  type CachedFileMeta,
  type CacheRecord,
  type CacheStats,
  type PutPieceResult,
} from './piece-cache.js';
import { makeThumbnail, type Thumbnail } from './thumbnail.js';

/** Closes the message port behind a callback the main thread passed with `proxy()`. */
function release(callback: unknown): void {
  (callback as Remote<unknown> | undefined)?.[releaseProxy]?.();
}

/** Options of `configure`. */
export interface FileWorkerConfig {
  /** IndexedDB database of the piece cache. */
  cacheName: string;
  /** Eviction limit in bytes. */
  cacheLimitBytes: number;
}

/** Opens a piece cache for a worker's configuration. */
export type PieceCacheFactory = (options: { name: string; limitBytes: number }) => PieceCache;

/** The file worker's API, over a piece cache made by `newCache`. */
export function createFileWorkerApi(
  newCache: PieceCacheFactory = (options) => new PieceCache(options),
) {
  let cache: PieceCache | null = null;
  const requireCache = (): PieceCache => {
    if (!cache) {
      throw new ChatFilesClientError('ERR_WORKER', 'The file worker was used before configure().');
    }
    return cache;
  };
  return {
    /** Opens (lazily) the cache database; call once before any cache method. */
    configure(config: FileWorkerConfig): void {
      if (cache) {
        cache.setLimit(config.cacheLimitBytes);
        return;
      }
      cache = newCache({ name: config.cacheName, limitBytes: config.cacheLimitBytes });
    },

    /** The piece manifest of a file; `onProgress` (a comlink proxy) gets bytes hashed. */
    computeManifest(
      blob: Blob,
      pieceSize: number,
      onProgress?: (hashedBytes: number) => void,
    ): Promise<PieceManifest> {
      return computeManifest(blob, pieceSize, onProgress).finally(() => release(onProgress));
    },

    /** True when `manifest` fits a file of `size` bytes and its root hash is right. */
    async checkManifest(manifest: unknown, size: number): Promise<boolean> {
      return manifestFitsSize(manifest, size) && (await rootMatches(manifest));
    },

    /** A thumbnail data URL of at most `maxChars` characters, or null. */
    makeThumbnail(blob: Blob, mimeType: string, maxChars: number): Promise<Thumbnail | null> {
      return makeThumbnail(blob, mimeType, maxChars);
    },

    /** See {@link PieceCache.beginWrite}. */
    beginWrite(meta: CachedFileMeta): Promise<CacheRecord> {
      return requireCache().beginWrite(meta);
    },

    /** See {@link PieceCache.putPiece}; pass `bytes` with `transfer()`. */
    putPiece(fileId: string, index: number, bytes: ArrayBuffer): Promise<PutPieceResult> {
      return requireCache().putPiece(fileId, index, bytes);
    },

    /** See {@link PieceCache.endWrite}. */
    endWrite(fileId: string): Promise<void> {
      return requireCache().endWrite(fileId);
    },

    /** See {@link PieceCache.storeBlob}. */
    storeBlob(
      meta: CachedFileMeta,
      blob: Blob,
      onProgress?: (heldPieces: number) => void,
    ): Promise<CacheRecord> {
      return requireCache()
        .storeBlob(meta, blob, onProgress)
        .finally(() => release(onProgress));
    },

    /** See {@link PieceCache.get}. */
    getRecord(fileId: string): Promise<CacheRecord | null> {
      return requireCache().get(fileId);
    },

    /** See {@link PieceCache.getPieceBlobs}. */
    getPieceBlobs(fileId: string): Promise<Blob[] | null> {
      return requireCache().getPieceBlobs(fileId);
    },

    /** One piece's bytes, transferred (not copied) to the caller. */
    async readPiece(fileId: string, index: number): Promise<ArrayBuffer | null> {
      const bytes = await requireCache().readPiece(fileId, index);
      return bytes ? transfer(bytes, [bytes]) : null;
    },

    /** See {@link PieceCache.touch}. */
    touch(fileId: string): Promise<void> {
      return requireCache().touch(fileId, true);
    },

    /** See {@link PieceCache.loadRoom}. */
    loadRoom(roomId: string): Promise<CacheRecord[]> {
      return requireCache().loadRoom(roomId);
    },

    /** See {@link PieceCache.list}. */
    list(): Promise<CacheRecord[]> {
      return requireCache().list();
    },

    /** See {@link PieceCache.remove}. */
    remove(fileId: string): Promise<void> {
      return requireCache().remove(fileId);
    },

    /** See {@link PieceCache.clear}. */
    clear(): Promise<void> {
      return requireCache().clear();
    },

    /** See {@link PieceCache.getStats}. */
    getStats(): Promise<CacheStats> {
      return requireCache().getStats();
    },

    /** Commits pending writes and closes the database; the worker may then be terminated. */
    async close(): Promise<void> {
      await cache?.close();
      cache = null;
    },
  };
}

/** The API the file worker exposes over comlink. */
export type FileWorkerApi = ReturnType<typeof createFileWorkerApi>;
