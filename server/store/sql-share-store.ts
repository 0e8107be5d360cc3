/** {@link ShareStore} in SQL: `shares`. */
import type { ShareRecord, ShareStore } from './metadata-store.js';
import type { SqlDatabase } from './sql-database.js';

const SHARE_COLUMNS =
  'id, file_id, token_hash, scope, password_hash, expires_at, revoked_at, created_by, created_at';

/** {@link ShareStore} on a {@link SqlDatabase}. */
export class SqlShareStore implements ShareStore {
  constructor(private readonly db: SqlDatabase) {}

  async create(share: ShareRecord): Promise<void> {
    await this.db.run(`INSERT INTO shares (${SHARE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
      share.id,
      share.file_id,
      share.token_hash,
      share.scope,
      share.password_hash,
      share.expires_at,
      share.revoked_at,
      share.created_by,
      share.created_at,
    ]);
  }

  async findByTokenHash(tokenHash: string): Promise<ShareRecord | null> {
    return (
      (await this.db.get<ShareRecord>(`SELECT ${SHARE_COLUMNS} FROM shares WHERE token_hash = ?`, [
        tokenHash,
      ])) ?? null
    );
  }

  revokeAll(fileId: string, now: number): Promise<number> {
    return this.db.run(
      `UPDATE shares SET revoked_at = ? WHERE file_id = ? AND revoked_at IS NULL`,
      [now, fileId],
    );
  }

  async hasRevoked(fileId: string): Promise<boolean> {
    const row = await this.db.get(
      `SELECT 1 AS revoked FROM shares WHERE file_id = ? AND revoked_at IS NOT NULL LIMIT 1`,
      [fileId],
    );
    return row !== undefined;
  }
}
