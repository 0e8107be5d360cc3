/**
 * The metadata store for several nodes: PostgreSQL through a `pg` connection pool.
 * Transactions run at READ COMMITTED with explicit locks where a decision depends on rows
 * another node may change at the same moment (a user's quota row, a server copy's row,
 * the storage lock for cap and dedup decisions), and are repeated when PostgreSQL reports
 * a serialization failure or a deadlock. Leases are session-level advisory locks.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../options.js';
import type { LeaseResult, MetadataStore, StoreScope } from './metadata-store.js';
import { MIGRATIONS } from './postgres-schema.js';
import type { SqlDatabase, SqlDialect } from './sql-database.js';
import { sharedSecretIn, sqlScope } from './sql-scope.js';
import { storeError } from './store-errors.js';

export { MIGRATIONS as POSTGRES_MIGRATIONS } from './postgres-schema.js';

/** Options of {@link PostgresMetadataStore}. */
export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database`. Required. */
  connectionString: string;
  /** Most connections this node opens. @default 10 */
  poolSize?: number;
  /** Clock for the store's own bookkeeping (migration and secret times). @default Date.now */
  now?: () => number;
  /** Where errors of idle connections are reported. @default console */
  logger?: Pick<Logger, 'error'>;
}

/** Attempts of one transaction before a conflict is given up on. */
const MAX_ATTEMPTS = 12;

/** SQLSTATEs after which a transaction is simply run again. */
const RETRY_CODES = new Set(['40001', '40P01']);

const MIGRATION_LOCK = 'chat-files:migrations';

const dialect: SqlDialect = {
  inList: (column, values) => ({ sql: `${column} = ANY(?)`, param: values }),
  forUpdate: ' FOR UPDATE',
  ilike: 'ILIKE',
  insertionOrder: 'seq',
};

// int8 and numeric (counts, sums, epoch milliseconds, sizes) as numbers: every value
// stored here fits a double exactly.
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20 || oid === 1700
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** A signed 64-bit advisory lock key for a name. */
export function advisoryKey(name: string): string {
  return createHash('sha256').update(name).digest().readBigInt64BE(0).toString();
}

// `?` placeholders become `$1, $2, ...`; none of our SQL has a literal question mark.
const numbered = new Map<string, string>();
const toPg = (sql: string): string => {
  let out = numbered.get(sql);
  if (out === undefined) {
    let n = 0;
    out = sql.replace(/\?/g, () => `$${++n}`);
    numbered.set(sql, out);
  }
  return out;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Queryable = Pick<pg.PoolClient, 'query'>;

/** {@link MetadataStore} on PostgreSQL. */
export class PostgresMetadataStore implements MetadataStore {
  readonly files;
  readonly copies;
  readonly claims;
  readonly shares;
  readonly federation;
  /** Resolves once the schema is up to date; every query waits for it. */
  readonly ready: Promise<void>;
  private readonly pool: pg.Pool;
  private readonly now: () => number;
  private closing: Promise<void> | null = null;

  /** Connects lazily and applies pending migrations before the first query. */
  constructor(options: PostgresStoreOptions) {
    if (!options || typeof options.connectionString !== 'string') {
      throw new TypeError('PostgresMetadataStore: pass { connectionString: "postgres://..." }');
    }
    this.now = options.now ?? Date.now;
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 10,
      types,
    });
    const logger = options.logger ?? console;
    // An idle connection that breaks must not take the process down; the pool replaces it.
    this.pool.on('error', (error) => {
      // Connections still shutting down after close() may see the server go away.
      if (!this.closing) logger.error('PostgreSQL connection lost', error);
    });
    this.ready = this.migrate();
    this.ready.catch(() => undefined);
    const scope = sqlScope(this.database(null));
    this.files = scope.files;
    this.copies = scope.copies;
    this.claims = scope.claims;
    this.shares = scope.shares;
    this.federation = scope.federation;
  }

  transaction<T>(work: (tx: StoreScope) => Promise<T>): Promise<T> {
    return this.inTransaction((db) => work(sqlScope(db)));
  }

  async withLease<T>(name: string, job: () => Promise<T>): Promise<LeaseResult<T>> {
    await this.ready;
    const key = advisoryKey(`lease:${name}`);
    // The lock belongs to this connection: it is kept out of the pool while the job runs,
    // and PostgreSQL frees the lock if the connection (or the node) dies.
    const client = await this.pool.connect();
    let broken = false;
    try {
      const { rows } = await client.query<{ held: boolean }>(
        'SELECT pg_try_advisory_lock($1) AS held',
        [key],
      );
      if (!rows[0]?.held) return { ran: false };
      try {
        return { ran: true, value: await job() };
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [key]).catch(() => {
          broken = true;
        });
      }
    } catch (error) {
      throw storeError(error);
    } finally {
      client.release(broken);
    }
  }

  sharedSecret(name: string, initial?: () => Buffer): Promise<Buffer> {
    return this.inTransaction((db) => sharedSecretIn(db, name, this.now(), initial));
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.ready.catch(() => undefined);
      await this.pool.end();
    })();
    return this.closing;
  }

  /** Runs `work` in a transaction on one connection, again after a conflict. */
  private async inTransaction<T>(work: (db: SqlDatabase) => Promise<T>): Promise<T> {
    await this.ready;
    for (let attempt = 1; ; attempt++) {
      const client = await this.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        const result = await work(this.database(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        const code = (error as { code?: unknown }).code;
        if (typeof code !== 'string' || !RETRY_CODES.has(code) || attempt >= MAX_ATTEMPTS) {
          throw storeError(error);
        }
      } finally {
        client.release(broken);
      }
      // Jittered exponential backoff keeps colliding nodes from colliding again.
      await sleep(Math.random() * Math.min(200, 5 * 2 ** attempt));
    }
  }

  private async connect(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (error) {
      throw storeError(error);
    }
  }

  /** The pool (outside a transaction) or a transaction's connection, as the SQL stores see it. */
  private database(client: Queryable | null): SqlDatabase {
    const query = async (sql: string, params: readonly unknown[]) => {
      if (!client) await this.ready;
      try {
        return await (client ?? this.pool).query(toPg(sql), params as unknown[]);
      } catch (error) {
        throw storeError(error);
      }
    };
    const self: SqlDatabase = {
      dialect,
      all: async <T>(sql: string, params: readonly unknown[] = []) =>
        (await query(sql, params)).rows as T[],
      get: async <T>(sql: string, params: readonly unknown[] = []) =>
        (await query(sql, params)).rows[0] as T | undefined,
      run: async (sql: string, params: readonly unknown[] = []) =>
        (await query(sql, params)).rowCount ?? 0,
      atomic: (work) => (client ? work(self) : this.inTransaction(work)),
      lock: async (name) => {
        if (!client) throw new Error(`the lock ${name} can only be held inside a transaction`);
        await query('SELECT pg_advisory_xact_lock(?::bigint)', [advisoryKey(name)]);
      },
    };
    return self;
  }

  /** Applies pending migrations, one node at a time. */
  private async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [advisoryKey(MIGRATION_LOCK)]);
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY,
        applied_at BIGINT NOT NULL
      )`);
      const { rows } = await client.query<{ v: number | null }>(
        'SELECT MAX(version) AS v FROM schema_migrations',
      );
      const current = rows[0]?.v ?? 0;
      if (current > MIGRATIONS.length) {
        throw new Error(
          `chat-files database schema version ${current} is newer than this server (${MIGRATIONS.length}); upgrade the server`,
        );
      }
      for (let version = current + 1; version <= MIGRATIONS.length; version++) {
        await client.query(MIGRATIONS[version - 1]!);
        await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [
          version,
          this.now(),
        ]);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}
