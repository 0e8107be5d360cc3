/**
 * Reference-app nodes on `DATABASE_URL` alone (real PostgreSQL, no Redis): their upload
 * locks are shared through the database, and closing the engines closes their connections.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openEngines, type Engines } from '../../../../examples/chat-app/engines.js';
import { createDatabase, startPostgres, type TestService } from '../../../support/services.js';

describe('reference app on PostgreSQL without Redis', () => {
  let postgres: TestService;
  let databaseUrl: string;
  let admin: pg.Client;
  /** Connections open on the test database, other than the test's own. */
  const connections = async () => {
    const { rows } = await admin.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    return rows[0]!.n;
  };

  beforeAll(async () => {
    postgres = await startPostgres();
    databaseUrl = await createDatabase(postgres.url, 'engines_pg');
    admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
  }, 60_000);
  afterAll(async () => {
    await admin?.end();
    await postgres?.stop();
  });

  it('shares the tus locks of two nodes through PostgreSQL, and closes what it opened', async () => {
    const before = await connections();
    const nodes: Engines[] = [
      await openEngines({ DATABASE_URL: databaseUrl }),
      await openEngines({ DATABASE_URL: databaseUrl }),
    ];
    try {
      const [one, two] = nodes.map((engines) => engines.files.uploadLocker!);
      expect(nodes[0]!.files.uploadGate).toBeDefined();
      const events: string[] = [];
      const held = one!.newLock('upload');
      await held.lock(new AbortController().signal, async () => {
        events.push('node one asked to release');
        await held.unlock();
      });
      const next = two!.newLock('upload');
      await next.lock(new AbortController().signal, () => undefined);
      events.push('node two holds');
      expect(events).toEqual(['node one asked to release', 'node two holds']);
      await next.unlock();
      const gate = nodes[0]!.files.uploadGate!;
      const pass = await gate.tryAcquire('file', 'holder-a');
      expect(await nodes[1]!.files.uploadGate!.tryAcquire('file', 'holder-b')).toBeNull();
      await pass!.release();
    } finally {
      for (const engines of nodes) {
        await engines.close();
        await engines.store?.close();
      }
    }
    // A closed connection's backend leaves a moment after the client hung up.
    await vi.waitFor(async () => expect(await connections()).toBe(before), { timeout: 3000 });
  });
});
