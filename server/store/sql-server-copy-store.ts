/** {@link ServerCopyStore} in SQL: the server's rows of `file_seeds`, and `blobs`. */
import { SERVER_SEEDER } from '../../src/core/wire/protocol.js';
import type {
  BlobRecord,
  RemovedCopy,
  ServerCopyStore,
  ServerSeed,
  UnpinnedBlob,
} from './metadata-store.js';
import type { SqlDatabase } from './sql-database.js';

interface SeedRow {
  id: string;
  file_id: string;
  username: string;
  seeded_at: number;
  stored: number;
  permanent: number;
  cached_at: number;
  size: number;
  md5: string;
  storage_file_id: string;
}

const SEED_COLUMNS =
  'id, file_id, username, seeded_at, stored, permanent, cached_at, size, md5, storage_file_id';

const toSeed = (row: SeedRow): ServerSeed => ({
  id: row.id,
  file_id: row.file_id,
  username: row.username,
  seeded_at: row.seeded_at,
  stored: Number(row.stored) === 1,
  permanent: Number(row.permanent) === 1,
  cached_at: row.cached_at,
  size: row.size,
  md5: row.md5,
  storage_file_id: row.storage_file_id,
});

/** Id of the server's row in `file_seeds` (`{file_id}:__server__`). */
export const serverSeedId = (fileId: string) => `${fileId}:${SERVER_SEEDER}`;

/** Name of the lock under which cap and dedup decisions are taken. */
export const STORAGE_LOCK = 'chat-files:storage';

/** {@link ServerCopyStore} on a {@link SqlDatabase}. */
export class SqlServerCopyStore implements ServerCopyStore {
  constructor(private readonly db: SqlDatabase) {}

  async get(fileId: string, options: { lock?: boolean } = {}): Promise<ServerSeed | null> {
    const row = await this.db.get<SeedRow>(
      `SELECT ${SEED_COLUMNS} FROM file_seeds WHERE id = ?${options.lock ? this.db.dialect.forUpdate : ''}`,
      [serverSeedId(fileId)],
    );
    return row ? toSeed(row) : null;
  }

  async getMany(fileIds: readonly string[]): Promise<Map<string, ServerSeed>> {
    const seeds = new Map<string, ServerSeed>();
    if (fileIds.length === 0) return seeds;
    const ids = this.db.dialect.inList('id', [...new Set(fileIds)].map(serverSeedId));
    for (const row of await this.db.all<SeedRow>(
      `SELECT ${SEED_COLUMNS} FROM file_seeds WHERE ${ids.sql}`,
      [ids.param],
    )) {
      seeds.set(row.file_id, toSeed(row));
    }
    return seeds;
  }

  async insert(copy: { file_id: string; blob: BlobRecord; now: number }): Promise<ServerSeed> {
    const seed: ServerSeed = {
      id: serverSeedId(copy.file_id),
      file_id: copy.file_id,
      username: SERVER_SEEDER,
      seeded_at: copy.now,
      stored: true,
      permanent: false,
      cached_at: copy.now,
      size: copy.blob.size,
      md5: copy.blob.md5,
      storage_file_id: copy.blob.id,
    };
    await this.db.run(
      `INSERT INTO file_seeds (${SEED_COLUMNS}) VALUES (?, ?, ?, ?, 1, 0, ?, ?, ?, ?)`,
      [
        seed.id,
        seed.file_id,
        seed.username,
        seed.seeded_at,
        seed.cached_at,
        seed.size,
        seed.md5,
        seed.storage_file_id,
      ],
    );
    return seed;
  }

  async delete(fileId: string): Promise<void> {
    await this.db.run(`DELETE FROM file_seeds WHERE id = ?`, [serverSeedId(fileId)]);
  }

  async setPermanent(fileId: string, permanent: boolean): Promise<void> {
    await this.db.run(`UPDATE file_seeds SET permanent = ? WHERE id = ?`, [
      permanent ? 1 : 0,
      serverSeedId(fileId),
    ]);
  }

