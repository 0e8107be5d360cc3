/**
 * The main thread's side of the file worker: starts it on first use, talks to it through
 * comlink, moves piece bytes with `transfer()` (never copies), and turns a crashed or
 * terminated worker into `ERR_WORKER` rejections instead of promises that never settle.
 */
import { proxy, releaseProxy, transfer, wrap, type Remote } from 'comlink';
// Vite inlines the worker into the library bundles (ESM and IIFE); the test runner serves
// this import as a module worker straight from source.
import FileWorker from '../workers/file-worker.ts?worker&inline';
import type { FileWorkerApi, FileWorkerConfig } from '../workers/file-worker.js';
import type {
  CachedFileMeta,
  CacheRecord,
  CacheStats,
  PutPieceResult,
} from '../workers/piece-cache.js';
import type { Thumbnail } from '../workers/thumbnail.js';
import { ChatFilesClientError } from './errors.js';
import type { PieceManifest } from './wire/protocol.js';
import { installErrorTransfer } from './worker-errors.js';

export type { CachedFileMeta, CacheRecord, CacheStats, PutPieceResult, Thumbnail };

/** How long `terminate()` waits for the cache to commit before killing the worker anyway. */
const CLOSE_GRACE_MS = 1000;

/** Creates the worker; hosts whose CSP forbids `blob:` workers pass their own. */
export type FileWorkerFactory = () => Worker;

/** Options of {@link WorkerBridge}. */
export interface WorkerBridgeOptions extends FileWorkerConfig {
  /** @default the inlined worker */
  createWorker?: FileWorkerFactory;
}

/** A lazily started file worker. */
export class WorkerBridge {
  private readonly options: WorkerBridgeOptions;
  private worker: Worker | null = null;
  private remote: Remote<FileWorkerApi> | null = null;
  private failure: ChatFilesClientError | null = null;
  private failed: Promise<never> | null = null;
  private rejectFailed: ((error: ChatFilesClientError) => void) | null = null;
  private terminated = false;

  constructor(options: WorkerBridgeOptions) {
    this.options = options;
  }

  /** True once the worker has been started (and not terminated). */
  get started(): boolean {
    return this.worker !== null;
  }

  private api(): Remote<FileWorkerApi> {
    if (this.terminated)
      throw new ChatFilesClientError('ERR_DESTROYED', 'The client was destroyed.');
    if (this.failure) throw this.failure;
    if (this.remote) return this.remote;
    installErrorTransfer();
    let worker: Worker;
    try {
      worker = (this.options.createWorker ?? (() => new FileWorker({ name: 'chat-files' })))();
    } catch (cause) {
      throw new ChatFilesClientError('ERR_WORKER', 'The file worker could not be started.', {
        cause,
      });
    }
    this.failed = new Promise<never>((_, reject) => (this.rejectFailed = reject));
    this.failed.catch(() => {});
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      this.fail(new ChatFilesClientError('ERR_WORKER', `The file worker failed: ${event.message}`));
    });
    this.worker = worker;
    this.remote = wrap<FileWorkerApi>(worker);
    void this.remote.configure({
      cacheName: this.options.cacheName,
      cacheLimitBytes: this.options.cacheLimitBytes,
    });
    return this.remote;
  }

  private fail(error: ChatFilesClientError): void {
    this.failure ??= error;
    this.rejectFailed?.(this.failure);
  }

  /** Runs a call on the worker, failing fast if the worker dies meanwhile. */
  private async call<T>(invoke: (api: Remote<FileWorkerApi>) => Promise<T>): Promise<T> {
    const api = this.api();
    return Promise.race([invoke(api), this.failed as Promise<never>]);
  }

  /** See the worker's `computeManifest`. */
  computeManifest(
    blob: Blob,
    pieceSize: number,
    onProgress?: (hashedBytes: number) => void,
  ): Promise<PieceManifest> {
    const callback = onProgress ? proxy(onProgress) : undefined;
    return this.call((api) => api.computeManifest(blob, pieceSize, callback));
  }

  /** True when the manifest fits `size` and its root hash is right. */
  checkManifest(manifest: unknown, size: number): Promise<boolean> {
    return this.call((api) => api.checkManifest(manifest, size));
  }

  /** A thumbnail data URL of at most `maxChars` characters, or null. */
  makeThumbnail(blob: Blob, mimeType: string, maxChars: number): Promise<Thumbnail | null> {
    return this.call((api) => api.makeThumbnail(blob, mimeType, maxChars));
  }

  /** Opens a write session (pins the file, creates its record). */
  beginWrite(meta: CachedFileMeta): Promise<CacheRecord> {
    return this.call((api) => api.beginWrite(meta));
  }

  /** Verifies and stores a piece; `bytes` is transferred to the worker and unusable after. */
  putPiece(fileId: string, index: number, bytes: ArrayBuffer): Promise<PutPieceResult> {
    return this.call((api) => api.putPiece(fileId, index, transfer(bytes, [bytes])));
  }

  /** Commits and closes a write session. */
  endWrite(fileId: string): Promise<void> {
    return this.call((api) => api.endWrite(fileId));
  }

  /** Caches a local file, each piece verified against the manifest. */
  storeBlob(
    meta: CachedFileMeta,
    blob: Blob,
    onProgress?: (heldPieces: number) => void,
  ): Promise<CacheRecord> {
    const callback = onProgress ? proxy(onProgress) : undefined;
    return this.call((api) => api.storeBlob(meta, blob, callback));
  }

  /** The cache record of a file, or null. */
  getRecord(fileId: string): Promise<CacheRecord | null> {
    return this.call((api) => api.getRecord(fileId));
  }

  /** The piece Blobs of a complete cached file, in order, or null. */
  getPieceBlobs(fileId: string): Promise<Blob[] | null> {
    return this.call((api) => api.getPieceBlobs(fileId));
  }

  /** One cached piece's bytes, or null. */
  readPiece(fileId: string, index: number): Promise<ArrayBuffer | null> {
    return this.call((api) => api.readPiece(fileId, index));
  }

  /** Marks a cached file as used now. */
  touch(fileId: string): Promise<void> {
    return this.call((api) => api.touch(fileId));
  }

  /** Every cached file of a room. */
  loadRoom(roomId: string): Promise<CacheRecord[]> {
    return this.call((api) => api.loadRoom(roomId));
  }

  /** Every cached file. */
  list(): Promise<CacheRecord[]> {
    return this.call((api) => api.list());
  }

  /** Deletes a cached file. */
  remove(fileId: string): Promise<void> {
    return this.call((api) => api.remove(fileId));
  }

  /** Deletes the whole cache. */
  clear(): Promise<void> {
    return this.call((api) => api.clear());
  }

  /** Cache totals. */
  getStats(): Promise<CacheStats> {
    return this.call((api) => api.getStats());
  }

  /**
   * Commits pending writes, then stops the worker. Idempotent; later calls reject with
   * `ERR_DESTROYED`.
   */
  async terminate(): Promise<void> {
    if (this.terminated) return;
    const remote = this.remote;
    const worker = this.worker;
    this.terminated = true;
    this.remote = null;
    this.worker = null;
    this.fail(new ChatFilesClientError('ERR_DESTROYED', 'The client was destroyed.'));
    if (!remote || !worker) return;
    // Give pending piece writes a moment to commit, so a reload resumes from them.
    await Promise.race([remote.close(), new Promise((r) => setTimeout(r, CLOSE_GRACE_MS))]).catch(
      () => {},
    );
    remote[releaseProxy]();
    worker.terminate();
  }
}
