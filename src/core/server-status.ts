/**
 * Server availability of files, asked in batches: every `serverStatus()` call made while
 * the page renders (one per card, a thousand in a busy room) is collected until the current
 * task ends and sent as one `chat:file:server_status_batch` per thousand ids.
 */
import type { ServerStatus } from './wire/protocol.js';
import { request, type ChatFilesSocket } from './socket-requests.js';

/** The server's per-request cap on `file_ids`. */
export const MAX_STATUS_BATCH = 1000;

/** What a file the user cannot see (or that does not exist) reports. */
export const NO_SERVER_COPY: Readonly<ServerStatus> = Object.freeze({
  server_available: false,
  user_has_claim: false,
  expires_at: null,
  can_delete: false,
});

type Waiter = { resolve: (status: ServerStatus) => void; reject: (error: unknown) => void };

/** Coalesces server status queries of one client. */
export class ServerStatusBatcher {
  private readonly socket: ChatFilesSocket;
  private pending = new Map<string, Waiter[]>();
  private scheduled = false;
  /** Number of batch requests sent (for diagnostics and tests). */
  requestsSent = 0;

  constructor(socket: ChatFilesSocket) {
    this.socket = socket;
  }

  /** The server status of one file, answered by the next batch. */
  get(fileId: string): Promise<ServerStatus> {
    return new Promise<ServerStatus>((resolve, reject) => {
      const waiters = this.pending.get(fileId) ?? [];
      waiters.push({ resolve, reject });
      this.pending.set(fileId, waiters);
      this.schedule();
    });
  }

  /**
   * Flushes once the current task's microtasks have run. Elements appended together are
   * all connected before any of them renders, so their first updates are queued ahead of
   * this flush and every card of one batch lands in one request. A macrotask would also
   * collect them, but it waits behind whatever else the page queued (a thousand worker
   * replies, say) and leaves the request idle for hundreds of milliseconds.
   */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      // One more microtask hop lets updates queued by the first ones join too.
      queueMicrotask(() => {
        this.scheduled = false;
        void this.flush();
      });
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    const ids = [...batch.keys()];
    for (let i = 0; i < ids.length; i += MAX_STATUS_BATCH) {
      const chunk = ids.slice(i, i + MAX_STATUS_BATCH);
      this.requestsSent++;
      try {
        const { statuses } = await request(this.socket, 'chat:file:server_status_batch', {
          file_ids: chunk,
        });
        for (const id of chunk) {
          const status = statuses[id] ?? NO_SERVER_COPY;
          for (const waiter of batch.get(id)!) waiter.resolve({ ...status });
        }
      } catch (error) {
        for (const id of chunk) for (const waiter of batch.get(id)!) waiter.reject(error);
      }
    }
  }

  /** Rejects everything pending and stops. */
  destroy(reason: unknown): void {
    this.scheduled = false;
    for (const waiters of this.pending.values()) for (const w of waiters) w.reject(reason);
    this.pending.clear();
  }
}
