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

  async revokeAll(fileId: string, now: number): Promise<number> {
    await this.db.run(
      `INSERT INTO revoked_files (file_id, revoked_at) VALUES (?, ?) ON CONFLICT (file_id) DO NOTHING`,
      [fileId, now],
    );
    return this.db.run(
      `UPDATE shares SET revoked_at = ? WHERE file_id = ? AND revoked_at IS NULL`,
      [now, fileId],
    );
  }

  async hasRevoked(fileId: string): Promise<boolean> {
    return (await this.revokedAmong([fileId])).size > 0;
  }

  async revokedAmong(fileIds: readonly string[]): Promise<Set<string>> {
    if (fileIds.length === 0) return new Set();
    const ids = this.db.dialect.inList('file_id', [...new Set(fileIds)]);
    const rows = await this.db.all<{ file_id: string }>(
      `SELECT file_id FROM revoked_files WHERE ${ids.sql}`,
      [ids.param],
    );
    return new Set(rows.map((r) => r.file_id));
  }
}
