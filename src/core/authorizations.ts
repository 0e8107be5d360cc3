/**
 * Which sockets asked for which files through the chat server. The server only forwards a
 * probe, a signal or a relay request between members of the file's room, so such a message
 * proves the asker may have the file; a data channel opened later on an existing peer
 * connection (which the server does not see) is served only if its socket is recorded here.
 */

/** Entries kept; old ones are forgotten first. Enough for every peer of a very busy session. */
const MAX_ENTRIES = 20_000;

/** A bounded record of (file, socket) pairs the server vouched for. */
export class AuthorizationLedger {
  private readonly entries = new Map<string, number>();

  /** Records that `socketId` asked for `fileId` through the server. */
  grant(fileId: string, socketId: string): void {
    const key = `${fileId}\n${socketId}`;
    this.entries.delete(key);
    this.entries.set(key, Date.now());
    if (this.entries.size > MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  /** Whether `socketId` asked for `fileId` through the server. */
  has(fileId: string, socketId: string): boolean {
    return this.entries.has(`${fileId}\n${socketId}`);
  }

  /** Forgets everything. */
  clear(): void {
    this.entries.clear();
  }
}
