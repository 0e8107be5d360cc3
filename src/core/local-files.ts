/**
 * Files this client holds in memory: the ones it shared (the user's own `File`) and the ones
 * it finished downloading (a `File` composed of cached piece Blobs, so holding it costs no
 * JS memory). The seeding side reads from here first, then from the cache.
 */
import { PieceSet, pieceRange } from './pieces.js';
import type { PieceManifest } from './wire/protocol.js';
import type { HeldFile, PieceProvider } from './transports/transport.js';
import type { WorkerBridge } from './worker-bridge.js';

/** A file held in memory. */
export interface LocalFile {
  file_id: string;
  room_id: string;
  file: File;
  manifest: PieceManifest;
}

/** The in-memory files of one client, and the {@link PieceProvider} over memory and cache. */
export class LocalFiles implements PieceProvider {
  private readonly files = new Map<string, LocalFile>();
  private readonly worker: WorkerBridge;
  private readonly refused: (fileId: string) => boolean;

  constructor(worker: WorkerBridge, refused: (fileId: string) => boolean = () => false) {
    this.worker = worker;
    this.refused = refused;
  }

  /** The in-memory file, if any. */
  get(fileId: string): LocalFile | undefined {
    return this.files.get(fileId);
  }

  /** Keeps a file in memory. */
  set(entry: LocalFile): void {
    this.files.set(entry.file_id, entry);
  }

  /** Drops a file from memory. */
  delete(fileId: string): void {
    this.files.delete(fileId);
  }

  /** Drops every file. */
  clear(): void {
    this.files.clear();
  }

  async lookup(fileId: string): Promise<HeldFile | null> {
    if (this.refused(fileId)) return null;
    const local = this.files.get(fileId);
    if (local) {
      return {
        file_id: fileId,
        room_id: local.room_id,
        size: local.file.size,
        manifest: local.manifest,
        pieces: null,
      };
    }
    const record = await this.worker.getRecord(fileId);
    if (!record || record.held_count === 0) return null;
    return {
      file_id: fileId,
      room_id: record.room_id,
      size: record.size,
      manifest: record.manifest,
      pieces: record.complete ? null : new PieceSet(record.manifest.pieces.length, record.held),
    };
  }

  async readPiece(fileId: string, index: number): Promise<ArrayBuffer | null> {
    if (this.refused(fileId)) return null;
    const local = this.files.get(fileId);
    if (local) {
      if (index < 0 || index >= local.manifest.pieces.length) return null;
      const { start, end } = pieceRange(index, local.file.size, local.manifest.piece_size);
      return local.file.slice(start, end).arrayBuffer();
    }
    return this.worker.readPiece(fileId, index);
  }
}
