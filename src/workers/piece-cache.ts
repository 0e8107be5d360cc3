/**
 * The IndexedDB cache of verified pieces, owned by the file worker.
 *
 * Two object stores: `files` (one record per file: metadata, manifest, a bitmap of the
 * pieces held, bytes held, timestamps) and `pieces` (one Blob per piece, keyed
 * `[file_id, index]`). A piece and the record that says it is held are written in the same
 * transaction, so the cache never claims a piece it does not have; a piece is written only
 * after its SHA-256 matched the manifest. Writes are batched: pieces arriving within a few
 * milliseconds share one transaction.
 *
 * Eviction is least-recently-used over whole files when the bytes held would exceed the
 * limit, and never touches a file that is pinned (being written or read) in this worker or,
 * through the Web Locks API, in another tab.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { ChatFilesClientError, toClientError } from '../core/errors.js';
import { pieceCount, pieceLength, PieceSet } from '../core/pieces.js';
import type { PieceManifest } from '../core/wire/protocol.js';
import { sha256Hex } from './manifest.js';

/** What the cache needs to know about a file before it can hold its pieces. */
export interface CachedFileMeta {
  file_id: string;
  room_id: string;
  name: string;
  size: number;
  mime_type: string;
  manifest: PieceManifest;
}

/** A file's record in the cache, as stored. */
export interface CacheRecord extends CachedFileMeta {
  /** Bitmap of held pieces (see `PieceSet`). */
  held: Uint8Array;
  /** Number of pieces held. */
  held_count: number;
  /** Bytes of the pieces held. */
  bytes: number;
  /** True once every piece is held. */
  complete: boolean;
  /** When the first piece was stored (ms since epoch). */
  cached_at: number;
  /** When the file was last written, read or served (ms since epoch); drives LRU eviction. */
  last_used: number;
}

/** The outcome of offering one piece to the cache. */
export type PutPieceResult = 'stored' | 'duplicate' | 'bad';

/** Totals of the cache. */
export interface CacheStats {
  /** Files with at least a record. */
  count: number;
  /** Files whose every piece is held. */
  complete: number;
  /** Bytes of all pieces held. */
  bytes: number;
  /** The eviction limit in bytes. */
  limit_bytes: number;
}

/** Options of {@link PieceCache}. */
export interface PieceCacheOptions {
  /** IndexedDB database name; one cache per name. */
  name: string;
  /** Bytes above which least-recently-used files are evicted. */
  limitBytes: number;
}

interface CacheSchema extends DBSchema {
  files: {
    key: string;
    value: CacheRecord;
    indexes: { room_id: string; last_used: number };
  };
  pieces: {
    key: [string, number];
    value: Blob;
  };
}

const DB_VERSION = 1;

/**
 * Pieces that make a batch full. Eight 1 MiB pieces per transaction amortise the commit
 * (an fsync in Chromium) while keeping the batch's memory small.
 */
const BATCH_MAX_PIECES = 8;
/**
 * How long a piece may wait for company while another batch commits, before its own batch
 * commits anyway. A piece that finds the cache idle commits at once (group commit: pieces
 * that arrive during a commit form the next batch), so the first piece of a download is
 * stored without waiting; short, because the transfer's flow control waits for commits.
 */
const BATCH_DELAY_MS = 15;
/** `last_used` is rewritten at most this often while a file is read piece by piece (seeding). */
const TOUCH_INTERVAL_MS = 30_000;

/** A piece waiting in the write batch. */
export type PendingPiece = {
  fileId: string;
  index: number;
  blob: Blob;
  resolve: (result: PutPieceResult) => void;
  reject: (error: unknown) => void;
};

type WriteSession = { meta: CachedFileMeta; writers: number; release: () => void };

const pieceRange = (fileId: string) => IDBKeyRange.bound([fileId, 0], [fileId, Infinity]);

const isQuotaError = (error: unknown): boolean =>
  error instanceof DOMException &&
  (error.name === 'QuotaExceededError' ||
    // Chromium reports a quota failure inside a transaction as an abort of the transaction.
    (error.name === 'AbortError' && /quota/i.test(error.message)));

