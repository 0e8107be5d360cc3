/**
 * The uploads this browser has started and not finished, kept in `localStorage` so a
 * reloaded page can find each one's tus upload URL again and send only the rest. An
 * entry is keyed by `file_id` and carries the manifest root of the file's bytes, so a
 * file picked again is only resumed when it is the same content.
 */

/** One unfinished upload. */
export interface PendingUpload {
  file_id: string;
  room_id: string;
  /** The tus upload URL (absolute or root-relative). */
  url: string;
  /** Manifest root of the file's bytes (SHA-256 over its piece digests). */
  fingerprint: string;
  name: string;
  size: number;
  /** When the entry was last written (epoch ms). */
  updated_at: number;
}

/** How long an entry is kept without progress; the server forgets unfinished uploads too. */
const MAX_AGE_MS = 7 * 24 * 3_600_000;

/** A `localStorage`-backed list of unfinished uploads (in memory where storage is unavailable). */
export class PendingUploads {
  private readonly key: string;
  private memory: Record<string, PendingUpload> = {};

  /** @param scope Separates users and servers sharing one origin, e.g. `username@baseUrl`. */
  constructor(scope: string) {
    this.key = `chat-files:pending-uploads:${scope}`;
  }

  private read(): Record<string, PendingUpload> {
    try {
      const text = globalThis.localStorage?.getItem(this.key);
      if (text) return JSON.parse(text) as Record<string, PendingUpload>;
    } catch {
      // Storage blocked or corrupt: fall back to this page's memory.
    }
    return this.memory;
  }

  private write(entries: Record<string, PendingUpload>): void {
    this.memory = entries;
    try {
      globalThis.localStorage?.setItem(this.key, JSON.stringify(entries));
    } catch {
      // Full or blocked storage only costs resumption after a reload.
    }
  }

  /** Every unfinished upload, dropping entries older than a week. */
  list(now = Date.now()): PendingUpload[] {
    const entries = this.read();
    const fresh = Object.values(entries).filter((entry) => now - entry.updated_at < MAX_AGE_MS);
    if (fresh.length !== Object.keys(entries).length) {
      this.write(Object.fromEntries(fresh.map((entry) => [entry.file_id, entry])));
    }
    return fresh;
  }

  /** The unfinished upload of a file, if any. */
  get(fileId: string): PendingUpload | undefined {
    return this.read()[fileId];
  }

  /** Records (or refreshes) an unfinished upload. */
  set(entry: PendingUpload): void {
    this.write({ ...this.read(), [entry.file_id]: entry });
  }

  /** Forgets a finished or abandoned upload. */
  delete(fileId: string): void {
    const entries = this.read();
    if (!(fileId in entries)) return;
    delete entries[fileId];
    this.write(entries);
  }
}
