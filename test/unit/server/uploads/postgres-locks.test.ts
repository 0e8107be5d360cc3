/**
 * The PostgreSQL upload locks against a real PostgreSQL (test/support/services.ts): two
 * "nodes" are two separate pools on one database, as two server processes would have.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ERRORS } from '@tus/server';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { advisoryKey } from '../../../../server/store/postgres-store.js';
import { PostgresLocker, PostgresUploadGate } from '../../../../server/uploads/postgres-locks.js';
import { createDatabase, startPostgres, type TestService } from '../../../support/services.js';
import { bareHostState, startBareServer, type BareServer } from '../support/bare-server.js';
import { ack, bytesOf, manifestOf, settle } from '../support/helpers.js';
import { openPatch, TUS_HEADERS } from '../tus/tus-requests.js';
import { sharedLockerContract, sharedUploadGateContract } from './shared-locks.contract.js';

/**
 * Ends the pools; a lock a failed test left held would keep its pool open, so the wait is
 * bounded and PostgreSQL is stopped afterwards all the same.
 */
async function endPools(pools: pg.Pool[]): Promise<void> {
  const ended = Promise.all(pools.map((pool) => pool.end().catch(() => undefined)));
  await Promise.race([ended, settle(2000)]);
}

describe('PostgreSQL upload locks', () => {
  let postgres: TestService;
  let databaseUrl: string;
  const pools: pg.Pool[] = [];
  const lockers: PostgresLocker[] = [];
  const connect = () => {
    // Each pool names its connections, so the test can tell whose they are.
    const pool = new pg.Pool({
      connectionString: databaseUrl,
      max: 5,
      application_name: `node-${pools.length}`,
    });
    pool.on('error', () => undefined);
    pools.push(pool);
    return pool;
  };
  /** One node's locker, on a pool of its own. */
  const node = (acquireTimeoutMs = 5000) => {
    const pool = connect();
    const locker = new PostgresLocker({ pool, acquireTimeoutMs });
    lockers.push(locker);
    return { pool, locker };
  };
  /**
   * Advisory locks held in the test database right now (of upload `id` only, if given),
   * with the connection holding each.
   */
  const advisoryLocks = async (id?: string) => {
    const { rows } = await admin.query<{ pid: number }>(
      `SELECT pid FROM pg_locks
       WHERE locktype = 'advisory' AND granted AND database =
         (SELECT oid FROM pg_database WHERE datname = current_database())
         AND ($1::bigint IS NULL OR ((classid::bigint << 32) | objid::bigint) = $1::bigint)`,
      [id === undefined ? null : advisoryKey(`chat-files:tus-lock:${id}`)],
    );
    return rows;
  };
  let admin: pg.Pool;

  beforeAll(async () => {
    postgres = await startPostgres();
    databaseUrl = await createDatabase(postgres.url, 'locks');
    admin = connect();
  }, 60_000);
  afterAll(async () => {
    try {
      for (const locker of lockers) await locker.close();
      await endPools(pools);
    } finally {
      await postgres?.stop();
    }
  });

  sharedLockerContract(() => ({
    node: () => node().locker,
    held: async () => (await advisoryLocks()).length,
  }));

  it('keeps two locks of one upload apart on one node too, and locks of other uploads free', async () => {
    const a = node();
    const first = a.locker.newLock('upload-2');
    await first.lock(new AbortController().signal, () => undefined);
    const other = a.locker.newLock('upload-3');
    await other.lock(new AbortController().signal, () => undefined);
    await other.unlock();
    const waiting = new AbortController();
    const second = a.locker.newLock('upload-2').lock(waiting.signal, () => undefined);
    await settle(200);
    waiting.abort();
    await expect(second).rejects.toBe(ERRORS.ERR_LOCK_TIMEOUT);
    await first.unlock();
  });

  it('gives up a wait when the request stops or the lock timeout passes, with the tus lock timeout', async () => {
    const a = node();
    const b = node(300);
    const held = a.locker.newLock('upload-4');
    let asked = 0;
    await held.lock(new AbortController().signal, () => {
      asked += 1;
    });
    const stop = new AbortController();
    const stopped = b.locker.newLock('upload-4').lock(stop.signal, () => undefined);
    setTimeout(() => stop.abort(), 100);
    await expect(stopped).rejects.toBe(ERRORS.ERR_LOCK_TIMEOUT);
    const started = Date.now();
    await expect(
      b.locker.newLock('upload-4').lock(new AbortController().signal, () => undefined),
    ).rejects.toBe(ERRORS.ERR_LOCK_TIMEOUT);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    // The holder heard the requests, and still holds the lock it did not let go.
    await vi.waitFor(() => expect(asked).toBeGreaterThanOrEqual(2));
    const holders = await advisoryLocks();
    expect(holders).toHaveLength(1);
    // The waiting node kept no connection: only its release listener is out of its pool.
    expect(b.pool.totalCount - b.pool.idleCount).toBe(1);
    await held.unlock();
    expect(await advisoryLocks()).toEqual([]);
  });

  it('waits for a connection of a full pool no longer than the lock timeout', async () => {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    pool.on('error', () => undefined);
    pools.push(pool);
    const locker = new PostgresLocker({ pool, acquireTimeoutMs: 300 });
    lockers.push(locker);
    // One connection listens, the other holds this lock: none is left for another lock.
    const held = locker.newLock('upload-6');
    await held.lock(new AbortController().signal, () => undefined);
    await expect(
      locker.newLock('upload-7').lock(new AbortController().signal, () => undefined),
    ).rejects.toBe(ERRORS.ERR_LOCK_TIMEOUT);
    await held.unlock();
    const free = locker.newLock('upload-7');
    await free.lock(new AbortController().signal, () => undefined);
    await free.unlock();
  });

  it('holds no connection while it waits, so locks of other uploads are still taken', async () => {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 3 });
    pool.on('error', () => undefined);
    pools.push(pool);
    const locker = new PostgresLocker({ pool, acquireTimeoutMs: 3000 });
    lockers.push(locker);
    // One connection listens and one holds upload-8: one is left while a retry of upload-8
    // waits for its lock.
    const held = locker.newLock('upload-8');
    await held.lock(new AbortController().signal, () => undefined);
    const retry = locker.newLock('upload-8');
    const waiting = retry.lock(new AbortController().signal, () => undefined);
    await settle(200);
    const other = locker.newLock('upload-9');
    await other.lock(new AbortController().signal, () => undefined);
    await other.unlock();
    await held.unlock();
    await waiting;
    expect(await advisoryLocks('upload-8')).toHaveLength(1);
    await retry.unlock();
  });

  it('frees the lock of a connection that died for the node waiting, and tells its holder', async () => {
    const a = node();
    const b = node();
    const doomed = a.locker.newLock('upload-5');
    await doomed.lock(new AbortController().signal, () => undefined);
    const [holder] = await advisoryLocks('upload-5');
    const taker = b.locker.newLock('upload-5');
    let told = 0;
    const waiting = taker.lock(new AbortController().signal, () => {
      told += 1;
    });
    await settle(100);
    await admin.query('SELECT pg_terminate_backend($1)', [holder!.pid]);
    await waiting;
    const [now] = await advisoryLocks('upload-5');
    expect(now!.pid).not.toBe(holder!.pid);
    // Letting go of a lock whose connection died is quiet.
    await doomed.unlock();
    // The new holder's connection dies too, with nobody waiting: it is told to stop.
    expect(told).toBe(0);
    await admin.query('SELECT pg_terminate_backend($1)', [now!.pid]);
    await vi.waitFor(() => expect(told).toBe(1));
    await taker.unlock();
    // Both nodes lock again on fresh connections.
    const again = a.locker.newLock('upload-5');
    await again.lock(new AbortController().signal, () => undefined);
    await again.unlock();
    expect(await advisoryLocks('upload-5')).toEqual([]);
  });

  it('hears release requests again after its listening connection was lost', async () => {
    const a = node();
    const b = node();
    const held = a.locker.newLock('upload-8');
    let asked = false;
    await held.lock(new AbortController().signal, () => {
      asked = true;
    });
    const listening = await admin.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND query LIKE 'LISTEN%'`,
      [a.pool.options.application_name],
    );
    expect(listening.rows).toHaveLength(1);
    await admin.query('SELECT pg_terminate_backend($1)', [listening.rows[0]!.pid]);
    const next = b.locker.newLock('upload-8');
    const waiting = next.lock(new AbortController().signal, () => undefined);
    await vi.waitFor(() => expect(asked).toBe(true), { timeout: 4000 });
    await held.unlock();
    await waiting;
    await next.unlock();
  });

  sharedUploadGateContract(() => ({
    node: () => new PostgresUploadGate({ pool: connect() }),
    lapse: async (fileId) => {
      await admin.query(
        `UPDATE chat_files_upload_gates SET expires_at = clock_timestamp() - interval '1 second'
         WHERE file_id = $1`,
        [fileId],
      );
    },
    entries: async () => {
      const { rows } = await admin.query<{ file_id: string }>(
        'SELECT file_id FROM chat_files_upload_gates',
      );
      return rows.map((row) => row.file_id);
    },
  }));

  it('gives the gate of a node that died to another holder once its time to live runs out', async () => {
    const poolA = connect();
    const gateA = new PostgresUploadGate({ pool: poolA, ttlMs: 300 });
    const gateB = new PostgresUploadGate({ pool: connect(), ttlMs: 300 });
    const dead = await gateA.tryAcquire('file-2', 'holder-x');
    expect(dead).not.toBeNull();
    // The node disappears: its renewals stop, and it never releases.
    await poolA.end();
    expect(await gateB.tryAcquire('file-2', 'holder-y')).toBeNull();
    await settle(400);
    const next = await gateB.tryAcquire('file-2', 'holder-y');
    expect(next).not.toBeNull();
    await next!.release();
    // A dead node's entry of a file nobody uploads again goes when a node starts.
    const poolC = connect();
    const gateC = new PostgresUploadGate({ pool: poolC, ttlMs: 300 });
    expect(await gateC.tryAcquire('file-3', 'holder-z')).not.toBeNull();
    await poolC.end();
    await settle(400);
    const gateD = new PostgresUploadGate({ pool: connect() });
    const pass = await gateD.tryAcquire('file-4', 'holder-w');
    const { rows } = await admin.query<{ file_id: string }>(
      'SELECT file_id FROM chat_files_upload_gates',
    );
    expect(rows).toEqual([{ file_id: 'file-4' }]);
    await pass!.release();
  });
});

describe('tus uploads on two nodes locked through PostgreSQL', () => {
  let postgres: TestService;
  let dataDir: string;
  const pools: pg.Pool[] = [];
  const lockers: PostgresLocker[] = [];
  const nodes: BareServer[] = [];
  let listener: pg.Client;

  beforeAll(async () => {
    postgres = await startPostgres();
    const databaseUrl = await createDatabase(postgres.url, 'tuslocks');
    dataDir = mkdtempSync(path.join(tmpdir(), 'chat-files-pg-tus-'));
    const shared = bareHostState();
    for (let i = 0; i < 2; i++) {
      const pool = new pg.Pool({ connectionString: databaseUrl });
      pool.on('error', () => undefined);
      pools.push(pool);
      const locker = new PostgresLocker({ pool });
      lockers.push(locker);
      nodes.push(
        await startBareServer({
          dataDir,
          shared,
          server: {
            databaseUrl,
            cleanupJob: false,
            uploadLocker: locker,
            uploadGate: new PostgresUploadGate({ pool }),
          },
        }),
      );
    }
    // The test hears the release requests the nodes send each other.
    listener = new pg.Client({ connectionString: databaseUrl });
    await listener.connect();
    await listener.query('LISTEN chat_files_tus_release');
  }, 60_000);
  afterAll(async () => {
    try {
      await listener?.end();
      for (const server of nodes) await server.close({ keepData: true });
      for (const locker of lockers) await locker.close();
      await endPools(pools);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      await postgres?.stop();
    }
  });

  /** How many advisory locks of tus upload `id` are held (the store takes locks of its own). */
  const advisoryLocks = async (id: string) => {
    const { rows } = await pools[0]!.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted
         AND ((classid::bigint << 32) | objid::bigint) = $1::bigint`,
      [advisoryKey(`chat-files:tus-lock:${id}`)],
    );
    return rows[0]!.n;
  };

  it('never lets PATCHes of one upload through both nodes at once interleave', async () => {
    const [one, two] = nodes as [BareServer, BareServer];
    const alice = one.user('alice');
    const bytes = bytesOf(256 * 1024, 51);
    const socket = await alice.socket();
    const shared = await ack(socket, 'chat:file:share', {
      room_id: 'general',
      name: 'both.bin',
      size: bytes.length,
      manifest: manifestOf(bytes),
    });
    socket.close();
    const fileId = shared.file_id as string;
    const created = await fetch(`${one.api}/tus`, {
      method: 'POST',
      headers: {
        ...TUS_HEADERS,
        authorization: `Bearer ${alice.token}`,
        'Upload-Length': String(bytes.length),
        'Upload-Metadata': `file_id ${Buffer.from(fileId).toString('base64')}`,
      },
    });
    expect(created.status).toBe(201);
    const id = created.headers.get('location')!.split('/').pop()!;
    const half = bytes.length / 2;

    // Node one takes the upload's lock and holds it, its body not yet sent.
    const first = openPatch(`${one.api}/tus/${id}`, alice.token, 0, half);
    first.req.flushHeaders();
    await vi.waitFor(async () => expect(await advisoryLocks(id)).toBe(1));
    // Node two is asked for the same offset with other bytes meanwhile: it waits and asks.
    const asked = new Promise((resolve) => listener.once('notification', resolve));
    const second = openPatch(`${two.api}/tus/${id}`, alice.token, 0, half);
    second.req.end(Buffer.alloc(half, 0xee));
    const before = await Promise.race([
      asked.then(() => 'asked to release'),
      second.answer.then(({ status }) => `answered ${status}`),
    ]);
    expect(before).toBe('asked to release');
    first.req.end(bytes.subarray(0, half));
    expect(await first.answer).toMatchObject({ status: 204, offset: String(half) });
    // Node two got the lock only after node one let go, and found the offset moved on.
    expect((await second.answer).status).toBe(409);

    const rest = openPatch(`${two.api}/tus/${id}`, alice.token, half, bytes.length - half);
    rest.req.end(bytes.subarray(half));
    expect((await rest.answer).status).toBe(200);
    const served = await alice.fetch(`/${fileId}/download`);
    expect(Buffer.from(await served.arrayBuffer())).toEqual(bytes);
    // Nothing is left held.
    expect(await advisoryLocks(id)).toBe(0);
  });
});
