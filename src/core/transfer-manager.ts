/**
 * Runs downloads and keeps every file's latest {@link TransferSnapshot}: one download per
 * file id (a second request joins the first, and wakes it if it waits), subscriptions per
 * file, cancellation. Swarm downloads and federated downloads are both transfers here.
 */
import { Download, type DownloadContext } from './download.js';
import { ChatFilesClientError } from './errors.js';
import { FederatedDownload } from './federated-download.js';
import type { FederatedFile } from './wire/federated-file.js';
import { availableSnapshot, type TransferSnapshot } from './transfer-state.js';

/** A running transfer, whatever its sources. */
interface Transfer {
  readonly promise: Promise<File>;
  cancel(reason: ChatFilesClientError): void;
  retry(): void;
}

/** What the manager needs from its client; `emit` is provided by the manager itself. */
export type TransferManagerContext = Omit<DownloadContext, 'emit'> & {
  /** Called with every new snapshot (the client turns it into an event). */
  onSnapshot(snapshot: TransferSnapshot): void;
};

/** Orchestrates the transfers of one client. */
export class TransferManager {
  private readonly ctx: TransferManagerContext;
  private readonly downloads = new Map<string, Transfer>();
  private readonly snapshots = new Map<string, TransferSnapshot>();
  private readonly listeners = new Map<string, Set<(snapshot: TransferSnapshot) => void>>();
  private destroyed = false;

  constructor(ctx: TransferManagerContext) {
    this.ctx = ctx;
  }

  /**
   * Downloads a file through the cascade and resolves with it. A request for a file that
   * is already downloading joins that download.
   */
  requestFile(fileId: string, roomId: string): Promise<File> {
    return this.start(
      fileId,
      () =>
        new Download({ ...this.ctx, emit: (snapshot) => this.publish(snapshot) }, fileId, roomId),
    );
  }

  /**
   * Downloads a file of another instance from its origin; a second request joins the first.
   */
  requestFederatedFile(
    fileId: string,
    file: FederatedFile,
    options: { password?: string } = {},
  ): Promise<File> {
    return this.start(
      fileId,
      () => new FederatedDownload(fileId, file, (snapshot) => this.publish(snapshot), options),
    );
  }

  private start(fileId: string, create: () => Transfer): Promise<File> {
    if (this.destroyed) {
      return Promise.reject(new ChatFilesClientError('ERR_DESTROYED', 'The client was destroyed.'));
    }
    const running = this.downloads.get(fileId);
    if (running) {
      // Asking again is a retry: a download waiting for a seeder looks again at once.
      running.retry();
      return running.promise;
    }
    const download = create();
    this.downloads.set(fileId, download);
    const forget = () => {
      if (this.downloads.get(fileId) === download) this.downloads.delete(fileId);
    };
    download.promise.then(forget, forget);
    return download.promise;
  }

  /** Makes a waiting download look for sources again now. */
  retry(fileId: string): void {
    this.downloads.get(fileId)?.retry();
  }

  /** Whether a download of the file is running. */
  isActive(fileId: string): boolean {
    return this.downloads.has(fileId);
  }

  /** Stops a running download (its promise rejects with `ERR_CANCELLED`); cached pieces stay. */
  cancelTransfer(fileId: string): void {
    this.downloads
      .get(fileId)
      ?.cancel(new ChatFilesClientError('ERR_CANCELLED', 'The transfer was cancelled.'));
  }

  /** The file's latest snapshot (`available` when nothing is known). */
  transferState(fileId: string): TransferSnapshot {
    return this.snapshots.get(fileId) ?? availableSnapshot(fileId);
  }

  /** Calls `listener` with each new snapshot of the file; returns the unsubscribe function. */
  watch(fileId: string, listener: (snapshot: TransferSnapshot) => void): () => void {
    let set = this.listeners.get(fileId);
    if (!set) this.listeners.set(fileId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(fileId) === set) this.listeners.delete(fileId);
    };
  }

  /** Records and announces a snapshot (also used by the client for shares and revocations). */
  publish(snapshot: TransferSnapshot): void {
    if (this.destroyed) return;
    const previous = this.snapshots.get(snapshot.file_id);
    this.snapshots.set(snapshot.file_id, snapshot);
    if (previous && sameView(previous, snapshot)) return;
    for (const listener of [...(this.listeners.get(snapshot.file_id) ?? [])]) {
      try {
        listener(snapshot);
      } catch (error) {
        this.ctx.log('a transfer listener threw', error);
      }
    }
    this.ctx.onSnapshot(snapshot);
  }

  /** Cancels every download (with `ERR_DESTROYED`) and drops all listeners. Idempotent. */
  destroy(): void {
    if (this.destroyed) return;
    const reason = new ChatFilesClientError('ERR_DESTROYED', 'The client was destroyed.');
    for (const download of this.downloads.values()) download.cancel(reason);
    this.destroyed = true;
    this.downloads.clear();
    this.listeners.clear();
  }
}

/** True when two snapshots would render the same (avoids an event per unchanged piece). */
function sameView(a: TransferSnapshot, b: TransferSnapshot): boolean {
  return (
    a.state === b.state &&
    a.progress === b.progress &&
    a.transport === b.transport &&
    a.peer === b.peer &&
    a.error?.code === b.error?.code &&
    a.rejected_pieces === b.rejected_pieces &&
    a.held_pieces === b.held_pieces &&
    a.bytes_done === b.bytes_done &&
    a.sources === b.sources &&
    a.rate === b.rate &&
    a.waiting_for?.join() === b.waiting_for?.join()
  );
}
