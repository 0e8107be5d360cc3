/**
 * Upload locks shared by every node through PostgreSQL, for deployments without Redis:
 * the tus {@link Locker} that keeps two requests from writing one tus upload at once,
 * and the {@link UploadGate} that keeps two uploads from storing one file.
 *
 * A tus lock is a session advisory lock held on a connection checked out of the pool
 * until the lock is let go, so a node or connection that dies frees its locks with its
 * session. A request waiting for a lock held on another node asks the holder to let go
 * through `NOTIFY`, which every locker hears on a `LISTEN` connection of its own.
 * The gate is re-entrant for a holder on any node, which a session lock cannot be: its
 * entries are rows that their holder renews, so the entry of a node that died expires.
 */
import { ERRORS, type Lock, type Locker, type RequestRelease } from '@tus/server';
import type pg from 'pg';
import { advisoryKey } from '../store/postgres-store.js';
import { newGeneration, renewedPass, type UploadGate, type UploadPass } from './upload-gate.js';

/** Options of {@link PostgresLocker} and {@link PostgresUploadGate}. */
export interface PostgresLocksOptions {
  /**
   * Pool the connections come from. Each held tus lock keeps one connection out of it
   * while its request writes, and the tus locker keeps one more for release requests,
   * so size it for the tus requests a node serves at once. Required.
   */
  pool: pg.Pool;
  /**
   * Prefix of the advisory lock names (one database may serve several deployments; the
   * gate's rows are keyed by file id, unique across deployments). @default 'chat-files:'
   */
  prefix?: string;
  /** Channel of release requests (tus locker only). @default 'chat_files_tus_release' */
  channel?: string;
  /** Milliseconds to wait for a held tus lock before answering 500 (lock timeout). @default 30000 */
  acquireTimeoutMs?: number;
  /** Milliseconds a gate entry lives unless its holder renews it (gate only). @default 30000 */
  ttlMs?: number;
}

/** First delay between attempts to take a held tus lock; it doubles up to the next one. */
const FIRST_RETRY_MS = 10;
/** Longest delay between attempts: a lock let go is taken within this. */
const MAX_RETRY_MS = 200;
/**
 * A waiting request repeats its release request this often: the first one can reach a
 * holder that took the lock a moment earlier but did not yet register for requests.
 */
const ASK_AGAIN_MS = 1000;

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}

/**
 * What `pending` resolves to, or the tus lock timeout when `signal` aborts or `deadline`
 * passes first (what arrives later is handed to `discard`).
 */
