/**
 * What the SQL concern stores need from a database connection: queries with `?`
 * placeholders, a way to make several statements atomic, a transaction-scoped lock and
 * the few spots where SQLite and PostgreSQL spell things differently. Each backend
 * provides one bound to its connection, or to the transaction in progress.
 */

/** SQL that differs between backends. */
export interface SqlDialect {
  /** `column IN (values)` as SQL with one `?`, and the parameter to bind to it. */
  inList(column: string, values: readonly unknown[]): { sql: string; param: unknown };
  /** Suffix of a `SELECT` that locks its rows until the transaction ends ('' when writes are serialized anyway). */
  readonly forUpdate: string;
  /** The case-insensitive `LIKE` operator. */
  readonly ilike: string;
  /** Expression that orders rows of one table by insertion. */
  readonly insertionOrder: string;
}

/** A connection (or the transaction in progress) the SQL stores run on. */
export interface SqlDatabase {
  readonly dialect: SqlDialect;
  /** Every row of a query. */
  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** The first row of a query, or `undefined`. */
  get<T>(sql: string, params?: readonly unknown[]): Promise<T | undefined>;
  /** Runs a statement; resolves to the number of rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  /**
   * Runs `work` atomically, on the database it is given: a new transaction, or the one
   * already in progress.
   */
  atomic<T>(work: (db: SqlDatabase) => Promise<T>): Promise<T>;
  /** Holds the lock `name` until the transaction in progress ends. */
  lock(name: string): Promise<void>;
}