  async recache(fileId: string, cachedAt: number): Promise<void> {
    await this.db.run(`UPDATE file_seeds SET cached_at = ? WHERE id = ?`, [
      cachedAt,
      serverSeedId(fileId),
    ]);
  }

  copiesOfBlob(blobId: string): Promise<RemovedCopy[]> {
    return this.db.all<RemovedCopy>(
      `SELECT s.file_id, f.room_id FROM file_seeds s JOIN files f ON f.id = s.file_id
       WHERE s.storage_file_id = ? ORDER BY s.cached_at, s.file_id`,
      [blobId],
    );
  }

  async unclaimedCachedBefore(cutoff: number): Promise<string[]> {
    const rows = await this.db.all<{ file_id: string }>(
      `SELECT s.file_id FROM file_seeds s
       WHERE s.username = ? AND s.permanent = 0 AND s.cached_at < ?
         AND NOT EXISTS (SELECT 1 FROM file_storage_claims c WHERE c.file_id = s.file_id)
       ORDER BY s.cached_at, s.file_id`,
      [SERVER_SEEDER, cutoff],
    );
    return rows.map((r) => r.file_id);
  }

  async findBlob(sha256: string): Promise<BlobRecord | null> {
    return (
      (await this.db.get<BlobRecord>(
        `SELECT id, sha256, md5, size, created_at FROM blobs WHERE sha256 = ?`,
        [sha256],
      )) ?? null
    );
  }

  async insertBlob(blob: BlobRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO blobs (id, sha256, md5, size, created_at) VALUES (?, ?, ?, ?, ?)`,
      [blob.id, blob.sha256, blob.md5, blob.size, blob.created_at],
    );
  }

  async deleteBlob(blobId: string): Promise<void> {
    await this.db.run(`DELETE FROM blobs WHERE id = ?`, [blobId]);
  }

  async blobUsers(blobId: string): Promise<number> {
    const row = await this.db.get<{ n: number }>(
      `SELECT COUNT(*) AS n FROM file_seeds WHERE storage_file_id = ?`,
      [blobId],
    );
    return Number(row?.n ?? 0);
  }

  async blobIds(options: { createdBefore?: number } = {}): Promise<string[]> {
    const rows =
      options.createdBefore === undefined
        ? await this.db.all<{ id: string }>(`SELECT id FROM blobs ORDER BY id`)
        : await this.db.all<{ id: string }>(
            `SELECT id FROM blobs WHERE created_at < ? ORDER BY id`,
            [options.createdBefore],
          );
    return rows.map((r) => r.id);
  }

  unpinnedBlobs(): Promise<UnpinnedBlob[]> {
    return this.db.all<UnpinnedBlob>(
      `SELECT b.id, b.size, b.created_at, MAX(s.cached_at) AS last_cached_at
       FROM blobs b LEFT JOIN file_seeds s ON s.storage_file_id = b.id
       GROUP BY b.id, b.size, b.created_at
       HAVING COALESCE(MAX(s.permanent), 0) = 0`,
    );
  }

  async usage(): Promise<{ total_bytes: number; pinned_bytes: number }> {
    const row = await this.db.get<{ total: number; pinned: number }>(
      `SELECT
         (SELECT COALESCE(SUM(size), 0) FROM blobs) AS total,
         (SELECT COALESCE(SUM(b.size), 0) FROM blobs b
          WHERE EXISTS (SELECT 1 FROM file_seeds s WHERE s.storage_file_id = b.id AND s.permanent = 1)) AS pinned`,
    );
    return { total_bytes: Number(row?.total ?? 0), pinned_bytes: Number(row?.pinned ?? 0) };
  }

  lockStorage(): Promise<void> {
    return this.db.lock(STORAGE_LOCK);
  }
}
