import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ChatFilesError } from '../../../../server/errors.js';
import {
  DATABASE_FILE,
  MIGRATIONS,
  SqliteMetadataStore,
} from '../../../../server/store/sqlite-store.js';
import { newFile, runMetadataStoreContract } from './metadata-store.contract.js';

const tempDir = () => mkdtempSync(path.join(tmpdir(), 'chat-files-store-'));

runMetadataStoreContract('SqliteMetadataStore', async () => {
  const dir = tempDir();
  const store = new SqliteMetadataStore(path.join(dir, DATABASE_FILE));
  return {
    store,
    async dispose() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

const tableNames = (raw: Database.Database) =>
  (
    raw.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as Array<{
      name: string;
    }>
  ).map((t) => t.name);

describe('SqliteMetadataStore', () => {
  it('uses WAL, records its migrations and keeps data across reopening', async () => {
    const dir = tempDir();
    const file = path.join(dir, DATABASE_FILE);
    try {
      const store = new SqliteMetadataStore(file, { now: () => 4242 });
      const record = newFile();
      await store.files.create(record);
      await store.close();
      await store.close();

      const raw = new Database(file, { readonly: true });
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(raw.prepare(`SELECT version, applied_at FROM schema_migrations`).all()).toEqual(
        MIGRATIONS.map((_, i) => ({ version: i + 1, applied_at: 4242 })),
      );
      expect(tableNames(raw)).toEqual(
        expect.arrayContaining([
          'files',
          'file_seeds',
          'file_storage_claims',
          'file_user_status',
          'file_manifests',
          'blobs',
          'shares',
          'federation_offers',
          'federation_outbox',
          'shared_secrets',
        ]),
      );
      raw.close();

      const reopened = new SqliteMetadataStore(file);
      expect((await reopened.files.get(record.id))?.name).toBe(record.name);
      await reopened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('upgrades a database that recorded its version in user_version, keeping its rows', async () => {
    const dir = tempDir();
    const file = path.join(dir, DATABASE_FILE);
    try {
      const raw = new Database(file);
      raw.exec(MIGRATIONS[0]!);
      raw.exec(MIGRATIONS[1]!);
      raw.pragma('user_version = 2');
      raw
        .prepare(
          `INSERT INTO files (id, room_id, name, size, mime_type, chunk_size, total_chunks, sender, created_at)
           VALUES ('old', 'r', 'old.txt', 1, 'text/plain', 1, 1, 'alice', 1)`,
        )
        .run();
      // A file revoked in an older database, where only its revoked link records it.
      raw
        .prepare(
          `INSERT INTO shares (id, file_id, token_hash, expires_at, revoked_at, created_by, created_at)
           VALUES ('s', 'old', 'h', NULL, 5, 'alice', 1)`,
        )
        .run();
      raw.close();

      const store = new SqliteMetadataStore(file);
      expect((await store.files.get('old'))?.name).toBe('old.txt');
      expect(await store.shares.hasRevoked('old')).toBe(true);
      await store.federation.enqueue([
        {
          id: 'e',
          peer: 'http://a',
          envelope: '{}',
          attempts: 0,
          next_attempt_at: 1,
          created_at: 1,
        },
      ]);
      await store.close();
      const check = new Database(file, { readonly: true });
      expect(check.prepare(`SELECT MAX(version) AS v FROM schema_migrations`).get()).toEqual({
        v: MIGRATIONS.length,
      });
      check.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a database written by a newer server', () => {
    const dir = tempDir();
    const file = path.join(dir, DATABASE_FILE);
    try {
      const raw = new Database(file);
      raw.exec(
        `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`,
      );
      raw.prepare(`INSERT INTO schema_migrations VALUES (?, 1)`).run(MIGRATIONS.length + 1);
      raw.close();
      expect(() => new SqliteMetadataStore(file)).toThrow(/newer than this server/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers ERR_STORAGE_FULL (507) when the database cannot grow', async () => {
    const dir = tempDir();
    const file = path.join(dir, DATABASE_FILE);
    try {
      const store = new SqliteMetadataStore(file);
      // Cap the file at its current size: the next pages cannot be allocated.
      const raw = new Database(file);
      const pages = raw.pragma('page_count', { simple: true }) as number;
      raw.close();
      (store as unknown as { db: Database.Database }).db.pragma(`max_page_count = ${pages}`);
      const error = await store.files
        .create(newFile({ name: 'x'.repeat(200_000) }))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ChatFilesError);
      expect(error).toMatchObject({ code: 'ERR_STORAGE_FULL', status: 507 });
      // The store still answers afterwards.
      expect(await store.files.get('nothing')).toBeNull();
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
