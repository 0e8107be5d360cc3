/**
 * The embedded metadata store: one SQLite file (`chat-files.db` in the data directory) in
 * WAL mode, through better-sqlite3. Transactions are `BEGIN IMMEDIATE`, so they exclude
 * every other writer, in this process and in any other on the same file. Inside the
 * process, a transaction holds the one connection across its awaits; every other use of
 * the store waits until it ends.
 */
import Database from 'better-sqlite3';
import type { LeaseResult, MetadataStore, StoreScope } from './metadata-store.js';
import { MIGRATIONS } from './sqlite-schema.js';
import type { SqlDatabase, SqlDialect } from './sql-database.js';
import { sharedSecretIn, sqlScope } from './sql-scope.js';
import { storeError } from './store-errors.js';

export { MIGRATIONS } from './sqlite-schema.js';

/** The database file name inside the data directory. */
export const DATABASE_FILE = 'chat-files.db';

/** Options of {@link SqliteMetadataStore}. */
export interface SqliteStoreOptions {
  /** Clock for the store's own bookkeeping (migration and secret times). @default Date.now */
  now?: () => number;
}

const dialect: SqlDialect = {
  inList: (column, values) => ({
    sql: `${column} IN (SELECT value FROM json_each(?))`,
    param: JSON.stringify(values),
  }),
  // BEGIN IMMEDIATE already keeps every other writer out until the transaction ends.
  forUpdate: '',
  // SQLite's LIKE ignores ASCII case by default.
  ilike: 'LIKE',
  insertionOrder: 'rowid',
};

/** Serializes transactions of one connection; everything else waits while one runs. */
class Turnstile {
  private tail: Promise<void> = Promise.resolve();
  private queued = 0;

  /** Resolves with a release function once every earlier holder has released. */
  async enter(): Promise<() => void> {
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    const previous = this.tail;
    this.tail = previous.then(() => done);
    this.queued++;
    await previous;
    return () => {
      this.queued--;
      release();
    };
  }

  /** Whether someone holds or waits for the turnstile. */
  get busy(): boolean {
    return this.queued > 0;
  }

  /** Resolves once nobody holds or waits for the turnstile. */
  async idle(): Promise<void> {
    while (this.queued > 0) await this.tail;
  }
}

// Leases are per process on SQLite: one per database file and name.
const heldLeases = new Set<string>();

const bindable = (params: readonly unknown[]) => params.map((p) => (p === undefined ? null : p));

/** {@link MetadataStore} on a SQLite file. */
export class SqliteMetadataStore implements MetadataStore {
  readonly files;
  readonly copies;
  readonly claims;
  readonly shares;
  readonly federation;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly turnstile = new Turnstile();
  private readonly now: () => number;
  private closed = false;

  /** Opens (creating if needed) the database at `file` and applies pending migrations. */
  constructor(
    private readonly file: string,
    options: SqliteStoreOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    // Other processes on the same file wait for a write lock instead of failing at once.
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
    const scope = sqlScope(this.database(false));
    this.files = scope.files;
    this.copies = scope.copies;
    this.claims = scope.claims;
    this.shares = scope.shares;
    this.federation = scope.federation;
  }

  async transaction<T>(work: (tx: StoreScope) => Promise<T>): Promise<T> {
    return this.inTransaction((db) => work(sqlScope(db)));
  }

  async withLease<T>(name: string, job: () => Promise<T>): Promise<LeaseResult<T>> {
    const key = `${this.file}\0${name}`;
    if (heldLeases.has(key)) return { ran: false };
    heldLeases.add(key);
    try {
      return { ran: true, value: await job() };
    } finally {
      heldLeases.delete(key);
    }
  }

  async sharedSecret(name: string, initial?: () => Buffer): Promise<Buffer> {
    return this.inTransaction((db) => sharedSecretIn(db, name, this.now(), initial));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.turnstile.idle();
    this.db.close();
  }

  /** Runs `work` in a `BEGIN IMMEDIATE` transaction that holds the connection. */
  private async inTransaction<T>(work: (db: SqlDatabase) => Promise<T>): Promise<T> {
    const release = await this.turnstile.enter();
    try {
      this.exec('BEGIN IMMEDIATE');
      try {
        const result = await work(this.database(true));
        this.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw error;
      }
    } finally {
      release();
    }
  }

  /** The connection as the SQL stores see it: inside the running transaction, or outside any. */
  private database(inside: boolean): SqlDatabase {
    // Outside a transaction a statement waits for the running one to end; it then runs
    // synchronously, so nothing can start in between.
    const run = async <T>(statement: () => T): Promise<T> => {
      if (!inside) while (this.turnstile.busy) await this.turnstile.idle();
      try {
        return statement();
      } catch (error) {
        throw storeError(error);
      }
    };
    const self: SqlDatabase = {
      dialect,
      all: <T>(sql: string, params: readonly unknown[] = []) =>
        run(() => this.prepare(sql).all(...bindable(params)) as T[]),
      get: <T>(sql: string, params: readonly unknown[] = []) =>
        run(() => this.prepare(sql).get(...bindable(params)) as T | undefined),
      run: (sql: string, params: readonly unknown[] = []) =>
        run(() => this.prepare(sql).run(...bindable(params)).changes),
      atomic: (work) => (inside ? work(self) : this.inTransaction(work)),
      lock: async () => {
        // A transaction here already excludes every other writer.
      },
    };
    return self;
  }

  private prepare(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private exec(sql: string): void {
    try {
      this.db.exec(sql);
    } catch (error) {
      throw storeError(error);
    }
  }

  private migrate(): void {
    const db = this.db;
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      applied_at INTEGER NOT NULL
    )`);
    // Databases written before the migrations table recorded their version in user_version.
    const legacy = db.pragma('user_version', { simple: true }) as number;
    const insert = db.prepare(
      `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?) ON CONFLICT DO NOTHING`,
    );
    if (legacy > 0) {
      db.transaction(() => {
        for (let version = 1; version <= legacy; version++) insert.run(version, this.now());
        db.pragma('user_version = 0');
      }).immediate();
    }
    const current =
      (db.prepare(`SELECT MAX(version) AS v FROM schema_migrations`).get() as { v: number | null })
        .v ?? 0;
    if (current > MIGRATIONS.length) {
      throw new Error(
        `chat-files database schema version ${current} is newer than this server (${MIGRATIONS.length}); upgrade the server`,
      );
    }
    for (let version = current + 1; version <= MIGRATIONS.length; version++) {
      db.transaction(() => {
        // Another process may have applied it since this one looked.
        if (db.prepare(`SELECT 1 FROM schema_migrations WHERE version = ?`).get(version)) return;
        db.exec(MIGRATIONS[version - 1]!);
        insert.run(version, this.now());
      }).immediate();
    }
  }
}