const storageFull = (cause?: unknown) =>
  new ChatFilesClientError(
    'ERR_STORAGE_FULL',
    'This browser has no room left to store the file. Free some space, or remove cached files.',
    { cause },
  );

/** The cache of verified pieces in one IndexedDB database. */
export class PieceCache {
  private readonly name: string;
  private limitBytes: number;
  private dbPromise: Promise<IDBPDatabase<CacheSchema>> | null = null;
  private readonly sessions = new Map<string, WriteSession>();
  private readonly localPins = new Map<string, number>();
  private queue: PendingPiece[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private committing = 0;
  private readonly lastTouch = new Map<string, number>();
  private closed = false;

  constructor(options: PieceCacheOptions) {
    this.name = options.name;
    this.limitBytes = options.limitBytes;
  }

  private db(): Promise<IDBPDatabase<CacheSchema>> {
    if (this.closed) return Promise.reject(new ChatFilesClientError('ERR_DESTROYED', 'closed'));
    this.dbPromise ??= openDB<CacheSchema>(this.name, DB_VERSION, {
      upgrade(db) {
        const files = db.createObjectStore('files', { keyPath: 'file_id' });
        files.createIndex('room_id', 'room_id');
        files.createIndex('last_used', 'last_used');
        db.createObjectStore('pieces');
      },
      blocking: () => {
        // Another tab wants a newer schema: let it have the database.
        void this.dbPromise?.then((db) => db.close());
        this.dbPromise = null;
      },
    });
    return this.dbPromise;
  }

  /** Changes the eviction limit; takes effect at the next write. */
  setLimit(limitBytes: number): void {
    this.limitBytes = limitBytes;
  }

  // ---- pins -------------------------------------------------------------------------

  private lockName(fileId: string): string {
    return `chat-files:${this.name}:${fileId}`;
  }

  /**
   * Keeps `fileId` from being evicted until the returned function is called. Also holds a
   * shared Web Lock, so other tabs' caches on the same database do not evict it either.
   */
  async pin(fileId: string): Promise<() => void> {
    this.localPins.set(fileId, (this.localPins.get(fileId) ?? 0) + 1);
    let releaseLock = () => {};
    const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
    if (locks) {
      await new Promise<void>((granted) => {
        void locks.request(this.lockName(fileId), { mode: 'shared' }, () => {
          granted();
          return new Promise<void>((release) => (releaseLock = release));
        });
      });
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      releaseLock();
      const count = (this.localPins.get(fileId) ?? 1) - 1;
      if (count <= 0) this.localPins.delete(fileId);
      else this.localPins.set(fileId, count);
    };
  }

  /** Runs `evict` only if nobody, here or in another tab, has the file pinned. */
  private async whenUnpinned(fileId: string, evict: () => Promise<void>): Promise<boolean> {
    if (this.localPins.has(fileId)) return false;
    const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
    if (!locks) {
      await evict();
      return true;
    }
    return locks.request(
      this.lockName(fileId),
      { mode: 'exclusive', ifAvailable: true },
      async (lock) => {
        if (!lock || this.localPins.has(fileId)) return false;
        await evict();
        return true;
      },
    );
  }

  // ---- writing ----------------------------------------------------------------------

  /**
   * Opens a write session for a file: pins it and creates its record (or resets a record
   * whose manifest differs). Returns the record, whose `held` bitmap says what to skip.
   */
  async beginWrite(meta: CachedFileMeta): Promise<CacheRecord> {
    let session = this.sessions.get(meta.file_id);
    if (session) {
      session.writers++;
    } else {
      const release = await this.pin(meta.file_id);
      session = this.sessions.get(meta.file_id);
      if (session) {
        release();
        session.writers++;
      } else {
        session = { meta, writers: 1, release };
        this.sessions.set(meta.file_id, session);
      }
    }
    try {
      const db = await this.db();
      const tx = db.transaction(['files', 'pieces'], 'readwrite');
      let record = await tx.objectStore('files').get(meta.file_id);
      if (record && record.manifest.root !== meta.manifest.root) {
        // Same id, different content (a re-share after a reset server): start over.
        await tx.objectStore('pieces').delete(pieceRange(meta.file_id));
        record = undefined;
      }
      if (!record) {
        const now = Date.now();
        const count = pieceCount(meta.size, meta.manifest.piece_size);
        record = {
          ...meta,
          held: new PieceSet(count).bits,
          held_count: 0,
          bytes: 0,
          complete: count === 0,
          cached_at: now,
          last_used: now,
        };
        await tx.objectStore('files').put(record);
      }
      await tx.done;
      return record;
    } catch (error) {
      this.endSession(meta.file_id);
      throw toClientError(error, 'ERR_INTERNAL', 'Could not open the file cache.');
    }
  }

  private endSession(fileId: string): void {
    const session = this.sessions.get(fileId);
    if (!session) return;
    session.writers--;
    if (session.writers <= 0) {
      this.sessions.delete(fileId);
      session.release();
    }
  }

  /**
   * Verifies a piece against the manifest of an open write session and queues it for the
   * next batch. Resolves once the batch is committed (`stored`), at once for a piece already
   * held (`duplicate`) or one whose hash or length is wrong (`bad`, nothing written).
   */
  async putPiece(fileId: string, index: number, bytes: ArrayBuffer): Promise<PutPieceResult> {
    const session = this.sessions.get(fileId);
    if (!session) {
      throw new ChatFilesClientError('ERR_INTERNAL', `No write session for ${fileId}.`);
    }
    const { manifest, size } = session.meta;
    if (
      !Number.isInteger(index) ||
      index < 0 ||
      index >= manifest.pieces.length ||
      bytes.byteLength !== pieceLength(index, size, manifest.piece_size)
    ) {
      return 'bad';
    }
    if ((await sha256Hex(bytes)) !== manifest.pieces[index]) return 'bad';
    const blob = new Blob([bytes]);
    return new Promise<PutPieceResult>((resolve, reject) => {
      this.queue.push({ fileId, index, blob, resolve, reject });
      if (this.queue.length >= BATCH_MAX_PIECES || this.committing === 0) this.flushSoon(0);
      else this.flushSoon(BATCH_DELAY_MS);
    });
  }

  /** Commits what is queued, then closes the write session (releasing the pin). */
  async endWrite(fileId: string): Promise<void> {
    try {
      await this.flush();
    } finally {
      this.endSession(fileId);
    }
  }

  /**
   * Stores a local file (the sharer's own) piece by piece, each checked against `meta`'s
   * manifest like a piece from the network. `onProgress` gets the number of pieces held.
   */
  async storeBlob(
    meta: CachedFileMeta,
    blob: Blob,
    onProgress?: (heldPieces: number) => void,
  ): Promise<CacheRecord> {
    const record = await this.beginWrite(meta);
    try {
      const held = new PieceSet(meta.manifest.pieces.length, record.held);
      let heldCount = held.count;
      let corrupt = false;
      const inFlight = new Set<Promise<void>>();
      for (const index of held.missing()) {
        const start = index * meta.manifest.piece_size;
        const end = Math.min(meta.size, start + meta.manifest.piece_size);
        const bytes = await blob.slice(start, end).arrayBuffer();
        const done: Promise<void> = this.putPiece(meta.file_id, index, bytes).then((result) => {
          inFlight.delete(done);
          if (result === 'bad') corrupt = true;
          else onProgress?.(++heldCount);
        });
        inFlight.add(done);
        // Two batches of reads in flight keep the disk busy without piling up memory.
        if (inFlight.size >= BATCH_MAX_PIECES * 2) await Promise.race(inFlight);
        if (corrupt) break;
      }
      await Promise.all(inFlight);
      if (corrupt) {
        throw new ChatFilesClientError(
          'ERR_INTEGRITY',
          'The file changed on disk while it was being shared.',
        );
      }
      await this.flush();
      const stored = await this.get(meta.file_id);
      if (!stored) throw new ChatFilesClientError('ERR_INTERNAL', 'The cached file vanished.');
      return stored;
    } finally {
      await this.endWrite(meta.file_id);
    }
  }

  private flushSoon(delay: number): void {
    if (this.flushTimer !== null) {
      if (delay > 0) return;
      clearTimeout(this.flushTimer);
    }
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      void this.flush();
    }, delay);
  }

  /** Commits every queued piece; batches run one after another. */
  flush(): Promise<void> {
    if (this.flushTimer !== null) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    this.committing++;
    this.flushing = this.flushing.then(async () => {
      const batch = this.queue;
      this.queue = [];
      try {
        if (batch.length > 0) await this.commit(batch);
      } finally {
        this.committing--;
        // Pieces that arrived during the commit go next, without waiting for the timer.
        if (this.queue.length > 0 && this.committing === 0) this.flushSoon(0);
      }
    });
    return this.flushing;
  }

  private async commit(batch: PendingPiece[]): Promise<void> {
    const needed = batch.reduce((sum, item) => sum + item.blob.size, 0);
    const writing = new Set(batch.map((item) => item.fileId));
    try {
      await this.makeRoom(needed, writing);
      let results: PutPieceResult[];
      try {
        results = await this.writeBatch(batch);
      } catch (error) {
        if (!isQuotaError(error)) throw error;
        // The browser's own quota is lower than our limit: free what we can and retry once.
        await this.evictFor(Math.max(needed, this.limitBytes / 10), writing);
        try {
          results = await this.writeBatch(batch);
        } catch (retryError) {
          throw isQuotaError(retryError) ? storageFull(retryError) : retryError;
        }
      }
      batch.forEach((item, i) => item.resolve(results[i]));
    } catch (error) {
      const failure = toClientError(error, 'ERR_INTERNAL', 'Could not store the file.');
      for (const item of batch) item.reject(failure);
    }
  }

  /** Writes one batch of pieces in one IndexedDB transaction. */
  protected async writeBatch(batch: PendingPiece[]): Promise<PutPieceResult[]> {
    const db = await this.db();
    const tx = db.transaction(['files', 'pieces'], 'readwrite');
    const files = tx.objectStore('files');
    const pieces = tx.objectStore('pieces');
    const results: PutPieceResult[] = new Array(batch.length);
    const now = Date.now();
    const byFile = new Map<string, number[]>();
    batch.forEach((item, i) => {
      const list = byFile.get(item.fileId) ?? [];
      list.push(i);
      byFile.set(item.fileId, list);
    });
    const writes: Promise<unknown>[] = [];
    for (const [fileId, positions] of byFile) {
      let record = await files.get(fileId);
      const meta = this.sessions.get(fileId)?.meta;
      if (!record) {
        if (!meta) throw new ChatFilesClientError('ERR_INTERNAL', `No record for ${fileId}.`);
        // The record was removed (clear()/remove()) while the download went on: recreate it.
        const count = meta.manifest.pieces.length;
        record = {
          ...meta,
          held: new PieceSet(count).bits,
          held_count: 0,
          bytes: 0,
          complete: count === 0,
          cached_at: now,
          last_used: now,
        };
      }
      const held = new PieceSet(record.manifest.pieces.length, record.held);
      for (const i of positions) {
        const item = batch[i];
        if (held.has(item.index)) {
          results[i] = 'duplicate';
          continue;
        }
        writes.push(pieces.put(item.blob, [fileId, item.index]));
        held.add(item.index);
        record.bytes += item.blob.size;
        results[i] = 'stored';
      }
      record.held = held.bits;
      record.held_count = held.count;
      record.complete = held.complete;
      record.last_used = now;
      writes.push(files.put(record));
    }
    // Individual requests fail together with the transaction; tx.done carries the reason.
    for (const write of writes) write.catch(() => {});
    await tx.done;
    return results;
  }

  // ---- eviction ---------------------------------------------------------------------

  private async makeRoom(needed: number, keep: ReadonlySet<string>): Promise<void> {
    const records = await (await this.db()).getAll('files');
    const total = records.reduce((sum, r) => sum + r.bytes, 0);
    const excess = total + needed - this.limitBytes;
    if (excess > 0) await this.evictFor(excess, keep, records);
  }

  /**
   * Evicts least-recently-used, unpinned files outside `keep` until `bytes` are freed (or
   * nothing more can go). Returns the bytes freed.
   */
  private async evictFor(
    bytes: number,
    keep: ReadonlySet<string>,
    records?: CacheRecord[],
  ): Promise<number> {
    records ??= await (await this.db()).getAll('files');
    const candidates = records
      .filter((r) => !keep.has(r.file_id) && !this.sessions.has(r.file_id))
      .sort((a, b) => a.last_used - b.last_used);
    let freed = 0;
    for (const record of candidates) {
      if (freed >= bytes) break;
      const evicted = await this.whenUnpinned(record.file_id, () =>
        this.deleteFile(record.file_id),
      );
      if (evicted) freed += record.bytes;
    }
    return freed;
  }

  private async deleteFile(fileId: string): Promise<void> {
    const db = await this.db();
    const tx = db.transaction(['files', 'pieces'], 'readwrite');
    void tx.objectStore('pieces').delete(pieceRange(fileId));
    void tx.objectStore('files').delete(fileId);
    await tx.done;
    this.lastTouch.delete(fileId);
  }

  // ---- reading ----------------------------------------------------------------------

  /** The record of a file, or null when nothing of it is cached. */
  async get(fileId: string): Promise<CacheRecord | null> {
    return (await (await this.db()).get('files', fileId)) ?? null;
  }

  /** Marks a file as used now (LRU), at most every half minute per file. */
  async touch(fileId: string, force = false): Promise<void> {
    const now = Date.now();
    if (!force && now - (this.lastTouch.get(fileId) ?? 0) < TOUCH_INTERVAL_MS) return;
    this.lastTouch.set(fileId, now);
    const db = await this.db();
    const tx = db.transaction('files', 'readwrite');
    const record = await tx.store.get(fileId);
    if (record) {
      record.last_used = now;
      await tx.store.put(record);
    }
    await tx.done;
  }

  /**
   * The Blobs of every piece of a complete file, in order, or null when the file is not
   * complete. The caller composes them into a File; no piece is read into memory.
   */
  async getPieceBlobs(fileId: string): Promise<Blob[] | null> {
    const unpin = await this.pin(fileId);
    try {
      const db = await this.db();
      const tx = db.transaction(['files', 'pieces'], 'readonly');
      const record = await tx.objectStore('files').get(fileId);
      if (!record?.complete) return null;
      const blobs = await tx.objectStore('pieces').getAll(pieceRange(fileId));
      await tx.done;
      if (blobs.length !== record.manifest.pieces.length) return null;
      await this.touch(fileId, true);
      return blobs;
    } finally {
      unpin();
    }
  }

  /** The bytes of one held piece (for serving a peer), or null when it is not held. */
  async readPiece(fileId: string, index: number): Promise<ArrayBuffer | null> {
    const unpin = await this.pin(fileId);
    try {
      const blob = await (await this.db()).get('pieces', [fileId, index]);
      if (!blob) return null;
      void this.touch(fileId).catch(() => {});
      return await blob.arrayBuffer();
    } finally {
      unpin();
    }
  }

  /** Records of every file cached for a room, complete or not, most recent first. */
  async loadRoom(roomId: string): Promise<CacheRecord[]> {
    const records = await (await this.db()).getAllFromIndex('files', 'room_id', roomId);
    return records.sort((a, b) => b.last_used - a.last_used);
  }

  /** Records of every cached file. */
  async list(): Promise<CacheRecord[]> {
    return (await this.db()).getAll('files');
  }

  /** Deletes a file's pieces and record. */
  async remove(fileId: string): Promise<void> {
    await this.deleteFile(fileId);
  }

  /** Deletes everything. */
  async clear(): Promise<void> {
    await this.flush();
    const db = await this.db();
    const tx = db.transaction(['files', 'pieces'], 'readwrite');
    void tx.objectStore('files').clear();
    void tx.objectStore('pieces').clear();
    await tx.done;
    this.lastTouch.clear();
  }

  /** Counts and bytes held. */
  async getStats(): Promise<CacheStats> {
    const records = await (await this.db()).getAll('files');
    return {
      count: records.length,
      complete: records.filter((r) => r.complete).length,
      bytes: records.reduce((sum, r) => sum + r.bytes, 0),
      limit_bytes: this.limitBytes,
    };
  }

  /** Commits pending writes and closes the database. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush().catch(() => {});
    this.closed = true;
    const db = await this.dbPromise?.catch(() => null);
    db?.close();
    this.dbPromise = null;
  }
}