async function beforeDeadline<T>(
  pending: Promise<T>,
  signal: AbortSignal,
  deadline: number,
  discard: (late: T) => void = () => undefined,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort = () => {};
  const givenUp = new Promise<never>((_, reject) => {
    onAbort = () => reject(ERRORS.ERR_LOCK_TIMEOUT);
    if (signal.aborted) return onAbort();
    timer = setTimeout(onAbort, Math.max(0, deadline - Date.now()));
    signal.addEventListener('abort', onAbort);
  });
  try {
    return await Promise.race([pending, givenUp]);
  } catch (error) {
    pending.then(discard, () => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}

/** A tus {@link Locker} in PostgreSQL: one holder per upload id across every node. */
export class PostgresLocker implements Locker {
  readonly pool: pg.Pool;
  readonly prefix: string;
  readonly channel: string;
  readonly acquireTimeoutMs: number;
  /** Release callbacks of the locks this node holds, by lock key. */
  private readonly held = new Map<string, Set<RequestRelease>>();
  /** The connection that listens for release requests, once it listens. */
  private listener: Promise<{ stop(): Promise<void> }> | null = null;
  private closed = false;

  constructor(options: PostgresLocksOptions) {
    if (!options?.pool) {
      throw new TypeError('PostgresLocker: pass pool, a pg Pool on the shared database');
    }
    this.pool = options.pool;
    this.prefix = options.prefix ?? 'chat-files:';
    this.channel = options.channel ?? 'chat_files_tus_release';
    this.acquireTimeoutMs = options.acquireTimeoutMs ?? 30_000;
  }

  newLock(id: string): Lock {
    return new PostgresLock(this, advisoryKey(`${this.prefix}tus-lock:${id}`));
  }

  /** Stops listening for release requests and gives the connection back; the pool stays open. */
  async close(): Promise<void> {
    this.closed = true;
    const listener = this.listener;
    this.listener = null;
    const opened = await listener?.catch(() => null);
    await opened?.stop();
  }

  /** Listens for release requests, on a connection opened once (again after it was lost). */
  async listen(): Promise<void> {
    if (this.closed) throw new Error('PostgresLocker: closed');
    this.listener ??= this.openListener();
    await this.listener;
  }

  /** Calls `release` when another request asks for the lock `key` this node holds. */
  hold(key: string, release: RequestRelease): void {
    let callbacks = this.held.get(key);
    if (!callbacks) this.held.set(key, (callbacks = new Set()));
    callbacks.add(release);
  }

  /** Undoes {@link hold}. */
  forget(key: string, release: RequestRelease): void {
    const callbacks = this.held.get(key);
    callbacks?.delete(release);
    if (callbacks?.size === 0) this.held.delete(key);
  }

  private openListener(): Promise<{ stop(): Promise<void> }> {
    const opening = (async () => {
      const client = await this.pool.connect();
      let gone = false;
      const onNotification = (message: pg.Notification) => {
        if (message.channel !== this.channel || message.payload === undefined) return;
        for (const release of this.held.get(message.payload) ?? []) {
          void Promise.resolve()
            .then(release)
            .catch(() => undefined);
        }
      };
      const stop = async (lost: boolean) => {
        if (gone) return;
        gone = true;
        client.off('notification', onNotification);
        if (this.listener === opening) this.listener = null;
        const broken =
          lost ||
          (await client
            .query(`UNLISTEN ${client.escapeIdentifier(this.channel)}`)
            .then(() => false)
            .catch(() => true));
        // Only now: an error while UNLISTEN runs must still have a listener.
        client.off('error', onError);
        giveBack(client, broken);
      };
      // A lost connection is replaced at once (or, failing that, at the next lock).
      const onError = () => {
        void stop(true).then(() => {
          if (!this.closed) this.listen().catch(() => undefined);
        });
      };
      client.on('error', onError);
      client.on('notification', onNotification);
      try {
        await client.query(`LISTEN ${client.escapeIdentifier(this.channel)}`);
      } catch (error) {
        await stop(true);
        throw error;
      }
      return { stop: () => stop(false) };
    })();
    opening.catch(() => {
      if (this.listener === opening) this.listener = null;
    });
    return opening;
  }
}

/** Gives `client` back to the pool, or closes it when `broken` (its session ends, and its locks). */
function giveBack(client: pg.PoolClient, broken: boolean): void {
  // A closing connection may still report its end; nobody else listens any more.
  if (broken) client.on('error', () => undefined);
  client.release(broken);
}

class PostgresLock implements Lock {
  private readonly locker: PostgresLocker;
  private readonly key: string;
  private client: pg.PoolClient | null = null;
  private release: RequestRelease | null = null;
  private onError: (() => void) | null = null;
  private lost = false;

  constructor(locker: PostgresLocker, key: string) {
    this.locker = locker;
    this.key = key;
  }

  async lock(signal: AbortSignal, requestRelease: RequestRelease): Promise<void> {
    const { locker, key } = this;
    const deadline = Date.now() + locker.acquireTimeoutMs;
    await beforeDeadline(locker.listen(), signal, deadline);
    let delay = FIRST_RETRY_MS;
    let askedAt = -Infinity;
    // A connection is taken for each attempt and kept only once it holds the lock, so
    // requests waiting for a busy upload never starve the pool of other uploads' locks.
    for (;;) {
      const client = await beforeDeadline(locker.pool.connect(), signal, deadline, (late) =>
        late.release(),
      );
      const quiet = () => undefined;
      client.on('error', quiet);
      let held: boolean;
      try {
        const { rows } = await client.query<{ held: boolean }>(
          'SELECT pg_try_advisory_lock($1) AS held',
          [key],
        );
        held = rows[0]?.held === true;
        if (!held && Date.now() - askedAt >= ASK_AGAIN_MS) {
          // Ask whoever holds it, on whichever node, to finish up and let go.
          askedAt = Date.now();
          await client.query('SELECT pg_notify($1, $2)', [locker.channel, key]);
        }
      } catch (error) {
        client.off('error', quiet);
        giveBack(client, true);
        throw error;
      }
      client.off('error', quiet);
      if (held) {
        this.hold(client, requestRelease);
        return;
      }
      giveBack(client, false);
      if (signal.aborted || Date.now() >= deadline) throw ERRORS.ERR_LOCK_TIMEOUT;
      await pause(Math.min(delay, Math.max(0, deadline - Date.now())), signal);
      delay = Math.min(delay * 2, MAX_RETRY_MS);
    }
  }

  /** Keeps `client`, whose session now holds the lock, until {@link unlock}. */
  private hold(client: pg.PoolClient, requestRelease: RequestRelease): void {
    this.lost = false;
    const onError = () => {
      if (this.lost) return;
      this.lost = true;
      // PostgreSQL freed the lock with the session: the holder stops writing at once.
      if (this.client === client) {
        void Promise.resolve()
          .then(requestRelease)
          .catch(() => undefined);
      }
    };
    client.on('error', onError);
    this.client = client;
    this.release = requestRelease;
    this.onError = onError;
    this.locker.hold(this.key, requestRelease);
  }

  async unlock(): Promise<void> {
    const { client, key } = this;
    if (!client) throw new Error('Releasing an unlocked lock!');
    this.client = null;
    if (this.release) this.locker.forget(key, this.release);
    this.release = null;
    // A connection that cannot say it let go is closed, which lets go for certain.
    let broken = this.lost;
    if (!broken) {
      broken = await client
        .query<{ released: boolean }>('SELECT pg_advisory_unlock($1) AS released', [key])
        .then(({ rows }) => rows[0]?.released !== true)
        .catch(() => true);
    }
    if (this.onError) client.off('error', this.onError);
    this.onError = null;
    giveBack(client, broken);
  }
}

/** Table of the gate's entries: one row per file being uploaded. */
const GATE_TABLE = 'chat_files_upload_gates';

const GATE_SCHEMA = `CREATE UNLOGGED TABLE IF NOT EXISTS ${GATE_TABLE} (
  file_id TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  takes INTEGER NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL,
  generation TEXT NOT NULL DEFAULT ''
)`;

/** The generation column, for a table created before it existed. */
const GATE_GENERATION = `ALTER TABLE ${GATE_TABLE} ADD COLUMN IF NOT EXISTS generation TEXT NOT NULL DEFAULT ''`;

/**
 * Takes or re-takes the gate of $1 for holder $2 for $3 ms, counting the takes; an
 * entry of another holder that expired is taken over. No row back: another holder has it.
 */
const GATE_ENTER = `INSERT INTO ${GATE_TABLE} AS gate (file_id, holder, takes, expires_at, generation)
VALUES ($1, $2, 1, statement_timestamp() + $3 * interval '1 millisecond', $4)
ON CONFLICT (file_id) DO UPDATE SET
  holder = EXCLUDED.holder,
  takes = CASE WHEN gate.expires_at > statement_timestamp() THEN gate.takes + 1 ELSE 1 END,
  generation = CASE WHEN gate.expires_at > statement_timestamp() THEN gate.generation
    ELSE EXCLUDED.generation END,
  expires_at = EXCLUDED.expires_at
WHERE gate.holder = EXCLUDED.holder OR gate.expires_at <= statement_timestamp()
RETURNING generation`;

/** Gives back one take of $1 by $2 in generation $3; the count it leaves comes back. */
const GATE_LEAVE = `UPDATE ${GATE_TABLE} SET takes = takes - 1
WHERE file_id = $1 AND holder = $2 AND generation = $3 RETURNING takes`;

/** Deletes the entry whose last take was given back, unless the holder took it again meanwhile. */
const GATE_DELETE = `DELETE FROM ${GATE_TABLE}
WHERE file_id = $1 AND holder = $2 AND generation = $3 AND takes <= 0`;

/** Renews the entry of $1 while holder $2 has it in generation $4. */
const GATE_RENEW = `UPDATE ${GATE_TABLE} SET expires_at = clock_timestamp() + $3 * interval '1 millisecond'
WHERE file_id = $1 AND holder = $2 AND generation = $4`;

/** An {@link UploadGate} in PostgreSQL: one upload per file across every node. */
export class PostgresUploadGate implements UploadGate {
  private readonly pool: pg.Pool;
  private readonly prefix: string;
  private readonly ttlMs: number;
  private schema: Promise<void> | null = null;

  constructor(options: PostgresLocksOptions) {
    if (!options?.pool) {
      throw new TypeError('PostgresUploadGate: pass pool, a pg Pool on the shared database');
    }
    this.pool = options.pool;
    this.prefix = options.prefix ?? 'chat-files:';
    this.ttlMs = options.ttlMs ?? 30_000;
  }

  async tryAcquire(fileId: string, holder: string): Promise<UploadPass | null> {
    await this.ensureTable();
    const ttl = this.ttlMs;
    const { rows: entered } = await this.pool.query<{ generation: string }>(GATE_ENTER, [
      fileId,
      holder,
      ttl,
      newGeneration(),
    ]);
    const generation = entered[0]?.generation;
    if (generation === undefined) return null;
    const entry = [fileId, holder, generation];
    return renewedPass(
      ttl,
      () => this.pool.query(GATE_RENEW, [fileId, holder, ttl, generation]),
      async () => {
        const { rows } = await this.pool.query<{ takes: number }>(GATE_LEAVE, entry);
        if (rows[0] && rows[0].takes <= 0) await this.pool.query(GATE_DELETE, entry);
      },
    );
  }

  /**
   * Creates the gate's table once and clears expired entries; nodes starting together
   * do it one at a time.
   */
  private ensureTable(): Promise<void> {
    this.schema ??= (async () => {
      const client = await this.pool.connect();
      let broken = false;
      // The connection failing between two statements fails the next one.
      const onError = () => {
        broken = true;
      };
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock($1)', [
          advisoryKey(`${this.prefix}upload-gate-schema`),
        ]);
        await client.query(GATE_SCHEMA);
        await client.query(GATE_GENERATION);
        // Entries of nodes that died and whose files were never uploaded again.
        await client.query(`DELETE FROM ${GATE_TABLE} WHERE expires_at <= clock_timestamp()`);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw error;
      } finally {
        client.off('error', onError);
        giveBack(client, broken);
      }
    })();
    this.schema.catch(() => {
      this.schema = null;
    });
    return this.schema;
  }
}
