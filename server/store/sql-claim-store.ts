/** {@link ClaimStore} in SQL: `file_storage_claims` and `file_user_status`. */
import type { ClaimStore, ClaimedFile, StorageClaim, UserStatus } from './metadata-store.js';
import type { SqlDatabase } from './sql-database.js';

const CLAIM_COLUMNS = 'id, file_id, username, claimed_at, size';

interface StatusRow {
  total_stored_bytes: number;
  suspended: number;
}

const toStatus = (username: string, row: StatusRow | undefined): UserStatus => ({
  username,
  total_stored_bytes: Number(row?.total_stored_bytes ?? 0),
  suspended: Number(row?.suspended ?? 0) === 1,
});

/** {@link ClaimStore} on a {@link SqlDatabase}. */
export class SqlClaimStore implements ClaimStore {
  constructor(private readonly db: SqlDatabase) {}

  async get(fileId: string, username: string): Promise<StorageClaim | null> {
    return (
      (await this.db.get<StorageClaim>(
        `SELECT ${CLAIM_COLUMNS} FROM file_storage_claims WHERE file_id = ? AND username = ?`,
        [fileId, username],
      )) ?? null
    );
  }

  ofFile(fileId: string): Promise<StorageClaim[]> {
    return this.db.all<StorageClaim>(
      `SELECT ${CLAIM_COLUMNS} FROM file_storage_claims WHERE file_id = ? ORDER BY username`,
      [fileId],
    );
  }

  async claimedFileIds(fileIds: readonly string[], username: string): Promise<Set<string>> {
    if (fileIds.length === 0) return new Set();
    const ids = this.db.dialect.inList('file_id', [...new Set(fileIds)]);
    const rows = await this.db.all<{ file_id: string }>(
      `SELECT file_id FROM file_storage_claims WHERE username = ? AND ${ids.sql}`,
      [username, ids.param],
    );
    return new Set(rows.map((r) => r.file_id));
  }

  list(username: string): Promise<ClaimedFile[]> {
    return this.db.all<ClaimedFile>(
      `SELECT c.id, c.file_id, c.username, c.claimed_at, c.size, f.name, f.room_id, f.created_at
       FROM file_storage_claims c JOIN files f ON f.id = c.file_id
       WHERE c.username = ? ORDER BY c.claimed_at DESC, c.id DESC`,
      [username],
    );
  }

  async insert(claim: StorageClaim): Promise<void> {
    await this.db.run(`INSERT INTO file_storage_claims (${CLAIM_COLUMNS}) VALUES (?, ?, ?, ?, ?)`, [
      claim.id,
      claim.file_id,
      claim.username,
      claim.claimed_at,
      claim.size,
    ]);
  }

  async delete(claimId: string): Promise<void> {
    await this.db.run(`DELETE FROM file_storage_claims WHERE id = ?`, [claimId]);
  }

  async status(username: string): Promise<UserStatus> {
    const row = await this.db.get<StatusRow>(
      `SELECT total_stored_bytes, suspended FROM file_user_status WHERE username = ?`,
      [username],
    );
    return toStatus(username, row);
  }

  async lockStatus(username: string, now: number): Promise<UserStatus> {
    // The row must exist to be locked; a first claim creates it.
    await this.db.run(
      `INSERT INTO file_user_status (username, total_stored_bytes, suspended, updated_at)
       VALUES (?, 0, 0, ?) ON CONFLICT (username) DO NOTHING`,
      [username, now],
    );
    const row = await this.db.get<StatusRow>(
      `SELECT total_stored_bytes, suspended FROM file_user_status WHERE username = ?${this.db.dialect.forUpdate}`,
      [username],
    );
    return toStatus(username, row);
  }

  async setTotal(username: string, totalStoredBytes: number, now: number): Promise<void> {
    await this.db.run(
      `INSERT INTO file_user_status (username, total_stored_bytes, suspended, updated_at) VALUES (?, ?, 0, ?)
       ON CONFLICT (username) DO UPDATE SET total_stored_bytes = excluded.total_stored_bytes, updated_at = excluded.updated_at`,
      [username, totalStoredBytes, now],
    );
  }

  async setSuspended(username: string, suspended: boolean, now: number): Promise<void> {
    await this.db.run(
      `INSERT INTO file_user_status (username, total_stored_bytes, suspended, updated_at) VALUES (?, 0, ?, ?)
       ON CONFLICT (username) DO UPDATE SET suspended = excluded.suspended, updated_at = excluded.updated_at`,
      [username, suspended ? 1 : 0, now],
    );
  }
}
