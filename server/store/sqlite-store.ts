/**
 * The default metadata store: one SQLite file (`chat-files.db` in the data directory) in
 * WAL mode, through better-sqlite3 with prepared statements. Writes that check and
 * change quota or blob references run in `BEGIN IMMEDIATE` transactions, so they are
 * atomic even when several processes share the file.
 */
import Database from 'better-sqlite3';
import type { FederatedFile } from '../../src/core/federated-file.js';
import type { PieceManifest } from '../../src/core/protocol.js';
import { SERVER_SEEDER } from '../../src/core/protocol.js';
import type {
  BlobRecord,
  ClaimResult,
  ClaimedFile,
  CommitServerCopyInput,
  CommitServerCopyResult,
  FederatedFileRecord,
  FileQuery,
  FileSummary,
  MetadataStore,
  NewFile,
  ReleaseResult,
  RemovalResult,
  RemovedCopy,
  ServerSeed,
  ShareRecord,
  StorageClaim,
  StoredFile,
  UserStatus,
} from './metadata-store.js';

/** How long received envelope ids are kept to drop duplicates. */
const INBOX_RETENTION_MS = 7 * 24 * 60 * 60_000;

/** The database file name inside the data directory. */
export const DATABASE_FILE = 'chat-files.db';

/**
 * Schema migrations, applied in order and tracked in `PRAGMA user_version`. Later
 * features append a migration; never edit one that has shipped.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE files (
    id TEXT PRIMARY KEY,
    room_id TEXT NOT NULL,
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    mime_type TEXT NOT NULL,
    chunk_size INTEGER NOT NULL,
    total_chunks INTEGER NOT NULL,
    thumbnail TEXT,
    sender TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    md5 TEXT,
    sha256 TEXT,
    sanitized_name TEXT
  );
  CREATE INDEX files_by_room ON files(room_id, created_at);
  CREATE INDEX files_by_sender ON files(sender, created_at);

  -- Piece digests are stored raw (32 bytes each, concatenated): half the size of hex.
  CREATE TABLE file_manifests (
    file_id TEXT PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
    piece_size INTEGER NOT NULL,
    root TEXT NOT NULL,
    pieces BLOB NOT NULL,
    source TEXT NOT NULL
  );

  CREATE TABLE blobs (
    id TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    md5 TEXT NOT NULL,
    size INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  );

  CREATE TABLE file_seeds (
    id TEXT PRIMARY KEY,
    file_id TEXT NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    username TEXT NOT NULL,
    seeded_at INTEGER NOT NULL,
    stored INTEGER NOT NULL DEFAULT 0,
    permanent INTEGER NOT NULL DEFAULT 0,
    cached_at INTEGER,
    size INTEGER,
    md5 TEXT,
    storage_file_id TEXT REFERENCES blobs(id)
  );
  CREATE INDEX file_seeds_by_file ON file_seeds(file_id);
  CREATE INDEX file_seeds_by_blob ON file_seeds(storage_file_id);

  CREATE TABLE file_storage_claims (
    id TEXT PRIMARY KEY,
    file_id TEXT NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    username TEXT NOT NULL,
    claimed_at INTEGER NOT NULL,
    size INTEGER NOT NULL
  );
  CREATE INDEX claims_by_user ON file_storage_claims(username, claimed_at);
  CREATE INDEX claims_by_file ON file_storage_claims(file_id);

  CREATE TABLE file_user_status (
    username TEXT PRIMARY KEY,
    total_stored_bytes INTEGER NOT NULL DEFAULT 0,
    suspended INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
  );

  CREATE TABLE shares (
    id TEXT PRIMARY KEY,
    file_id TEXT NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    scope TEXT NOT NULL DEFAULT 'view',
    password_hash TEXT,
    expires_at INTEGER,
    revoked_at INTEGER,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX shares_by_file ON shares(file_id);
  `,
  // Federation: replay protection that survives a restart, the share each federated file
  // is offered through (once per file), received envelope ids (dedup), and the peers'
  // files this instance shows (metadata only, never bytes).
  `
  CREATE TABLE federation_nonces (
    origin TEXT NOT NULL,
    nonce TEXT NOT NULL,
    seen_at INTEGER NOT NULL,
    PRIMARY KEY (origin, nonce)
  ) WITHOUT ROWID;
  CREATE INDEX federation_nonces_by_time ON federation_nonces(seen_at);

  CREATE TABLE federation_outbox (
    file_id TEXT PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
    share_id TEXT NOT NULL REFERENCES shares(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL
  );

  CREATE TABLE federation_inbox (
    origin TEXT NOT NULL,
    envelope_id TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (origin, envelope_id)
  ) WITHOUT ROWID;
  CREATE INDEX federation_inbox_by_time ON federation_inbox(received_at);

  CREATE TABLE federated_files (
    id TEXT PRIMARY KEY,
    room_id TEXT NOT NULL,
    origin TEXT NOT NULL,
    origin_file_id TEXT NOT NULL,
    sender TEXT NOT NULL,
    file_json TEXT NOT NULL,
    revoked_at INTEGER,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX federated_files_by_origin ON federated_files(origin, origin_file_id);
  CREATE INDEX federated_files_by_room ON federated_files(room_id, created_at);
  `,
];

interface FileRow {
  id: string;
  room_id: string;
  name: string;
  size: number;
  mime_type: string;
  chunk_size: number;
  total_chunks: number;
  thumbnail: string | null;
  sender: string;
  created_at: number;
  md5: string | null;
  sha256: string | null;
  sanitized_name: string | null;
}

interface FederatedFileRow {
  id: string;
  room_id: string;
  origin: string;
  origin_file_id: string;
  sender: string;
  file_json: string;
  revoked_at: number | null;
  created_at: number;
}

const toFederatedFile = (row: FederatedFileRow): FederatedFileRecord => ({
  id: row.id,
  room_id: row.room_id,
  origin: row.origin,
  origin_file_id: row.origin_file_id,
  sender: row.sender,
  file: JSON.parse(row.file_json) as FederatedFile,
  revoked_at: row.revoked_at,
  created_at: row.created_at,
});

interface ManifestRow {
  file_id: string;
  piece_size: number;
  root: string;
  pieces: Buffer;
}

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

const DIGEST_BYTES = 32;

const encodePieces = (pieces: readonly string[]): Buffer =>
  Buffer.concat(pieces.map((digest) => Buffer.from(digest, 'hex')));

const decodeManifest = (row: ManifestRow): PieceManifest => {
  const pieces: string[] = [];
  for (let offset = 0; offset < row.pieces.length; offset += DIGEST_BYTES) {
    pieces.push(row.pieces.subarray(offset, offset + DIGEST_BYTES).toString('hex'));
  }
  return { piece_size: row.piece_size, pieces, root: row.root };
};

const toSeed = (row: SeedRow): ServerSeed => ({
  id: row.id,
  file_id: row.file_id,
  username: row.username,
  seeded_at: row.seeded_at,
  stored: row.stored === 1,
  permanent: row.permanent === 1,
  cached_at: row.cached_at,
  size: row.size,
  md5: row.md5,
  storage_file_id: row.storage_file_id,
});

const serverSeedId = (fileId: string) => `${fileId}:${SERVER_SEEDER}`;
const userKey = (fileId: string, username: string) => `${fileId}:${username}`;

// LIKE wildcards in a user's search text are literal characters, not patterns.
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** {@link MetadataStore} on a SQLite file. */
export class SqliteMetadataStore implements MetadataStore {
  private readonly db: Database.Database;
  private closed = false;
  private readonly statements;

