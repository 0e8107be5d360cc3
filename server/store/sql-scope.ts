/** The SQL concern stores over one {@link SqlDatabase}, and SQL both backends share. */
import { randomBytes } from 'node:crypto';
import type { StoreScope } from './metadata-store.js';
import { SqlClaimStore } from './sql-claim-store.js';
import type { SqlDatabase } from './sql-database.js';
import { SqlFederationStore } from './sql-federation-store.js';
import { SqlFileStore } from './sql-file-store.js';
import { SqlServerCopyStore } from './sql-server-copy-store.js';
import { SqlShareStore } from './sql-share-store.js';

/** Every concern store, running on `db`. */
export function sqlScope(db: SqlDatabase): StoreScope {
  return {
    files: new SqlFileStore(db),
    copies: new SqlServerCopyStore(db),
    claims: new SqlClaimStore(db),
    shares: new SqlShareStore(db),
    federation: new SqlFederationStore(db),
  };
}

/**
 * The secret named `name` (created from `initial`, or 32 random bytes, by whichever node
 * asks first); run it in a transaction so every node reads the one that was kept.
 */
export async function sharedSecretIn(
  db: SqlDatabase,
  name: string,
  now: number,
  initial?: () => Buffer,
): Promise<Buffer> {
  await db.run(
    `INSERT INTO shared_secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`,
    [name, initial?.() ?? randomBytes(32), now],
  );
  const row = await db.get<{ value: Buffer }>(`SELECT value FROM shared_secrets WHERE name = ?`, [
    name,
  ]);
  return row!.value;
}
