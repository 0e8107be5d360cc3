/**
 * {@link FileStore} in SQL: the `files`, `file_manifests` and peer rows of `file_seeds`.
 * Piece digests are stored raw (32 bytes each, concatenated): half the size of hex.
 */
import type { PieceManifest } from '../../src/core/wire/protocol.js';
import { SERVER_SEEDER } from '../../src/core/wire/protocol.js';
import {
  userKey,
  type FileQuery,
  type FileStore,
  type FileSummary,
  type NewFile,
  type StoredFile,
} from './metadata-store.js';
import type { SqlDatabase } from './sql-database.js';

/** A row of `files`: the file record, without the manifest kept in its own table. */
type FileRow = FileSummary;

interface ManifestRow {
  file_id: string;
  piece_size: number;
  root: string;
  pieces: Buffer;
}

const FILE_COLUMNS =
  'id, room_id, name, size, mime_type, chunk_size, total_chunks, thumbnail, sender, created_at, md5, sha256, sanitized_name';

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

// LIKE wildcards in a user's search text are literal characters, not patterns.
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

const INSERT_MANIFEST = `INSERT INTO file_manifests (file_id, piece_size, root, pieces, source)
  VALUES (?, ?, ?, ?, ?) ON CONFLICT (file_id) DO NOTHING`;

const UPSERT_PEER_SEED = `INSERT INTO file_seeds (id, file_id, username, seeded_at) VALUES (?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET seeded_at = excluded.seeded_at`;

/** {@link FileStore} on a {@link SqlDatabase}. */
export class SqlFileStore implements FileStore {
  constructor(private readonly db: SqlDatabase) {}

  create(file: NewFile): Promise<void> {
    return this.db.atomic(async (db) => {
      await db.run(
        `INSERT INTO files (id, room_id, name, size, mime_type, chunk_size, total_chunks, thumbnail, sender, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          file.id,
          file.room_id,
          file.name,
          file.size,
          file.mime_type,
          file.chunk_size,
          file.total_chunks,
          file.thumbnail,
          file.sender,
          file.created_at,
        ],
      );
      if (file.manifest) {
        const m = file.manifest;
        await db.run(INSERT_MANIFEST, [
          file.id,
          m.piece_size,
          m.root,
          encodePieces(m.pieces),
          'sharer',
        ]);
      }
      await db.run(UPSERT_PEER_SEED, [
        userKey(file.id, file.sender),
        file.id,
        file.sender,
        file.created_at,
      ]);
    });
  }

  async delete(fileId: string): Promise<void> {
    await this.db.run(`DELETE FROM files WHERE id = ?`, [fileId]);
  }

  async get(fileId: string): Promise<StoredFile | null> {
    const row = await this.db.get<FileRow>(`SELECT ${FILE_COLUMNS} FROM files WHERE id = ?`, [
      fileId,
    ]);
    return row ? (await this.withManifests([row]))[0]! : null;
  }

  async getMany(fileIds: readonly string[]): Promise<StoredFile[]> {
    if (fileIds.length === 0) return [];
    const ids = this.db.dialect.inList('id', [...new Set(fileIds)]);
    const rows = await this.db.all<FileRow>(`SELECT ${FILE_COLUMNS} FROM files WHERE ${ids.sql}`, [
      ids.param,
    ]);
    return this.withManifests(rows);
  }

  async list(query: FileQuery): Promise<FileSummary[]> {
    const { dialect } = this.db;
    const params: unknown[] = [];
    const scope: string[] = [];
    if (query.room_ids && query.room_ids.length > 0) {
      const rooms = dialect.inList('room_id', query.room_ids);
      scope.push(rooms.sql);
      params.push(rooms.param);
    }
    if (query.sender !== undefined) {
      scope.push(`sender = ?`);
      params.push(query.sender);
    }
    if (scope.length === 0) return [];
    const where = [`(${scope.join(' OR ')})`];
    if (query.search) {
      where.push(`name ${dialect.ilike} ? ESCAPE '\\'`);
      params.push(likePattern(query.search));
    }
    params.push(query.limit);
    return this.db.all<FileSummary>(
      `SELECT ${FILE_COLUMNS} FROM files WHERE ${where.join(' AND ')}
       ORDER BY created_at DESC, ${dialect.insertionOrder} DESC LIMIT ?`,
      params,
    );
  }

  async roomIds(): Promise<string[]> {
    const rows = await this.db.all<{ room_id: string }>(`SELECT DISTINCT room_id FROM files`);
    return rows.map((r) => r.room_id);
  }

  async setManifest(
    fileId: string,
    manifest: PieceManifest,
    source: 'sharer' | 'server',
  ): Promise<void> {
    await this.db.run(INSERT_MANIFEST, [
      fileId,
      manifest.piece_size,
      manifest.root,
      encodePieces(manifest.pieces),
      source,
    ]);
  }

  async setContentDigest(
    fileId: string,
    digest: { md5: string; sha256: string; sanitized_name: string },
  ): Promise<void> {
    await this.db.run(`UPDATE files SET md5 = ?, sha256 = ?, sanitized_name = ? WHERE id = ?`, [
      digest.md5,
      digest.sha256,
      digest.sanitized_name,
      fileId,
    ]);
  }

  async addPeerSeed(fileId: string, username: string, now: number): Promise<void> {
    await this.db.run(UPSERT_PEER_SEED, [userKey(fileId, username), fileId, username, now]);
  }

  async peerSeeders(fileId: string): Promise<string[]> {
    const rows = await this.db.all<{ username: string }>(
      `SELECT username FROM file_seeds WHERE file_id = ? AND username <> ? ORDER BY seeded_at, id`,
      [fileId, SERVER_SEEDER],
    );
    return rows.map((r) => r.username);
  }

  private async withManifests(rows: FileRow[]): Promise<StoredFile[]> {
    if (rows.length === 0) return [];
    const ids = this.db.dialect.inList(
      'file_id',
      rows.map((r) => r.id),
    );
    const manifests = new Map<string, PieceManifest>();
    const manifestRows = await this.db.all<ManifestRow>(
      `SELECT file_id, piece_size, root, pieces FROM file_manifests WHERE ${ids.sql}`,
      [ids.param],
    );
    for (const row of manifestRows) manifests.set(row.file_id, decodeManifest(row));
    return rows.map((row) => ({ ...row, manifest: manifests.get(row.id) ?? null }));
  }
}
