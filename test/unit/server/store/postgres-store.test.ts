import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimStorage } from '../../../../server/quota.js';
import { commitServerCopy } from '../../../../server/server-copies.js';
import {
  POSTGRES_MIGRATIONS,
  PostgresMetadataStore,
} from '../../../../server/store/postgres-store.js';
import { createDatabase, startPostgres, type TestService } from '../../../support/services.js';
import { manifestOf } from '../support/helpers.js';
import { blobFor, newFile, runMetadataStoreContract } from './metadata-store.contract.js';

let postgres: TestService;
beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(() => postgres?.stop());

runMetadataStoreContract('PostgresMetadataStore', async () => {
  const store = new PostgresMetadataStore({
    connectionString: await createDatabase(postgres.url),
  });
  return { store, dispose: () => store.close() };
});

/** `count` stores on one fresh database: one pool each, as separate nodes would have. */
async function nodes(count: number): Promise<PostgresMetadataStore[]> {
  const url = await createDatabase(postgres.url);
  return Array.from({ length: count }, () => new PostgresMetadataStore({ connectionString: url }));
}

const closeAll = (stores: PostgresMetadataStore[]) => Promise.all(stores.map((s) => s.close()));

const commit = (store: PostgresMetadataStore, fileId: string, blob = blobFor(1)) =>
  commitServerCopy(store, {
    file_id: fileId,
    blob,
    manifest: manifestOf(Buffer.alloc(0)),
    sanitized_name: 'safe.txt',
    now: 5000,
    max_total_bytes: 1e12,
  });

describe('PostgresMetadataStore across nodes', () => {
  it('lets exactly 3 of 12 concurrent claims on 3 nodes pass a 3-file tier', async () => {
    const [a, b, c] = await nodes(3);
    const stores = [a!, b!, c!];
    try {
      const files = Array.from({ length: 12 }, () => newFile({ size: 100 }));
      for (const [i, file] of files.entries()) {
        await a!.files.create(file);
        await commit(a!, file.id, blobFor(100 + i));
      }
      // Every claim starts at once, four on each node.
      const results = await Promise.all(
        files.map((file, i) =>
          claimStorage(stores[i % 3]!, {
            file_id: file.id,
            username: 'carol',
            limit: 300,
            now: 10 + i,
          }),
        ),
      );
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 'claimed')).toHaveLength(3);
      expect(statuses.filter((s) => s === 'over_quota')).toHaveLength(9);
      for (const result of results) {
        if ('total_stored_bytes' in result)
          expect(result.total_stored_bytes).toBeLessThanOrEqual(300);
      }
      expect(await c!.claims.status('carol')).toMatchObject({ total_stored_bytes: 300 });
      expect(await b!.claims.list('carol')).toHaveLength(3);
    } finally {
      await closeAll(stores);
    }
  });

  it('dedups the same bytes committed on two nodes at once into one blob used twice', async () => {
    const stores = await nodes(2);
    const [a, b] = stores as [PostgresMetadataStore, PostgresMetadataStore];
    try {
      const [one, two] = [newFile(), newFile()];
      await a.files.create(one);
      await a.files.create(two);
      const bytes = blobFor(7);
      const twin = { ...blobFor(7), id: 'f'.repeat(32) };
      const [first, second] = await Promise.all([
        commit(a, one.id, bytes),
        commit(b, two.id, twin),
      ]);
      expect([first.status, second.status]).toEqual(['stored', 'stored']);
      const ids = await a.copies.blobIds();
      expect(ids).toHaveLength(1);
      expect(await b.copies.blobUsers(ids[0]!)).toBe(2);
      const deduped = [first, second].filter((r) => r.status === 'stored' && r.deduped);
      expect(deduped).toHaveLength(1);
      expect((await a.copies.get(one.id))?.storage_file_id).toBe(ids[0]);
      expect((await b.copies.get(two.id))?.storage_file_id).toBe(ids[0]);
    } finally {
      await closeAll(stores);
    }
  });

  it('gives a lease to one node at a time and creates a shared secret once', async () => {
    const stores = await nodes(3);
    try {
      let inside = 0;
      let most = 0;
      const results = await Promise.all(
        stores.map((store) =>
          store.withLease('retention', async () => {
            inside++;
            most = Math.max(most, inside);
            await new Promise((r) => setTimeout(r, 100));
            inside--;
          }),
        ),
      );
      expect(most).toBe(1);
      expect(results.filter((r) => r.ran)).toHaveLength(1);
      // Released: the next one gets it.
      expect((await stores[1]!.withLease('retention', async () => 1)).ran).toBe(true);

      const secrets = await Promise.all(stores.map((s) => s.sharedSecret('relay-hmac')));
      expect(secrets[1]!.equals(secrets[0]!)).toBe(true);
      expect(secrets[2]!.equals(secrets[0]!)).toBe(true);
    } finally {
      await closeAll(stores);
    }
  });

  it('migrates once when several nodes start together, and records each step', async () => {
    const stores = await nodes(3);
    try {
      await Promise.all(stores.map((s) => s.ready));
      const url = await createDatabase(postgres.url);
      await new PostgresMetadataStore({ connectionString: url, now: () => 77 }).close();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const { rows } = await client.query('SELECT version, applied_at FROM schema_migrations');
      await client.end();
      expect(rows).toEqual(
        POSTGRES_MIGRATIONS.map((_, i) => ({ version: i + 1, applied_at: '77' })),
      );
    } finally {
      await closeAll(stores);
    }
  });
});
