/** The SQL concern stores over one {@link SqlDatabase}. */
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