  /** Opens (creating if needed) the database at `file` and applies pending migrations. */
  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    // Other processes on the same file wait for a write lock instead of failing at once.
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
    const db = this.db;
    this.statements = {
      insertFile: db.prepare(
        `INSERT INTO files (id, room_id, name, size, mime_type, chunk_size, total_chunks, thumbnail, sender, created_at)
         VALUES (@id, @room_id, @name, @size, @mime_type, @chunk_size, @total_chunks, @thumbnail, @sender, @created_at)`,
      ),
      deleteFile: db.prepare(`DELETE FROM files WHERE id = ?`),
      getFile: db.prepare(`SELECT * FROM files WHERE id = ?`),
      getFiles: db.prepare(`SELECT * FROM files WHERE id IN (SELECT value FROM json_each(?))`),
      getManifest: db.prepare(`SELECT * FROM file_manifests WHERE file_id = ?`),
      getManifests: db.prepare(
        `SELECT * FROM file_manifests WHERE file_id IN (SELECT value FROM json_each(?))`,
      ),
      insertManifest: db.prepare(
        `INSERT OR IGNORE INTO file_manifests (file_id, piece_size, root, pieces, source) VALUES (?, ?, ?, ?, ?)`,
      ),
      roomIds: db.prepare(`SELECT DISTINCT room_id FROM files`),
      upsertPeerSeed: db.prepare(
        `INSERT INTO file_seeds (id, file_id, username, seeded_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET seeded_at = excluded.seeded_at`,
      ),
      peerSeeders: db.prepare(
        `SELECT username FROM file_seeds WHERE file_id = ? AND username != '${SERVER_SEEDER}' ORDER BY seeded_at`,
      ),
      getServerSeed: db.prepare(`SELECT * FROM file_seeds WHERE id = ?`),
      getServerSeeds: db.prepare(
        `SELECT * FROM file_seeds WHERE id IN (SELECT value || ':${SERVER_SEEDER}' FROM json_each(?))`,
      ),
      insertServerSeed: db.prepare(
        `INSERT INTO file_seeds (id, file_id, username, seeded_at, stored, permanent, cached_at, size, md5, storage_file_id)
         VALUES (?, ?, '${SERVER_SEEDER}', ?, 1, 0, ?, ?, ?, ?)`,
      ),
      deleteSeed: db.prepare(`DELETE FROM file_seeds WHERE id = ?`),
      setPermanent: db.prepare(`UPDATE file_seeds SET permanent = ? WHERE id = ?`),
      serverSeedsOfBlob: db.prepare(
        `SELECT s.file_id, f.room_id FROM file_seeds s JOIN files f ON f.id = s.file_id WHERE s.storage_file_id = ?`,
      ),
      blobRefs: db.prepare(`SELECT COUNT(*) AS n FROM file_seeds WHERE storage_file_id = ?`),
      blobBySha: db.prepare(`SELECT * FROM blobs WHERE sha256 = ?`),
      insertBlob: db.prepare(
        `INSERT INTO blobs (id, sha256, md5, size, created_at) VALUES (@id, @sha256, @md5, @size, @created_at)`,
      ),
      deleteBlob: db.prepare(`DELETE FROM blobs WHERE id = ?`),
      blobIds: db.prepare(`SELECT id FROM blobs`),
      totalBytes: db.prepare(`SELECT COALESCE(SUM(size), 0) AS n FROM blobs`),
      pinnedBytes: db.prepare(
        `SELECT COALESCE(SUM(size), 0) AS n FROM blobs b
         WHERE EXISTS (SELECT 1 FROM file_seeds s WHERE s.storage_file_id = b.id AND s.permanent = 1)`,
      ),
      // Blobs no claimed copy uses, least recently cached first; blobs with no seed at all
      // (left by an interrupted removal) come first since nothing needs them.
      evictable: db.prepare(
        `SELECT b.id, b.size, COALESCE(MAX(s.cached_at), 0) AS last_cached
         FROM blobs b LEFT JOIN file_seeds s ON s.storage_file_id = b.id
         GROUP BY b.id
         HAVING COALESCE(MAX(s.permanent), 0) = 0
         ORDER BY last_cached ASC, b.created_at ASC`,
      ),
      expiredSeeds: db.prepare(
        `SELECT s.file_id FROM file_seeds s
         WHERE s.username = '${SERVER_SEEDER}' AND s.permanent = 0 AND s.cached_at < ?
           AND NOT EXISTS (SELECT 1 FROM file_storage_claims c WHERE c.file_id = s.file_id)`,
      ),
      setUploadFields: db.prepare(
        `UPDATE files SET md5 = ?, sha256 = ?, sanitized_name = ? WHERE id = ?`,
      ),
      getClaim: db.prepare(`SELECT * FROM file_storage_claims WHERE id = ?`),
      claimsOfFile: db.prepare(`SELECT * FROM file_storage_claims WHERE file_id = ?`),
      claimCount: db.prepare(`SELECT COUNT(*) AS n FROM file_storage_claims WHERE file_id = ?`),
      claimedIds: db.prepare(
        `SELECT file_id FROM file_storage_claims
         WHERE username = ? AND file_id IN (SELECT value FROM json_each(?))`,
      ),
      listClaims: db.prepare(
        `SELECT c.*, f.name, f.room_id, f.created_at FROM file_storage_claims c
         JOIN files f ON f.id = c.file_id WHERE c.username = ? ORDER BY c.claimed_at DESC`,
      ),
      insertClaim: db.prepare(
        `INSERT INTO file_storage_claims (id, file_id, username, claimed_at, size) VALUES (?, ?, ?, ?, ?)`,
      ),
      deleteClaim: db.prepare(`DELETE FROM file_storage_claims WHERE id = ?`),
      getStatus: db.prepare(`SELECT * FROM file_user_status WHERE username = ?`),
      addToTotal: db.prepare(
        `INSERT INTO file_user_status (username, total_stored_bytes, updated_at) VALUES (?, MAX(?, 0), ?)
         ON CONFLICT(username) DO UPDATE SET
           total_stored_bytes = MAX(file_user_status.total_stored_bytes + ?, 0),
           updated_at = excluded.updated_at`,
      ),
      setSuspended: db.prepare(
        `INSERT INTO file_user_status (username, suspended, updated_at) VALUES (?, ?, ?)
         ON CONFLICT(username) DO UPDATE SET suspended = excluded.suspended, updated_at = excluded.updated_at`,
      ),
      insertShare: db.prepare(
        `INSERT INTO shares (id, file_id, token_hash, scope, password_hash, expires_at, revoked_at, created_by, created_at)
         VALUES (@id, @file_id, @token_hash, @scope, @password_hash, @expires_at, @revoked_at, @created_by, @created_at)`,
      ),
      shareByToken: db.prepare(`SELECT * FROM shares WHERE token_hash = ?`),
      deleteShare: db.prepare(`DELETE FROM shares WHERE id = ?`),
      revokedShareOfFile: db.prepare(
        `SELECT 1 FROM shares WHERE file_id = ? AND revoked_at IS NOT NULL LIMIT 1`,
      ),
      revokeShares: db.prepare(
        `UPDATE shares SET revoked_at = ? WHERE file_id = ? AND revoked_at IS NULL`,
      ),
      claimOutbox: db.prepare(
        `INSERT OR IGNORE INTO federation_outbox (file_id, share_id, created_at) VALUES (?, ?, ?)`,
      ),
      forgetNonces: db.prepare(`DELETE FROM federation_nonces WHERE seen_at < ?`),
      insertNonce: db.prepare(
        `INSERT OR IGNORE INTO federation_nonces (origin, nonce, seen_at) VALUES (?, ?, ?)`,
      ),
      insertInbox: db.prepare(
        `INSERT OR IGNORE INTO federation_inbox (origin, envelope_id, received_at) VALUES (?, ?, ?)`,
      ),
      forgetInbox: db.prepare(`DELETE FROM federation_inbox WHERE received_at < ?`),
      deleteInbox: db.prepare(`DELETE FROM federation_inbox WHERE origin = ? AND envelope_id = ?`),
      insertFederatedFile: db.prepare(
        `INSERT INTO federated_files (id, room_id, origin, origin_file_id, sender, file_json, revoked_at, created_at)
         VALUES (@id, @room_id, @origin, @origin_file_id, @sender, @file_json, @revoked_at, @created_at)`,
      ),
      getFederatedFile: db.prepare(`SELECT * FROM federated_files WHERE id = ?`),
      deleteFederatedFile: db.prepare(`DELETE FROM federated_files WHERE id = ?`),
      unrevokedFederatedFiles: db.prepare(
        `SELECT * FROM federated_files
         WHERE origin = ? AND origin_file_id = ? AND room_id = ? AND revoked_at IS NULL`,
      ),
      revokeFederatedFile: db.prepare(`UPDATE federated_files SET revoked_at = ? WHERE id = ?`),
      federatedFilesOfRooms: db.prepare(
        `SELECT * FROM federated_files WHERE room_id IN (SELECT value FROM json_each(?))
         ORDER BY created_at DESC, rowid DESC LIMIT ?`,
      ),
    };
  }

  private migrate(): void {
    const current = this.db.pragma('user_version', { simple: true }) as number;
    if (current > MIGRATIONS.length) {
      throw new Error(
        `chat-files database schema version ${current} is newer than this server (${MIGRATIONS.length}); upgrade the server`,
      );
    }
    for (let version = current; version < MIGRATIONS.length; version++) {
      this.db
        .transaction(() => {
          this.db.exec(MIGRATIONS[version]!);
          this.db.pragma(`user_version = ${version + 1}`);
        })
        .immediate();
    }
  }

  private withManifests(rows: FileRow[]): StoredFile[] {
    if (rows.length === 0) return [];
    const manifests = new Map<string, PieceManifest>();
    const manifestRows =
      rows.length === 1
        ? ([this.statements.getManifest.get(rows[0]!.id)].filter(Boolean) as ManifestRow[])
        : (this.statements.getManifests.all(
            JSON.stringify(rows.map((r) => r.id)),
          ) as ManifestRow[]);
    for (const row of manifestRows) manifests.set(row.file_id, decodeManifest(row));
    return rows.map((row) => ({ ...row, manifest: manifests.get(row.id) ?? null }));
  }

  /** Adds `delta` to a user's stored total, never going below zero. */
  private addToTotal(username: string, delta: number, now: number): void {
    this.statements.addToTotal.run(username, delta, now, delta);
  }

  private totalOf(username: string): number {
    const row = this.statements.getStatus.get(username) as
      { total_stored_bytes: number } | undefined;
    return row?.total_stored_bytes ?? 0;
  }

  /**
   * Deletes a file's server seed, refunding any claims on it, and the blob when nothing
   * else refers to it. Runs inside the caller's transaction.
   */
  private dropServerSeed(fileId: string, now: number, result: RemovalResult): void {
    const seed = this.statements.getServerSeed.get(serverSeedId(fileId)) as SeedRow | undefined;
    if (!seed) return;
    for (const claim of this.statements.claimsOfFile.all(fileId) as StorageClaim[]) {
      this.statements.deleteClaim.run(claim.id);
      this.addToTotal(claim.username, -claim.size, now);
    }
    this.statements.deleteSeed.run(seed.id);
    const file = this.statements.getFile.get(fileId) as FileRow | undefined;
    result.removed.push({ file_id: fileId, room_id: file?.room_id ?? '' });
    this.releaseBlobIfUnused(seed.storage_file_id, result);
  }

  private releaseBlobIfUnused(blobId: string, result: RemovalResult): void {
    const { n } = this.statements.blobRefs.get(blobId) as { n: number };
    if (n === 0) {
      this.statements.deleteBlob.run(blobId);
      result.freed_blob_ids.push(blobId);
    }
  }

  /**
   * Evicts whole blobs (every unclaimed copy using them), oldest first, until `needed`
   * bytes are free. With `allOrNothing`, evicts nothing when that cannot be reached.
   * Returns whether `needed` bytes were freed.
   */
  private evict(
    needed: number,
    now: number,
    result: RemovalResult,
    allOrNothing: boolean,
  ): boolean {
    const candidates = this.statements.evictable.all() as Array<{ id: string; size: number }>;
    const chosen: string[] = [];
    let freed = 0;
    for (const candidate of candidates) {
      if (freed >= needed) break;
      chosen.push(candidate.id);
      freed += candidate.size;
    }
    if (freed < needed && allOrNothing) return false;
    for (const blobId of chosen) {
      const users = this.statements.serverSeedsOfBlob.all(blobId) as RemovedCopy[];
      for (const { file_id } of users) this.dropServerSeed(file_id, now, result);
      // A blob with no seed at all is not released by dropServerSeed.
      if (users.length === 0) this.releaseBlobIfUnused(blobId, result);
    }
    return freed >= needed;
  }

  async createFile(file: NewFile): Promise<void> {
    this.db
      .transaction(() => {
        this.statements.insertFile.run({
          id: file.id,
          room_id: file.room_id,
          name: file.name,
          size: file.size,
          mime_type: file.mime_type,
          chunk_size: file.chunk_size,
          total_chunks: file.total_chunks,
          thumbnail: file.thumbnail,
          sender: file.sender,
          created_at: file.created_at,
        });
        if (file.manifest) {
          this.statements.insertManifest.run(
            file.id,
            file.manifest.piece_size,
            file.manifest.root,
            encodePieces(file.manifest.pieces),
            'sharer',
          );
        }
        this.statements.upsertPeerSeed.run(
          userKey(file.id, file.sender),
          file.id,
          file.sender,
          file.created_at,
        );
      })
      .immediate();
  }

  async deleteFile(fileId: string): Promise<RemovalResult> {
    const result: RemovalResult = { removed: [], freed_blob_ids: [] };
    this.db
      .transaction(() => {
        this.dropServerSeed(fileId, Date.now(), result);
        this.statements.deleteFile.run(fileId);
      })
      .immediate();
    return result;
  }

  async getFile(fileId: string): Promise<StoredFile | null> {
    const row = this.statements.getFile.get(fileId) as FileRow | undefined;
    return row ? this.withManifests([row])[0]! : null;
  }

  async getFiles(fileIds: readonly string[]): Promise<StoredFile[]> {
    if (fileIds.length === 0) return [];
    return this.withManifests(
      this.statements.getFiles.all(JSON.stringify([...new Set(fileIds)])) as FileRow[],
    );
  }

  async listFiles(query: FileQuery): Promise<FileSummary[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const scope: string[] = [];
    if (query.room_ids && query.room_ids.length > 0) {
      scope.push(`room_id IN (SELECT value FROM json_each(?))`);
      params.push(JSON.stringify(query.room_ids));
    }
    if (query.sender !== undefined) {
      scope.push(`sender = ?`);
      params.push(query.sender);
    }
    if (scope.length === 0) return [];
    where.push(`(${scope.join(' OR ')})`);
    if (query.search) {
      where.push(`name LIKE ? ESCAPE '\\'`);
      params.push(likePattern(query.search));
    }
    params.push(query.limit);
    return this.db
      .prepare(
        `SELECT * FROM files WHERE ${where.join(' AND ')} ORDER BY created_at DESC, rowid DESC LIMIT ?`,
      )
      .all(...params) as FileSummary[];
  }

  async roomIdsWithFiles(): Promise<string[]> {
    return (this.statements.roomIds.all() as Array<{ room_id: string }>).map((r) => r.room_id);
  }

  async addPeerSeed(fileId: string, username: string, now: number): Promise<void> {
    this.statements.upsertPeerSeed.run(userKey(fileId, username), fileId, username, now);
  }

  async peerSeeders(fileId: string): Promise<string[]> {
    return (this.statements.peerSeeders.all(fileId) as Array<{ username: string }>).map(
      (r) => r.username,
    );
  }

  async getServerSeed(fileId: string): Promise<ServerSeed | null> {
    const row = this.statements.getServerSeed.get(serverSeedId(fileId)) as SeedRow | undefined;
    return row ? toSeed(row) : null;
  }

  async getServerSeeds(fileIds: readonly string[]): Promise<Map<string, ServerSeed>> {
    const seeds = new Map<string, ServerSeed>();
    if (fileIds.length === 0) return seeds;
    for (const row of this.statements.getServerSeeds.all(JSON.stringify(fileIds)) as SeedRow[]) {
      seeds.set(row.file_id, toSeed(row));
    }
    return seeds;
  }

  async findBlobBySha256(sha256: string): Promise<BlobRecord | null> {
    return (this.statements.blobBySha.get(sha256) as BlobRecord | undefined) ?? null;
  }

  async commitServerCopy(input: CommitServerCopyInput): Promise<CommitServerCopyResult> {
    return this.db
      .transaction((): CommitServerCopyResult => {
        const s = this.statements;
        const file = s.getFile.get(input.file_id) as FileRow | undefined;
        if (!file) return { status: 'missing_file', unused_blob_id: input.blob.id };
        const removal: RemovalResult = { removed: [], freed_blob_ids: [] };
        const existingSeed = s.getServerSeed.get(serverSeedId(input.file_id)) as
          SeedRow | undefined;
        if (existingSeed) {
          return {
            status: 'stored',
            storage_file_id: existingSeed.storage_file_id,
            deduped: true,
            unused_blob_id: input.blob.id,
            seed: toSeed(existingSeed),
            ...removal,
          };
        }
        let blobId = input.blob.id;
        let deduped = false;
        const twin = s.blobBySha.get(input.blob.sha256) as BlobRecord | undefined;
        if (twin) {
          blobId = twin.id;
          deduped = true;
        } else {
          const { n: total } = s.totalBytes.get() as { n: number };
          const needed = total + input.blob.size - input.max_total_bytes;
          if (needed > 0 && !this.evict(needed, input.now, removal, true)) {
            const { n: pinned } = s.pinnedBytes.get() as { n: number };
            return { status: 'full', pinned_bytes: pinned, unused_blob_id: input.blob.id };
          }
          s.insertBlob.run(input.blob);
        }
        s.insertServerSeed.run(
          serverSeedId(input.file_id),
          input.file_id,
          input.now,
          input.now,
          input.blob.size,
          input.blob.md5,
          blobId,
        );
        s.setUploadFields.run(
          input.blob.md5,
          input.blob.sha256,
          input.sanitized_name,
          input.file_id,
        );
        s.insertManifest.run(
          input.file_id,
          input.manifest.piece_size,
          input.manifest.root,
          encodePieces(input.manifest.pieces),
          'server',
        );
        const seed = toSeed(s.getServerSeed.get(serverSeedId(input.file_id)) as SeedRow);
        return {
          status: 'stored',
          storage_file_id: blobId,
          deduped,
          unused_blob_id: deduped ? input.blob.id : null,
          seed,
          ...removal,
        };
      })
      .immediate();
  }

  async removeServerCopy(
    fileId: string,
    { onlyIfUnclaimed }: { onlyIfUnclaimed: boolean },
  ): Promise<RemovalResult> {
    const result: RemovalResult = { removed: [], freed_blob_ids: [] };
    this.db
      .transaction(() => {
        if (onlyIfUnclaimed && (this.statements.claimCount.get(fileId) as { n: number }).n > 0) {
          return;
        }
        this.dropServerSeed(fileId, Date.now(), result);
      })
      .immediate();
    return result;
  }

  async expireUnclaimed(cutoff: number): Promise<RemovalResult> {
    const result: RemovalResult = { removed: [], freed_blob_ids: [] };
    this.db
      .transaction(() => {
        const expired = this.statements.expiredSeeds.all(cutoff) as Array<{ file_id: string }>;
        for (const { file_id } of expired) this.dropServerSeed(file_id, Date.now(), result);
      })
      .immediate();
    return result;
  }

  async enforceCap(maxTotalBytes: number): Promise<RemovalResult> {
    const result: RemovalResult = { removed: [], freed_blob_ids: [] };
    this.db
      .transaction(() => {
        const { n: total } = this.statements.totalBytes.get() as { n: number };
        const needed = total - maxTotalBytes;
        // When the cap was lowered below what claimed files use, evicting every
        // unclaimed copy is still the closest the store can get to it.
        if (needed > 0) this.evict(needed, Date.now(), result, false);
      })
      .immediate();
    return result;
  }

  async storageUsage(): Promise<{ total_bytes: number; pinned_bytes: number }> {
    const { n: total } = this.statements.totalBytes.get() as { n: number };
    const { n: pinned } = this.statements.pinnedBytes.get() as { n: number };
    return { total_bytes: total, pinned_bytes: pinned };
  }

  async blobIds(): Promise<string[]> {
    return (this.statements.blobIds.all() as Array<{ id: string }>).map((r) => r.id);
  }

  async dropBlobs(blobIds: readonly string[]): Promise<RemovalResult> {
    const result: RemovalResult = { removed: [], freed_blob_ids: [] };
    this.db
      .transaction(() => {
        for (const blobId of blobIds) {
          const users = this.statements.serverSeedsOfBlob.all(blobId) as RemovedCopy[];
          for (const { file_id } of users) this.dropServerSeed(file_id, Date.now(), result);
          this.releaseBlobIfUnused(blobId, result);
        }
      })
      .immediate();
    return result;
  }

  async setManifest(fileId: string, manifest: PieceManifest): Promise<void> {
    this.statements.insertManifest.run(
      fileId,
      manifest.piece_size,
      manifest.root,
      encodePieces(manifest.pieces),
      'server',
    );
  }

  async getClaim(fileId: string, username: string): Promise<StorageClaim | null> {
    return (
      (this.statements.getClaim.get(userKey(fileId, username)) as StorageClaim | undefined) ?? null
    );
  }

  async claimedFileIds(fileIds: readonly string[], username: string): Promise<Set<string>> {
    if (fileIds.length === 0) return new Set();
    const rows = this.statements.claimedIds.all(username, JSON.stringify(fileIds)) as Array<{
      file_id: string;
    }>;
    return new Set(rows.map((r) => r.file_id));
  }

  async listClaims(username: string): Promise<ClaimedFile[]> {
    return this.statements.listClaims.all(username) as ClaimedFile[];
  }

  async getUserStatus(username: string): Promise<UserStatus> {
    const row = this.statements.getStatus.get(username) as
      { total_stored_bytes: number; suspended: number } | undefined;
    return {
      username,
      total_stored_bytes: row?.total_stored_bytes ?? 0,
      suspended: row?.suspended === 1,
    };
  }

  async setSuspended(username: string, suspended: boolean, now: number): Promise<void> {
    this.statements.setSuspended.run(username, suspended ? 1 : 0, now);
  }

  async claimStorage(input: {
    file_id: string;
    username: string;
    limit: number;
    now: number;
  }): Promise<ClaimResult> {
    return this.db
      .transaction((): ClaimResult => {
        const s = this.statements;
        const seed = s.getServerSeed.get(serverSeedId(input.file_id)) as SeedRow | undefined;
        if (!seed) return { status: 'no_server_copy' };
        const total = this.totalOf(input.username);
        if (s.getClaim.get(userKey(input.file_id, input.username))) {
          return { status: 'already_claimed', total_stored_bytes: total };
        }
        const status = s.getStatus.get(input.username) as { suspended: number } | undefined;
        if (status?.suspended === 1) return { status: 'suspended' };
        if (total + seed.size > input.limit) {
          return { status: 'over_quota', total_stored_bytes: total };
        }
        s.insertClaim.run(
          userKey(input.file_id, input.username),
          input.file_id,
          input.username,
          input.now,
          seed.size,
        );
        this.addToTotal(input.username, seed.size, input.now);
        s.setPermanent.run(1, seed.id);
        return { status: 'claimed', total_stored_bytes: total + seed.size };
      })
      .immediate();
  }

  async releaseClaim(input: {
    file_id: string;
    username: string;
    now: number;
  }): Promise<ReleaseResult> {
    return this.db
      .transaction((): ReleaseResult => {
        const s = this.statements;
        const claim = s.getClaim.get(userKey(input.file_id, input.username)) as
          StorageClaim | undefined;
        if (claim) {
          s.deleteClaim.run(claim.id);
          this.addToTotal(input.username, -claim.size, input.now);
        }
        const { n: remaining } = s.claimCount.get(input.file_id) as { n: number };
        if (remaining === 0) s.setPermanent.run(0, serverSeedId(input.file_id));
        return {
          released: claim !== undefined,
          total_stored_bytes: this.totalOf(input.username),
          remaining_claims: remaining,
        };
      })
      .immediate();
  }

  async createShare(share: ShareRecord): Promise<void> {
    this.statements.insertShare.run(share);
  }

  async findShareByTokenHash(tokenHash: string): Promise<ShareRecord | null> {
    return (this.statements.shareByToken.get(tokenHash) as ShareRecord | undefined) ?? null;
  }

  async revokeShares(fileId: string, now: number): Promise<number> {
    return this.statements.revokeShares.run(now, fileId).changes;
  }

  async createFederationShare(share: ShareRecord): Promise<boolean> {
    return this.db
      .transaction((): boolean => {
        // A file its sender revoked is never offered again (a re-upload must not undo it).
        if (this.statements.revokedShareOfFile.get(share.file_id)) return false;
        // The share row must exist before the outbox row refers to it; a file that is
        // already federated rolls both back.
        this.statements.insertShare.run(share);
        const claimed = this.statements.claimOutbox.run(share.file_id, share.id, share.created_at);
        if (claimed.changes === 0) {
          this.statements.deleteShare.run(share.id);
          return false;
        }
        return true;
      })
      .immediate();
  }

  async claimNonce(
    origin: string,
    nonce: string,
    now: number,
    forgetBefore: number,
  ): Promise<boolean> {
    return this.db
      .transaction((): boolean => {
        this.statements.forgetNonces.run(forgetBefore);
        return this.statements.insertNonce.run(origin, nonce, now).changes === 1;
      })
      .immediate();
  }

  async recordInboundEnvelope(origin: string, envelopeId: string, now: number): Promise<boolean> {
    return this.db
      .transaction((): boolean => {
        // Duplicates come from retries, minutes apart; a week of ids is plenty.
        this.statements.forgetInbox.run(now - INBOX_RETENTION_MS);
        return this.statements.insertInbox.run(origin, envelopeId, now).changes === 1;
      })
      .immediate();
  }

  async forgetInboundEnvelope(origin: string, envelopeId: string): Promise<void> {
    this.statements.deleteInbox.run(origin, envelopeId);
  }

  async createFederatedFile(record: FederatedFileRecord): Promise<void> {
    this.statements.insertFederatedFile.run({
      id: record.id,
      room_id: record.room_id,
      origin: record.origin,
      origin_file_id: record.origin_file_id,
      sender: record.sender,
      file_json: JSON.stringify(record.file),
      revoked_at: record.revoked_at,
      created_at: record.created_at,
    });
  }

  async getFederatedFile(id: string): Promise<FederatedFileRecord | null> {
    const row = this.statements.getFederatedFile.get(id) as FederatedFileRow | undefined;
    return row ? toFederatedFile(row) : null;
  }

  async deleteFederatedFile(id: string): Promise<void> {
    this.statements.deleteFederatedFile.run(id);
  }

  async revokeFederatedFiles(input: {
    origin: string;
    origin_file_id: string;
    room_id: string;
    now: number;
  }): Promise<FederatedFileRecord[]> {
    return this.db
      .transaction((): FederatedFileRecord[] => {
        const rows = this.statements.unrevokedFederatedFiles.all(
          input.origin,
          input.origin_file_id,
          input.room_id,
        ) as FederatedFileRow[];
        for (const row of rows) this.statements.revokeFederatedFile.run(input.now, row.id);
        return rows.map((row) => toFederatedFile({ ...row, revoked_at: input.now }));
      })
      .immediate();
  }

  async listFederatedFiles(
    roomIds: readonly string[],
    limit: number,
  ): Promise<FederatedFileRecord[]> {
    if (roomIds.length === 0) return [];
    return (
      this.statements.federatedFilesOfRooms.all(
        JSON.stringify(roomIds),
        limit,
      ) as FederatedFileRow[]
    ).map(toFederatedFile);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}
