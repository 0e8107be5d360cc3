import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
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

describe('SqliteMetadataStore', () => {
  it('uses WAL, records its schema version and keeps data across reopening', async () => {
    const dir = tempDir();
    const file = path.join(dir, DATABASE_FILE);
    try {
      const store = new SqliteMetadataStore(file);
      const record = newFile();
      await store.createFile(record);
      await store.close();
      await store.close();

      const raw = new Database(file, { readonly: true });
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(raw.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
      const tables = (
        raw.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as Array<{
          name: string;
        }>
      ).map((t) => t.name);
      expect(tables).toEqual(
        expect.arrayContaining([
          'files',
          'file_seeds',
          'file_storage_claims',
          'file_user_status',
          'file_manifests',
          'blobs',
          'shares',
        ]),
      );
      raw.close();

      const reopened = new SqliteMetadataStore(file);
      expect((await reopened.getFile(record.id))?.name).toBe(record.name);
      await reopened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a database written by a newer server', () => {
    const dir = tempDir();
    const file = path.join(dir, DATABASE_FILE);
    try {
      const raw = new Database(file);
      raw.pragma(`user_version = ${MIGRATIONS.length + 1}`);
      raw.close();
      expect(() => new SqliteMetadataStore(file)).toThrow(/newer than this server/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
