/**
 * The PostgreSQL schema, as ordered migrations (the same tables as SQLite's, in
 * PostgreSQL's types). Later features append a migration; never edit one that has shipped.
 */

/** The migrations, oldest first; version N is `MIGRATIONS[N - 1]`. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE files (
    id TEXT PRIMARY KEY,
    seq BIGSERIAL NOT NULL,
    room_id TEXT NOT NULL,
    name TEXT NOT NULL,
    size BIGINT NOT NULL,
    mime_type TEXT NOT NULL,
    chunk_size INTEGER NOT NULL,
    total_chunks INTEGER NOT NULL,
    thumbnail TEXT,
    sender TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    md5 TEXT,
    sha256 TEXT,
    sanitized_name TEXT
  );
  CREATE INDEX files_by_room ON files(room_id, created_at);
  CREATE INDEX files_by_sender ON files(sender, created_at);

  CREATE TABLE file_manifests (
    file_id TEXT PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
    piece_size INTEGER NOT NULL,
    root TEXT NOT NULL,
    pieces BYTEA NOT NULL,
    source TEXT NOT NULL
  );

  CREATE TABLE blobs (
    id TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    md5 TEXT NOT NULL,
    size BIGINT NOT NULL,
    created_at BIGINT NOT NULL
  );

  CREATE TABLE file_seeds (
    id TEXT PRIMARY KEY,
    file_id TEXT NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    username TEXT NOT NULL,
    seeded_at BIGINT NOT NULL,
    stored SMALLINT NOT NULL DEFAULT 0,
    permanent SMALLINT NOT NULL DEFAULT 0,
    cached_at BIGINT,
    size BIGINT,
    md5 TEXT,
    storage_file_id TEXT REFERENCES blobs(id)
  );
  CREATE INDEX file_seeds_by_file ON file_seeds(file_id);
  CREATE INDEX file_seeds_by_blob ON file_seeds(storage_file_id);

  CREATE TABLE file_storage_claims (
    id TEXT PRIMARY KEY,
    file_id TEXT NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    username TEXT NOT NULL,
    claimed_at BIGINT NOT NULL,
    size BIGINT NOT NULL
  );
  CREATE INDEX claims_by_user ON file_storage_claims(username, claimed_at);
  CREATE INDEX claims_by_file ON file_storage_claims(file_id);

  CREATE TABLE file_user_status (
    username TEXT PRIMARY KEY,
    total_stored_bytes BIGINT NOT NULL DEFAULT 0,
    suspended SMALLINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL
  );

  CREATE TABLE shares (
    id TEXT PRIMARY KEY,
    file_id TEXT NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    scope TEXT NOT NULL DEFAULT 'view',
    password_hash TEXT,
    expires_at BIGINT,
    revoked_at BIGINT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
  );
  CREATE INDEX shares_by_file ON shares(file_id);

  CREATE TABLE federation_nonces (
    origin TEXT NOT NULL,
    nonce TEXT NOT NULL,
    seen_at BIGINT NOT NULL,
    PRIMARY KEY (origin, nonce)
  );
  CREATE INDEX federation_nonces_by_time ON federation_nonces(seen_at);

  CREATE TABLE federation_offers (
    file_id TEXT PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
    share_id TEXT NOT NULL REFERENCES shares(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
  );

  CREATE TABLE federation_inbox (
    origin TEXT NOT NULL,
    envelope_id TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (origin, envelope_id)
  );
  CREATE INDEX federation_inbox_by_time ON federation_inbox(received_at);

  CREATE TABLE federated_files (
    id TEXT PRIMARY KEY,
    seq BIGSERIAL NOT NULL,
    room_id TEXT NOT NULL,
    origin TEXT NOT NULL,
    origin_file_id TEXT NOT NULL,
    sender TEXT NOT NULL,
    file_json TEXT NOT NULL,
    revoked_at BIGINT,
    created_at BIGINT NOT NULL
  );
  CREATE INDEX federated_files_by_origin ON federated_files(origin, origin_file_id);
  CREATE INDEX federated_files_by_room ON federated_files(room_id, created_at);

  CREATE TABLE federation_outbox (
    id TEXT PRIMARY KEY,
    seq BIGSERIAL NOT NULL,
    peer TEXT NOT NULL,
    envelope TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
  );
  CREATE INDEX federation_outbox_by_due ON federation_outbox(next_attempt_at);

  CREATE TABLE shared_secrets (
    name TEXT PRIMARY KEY,
    value BYTEA NOT NULL,
    created_at BIGINT NOT NULL
  );
  `,
  // Files their sharer revoked, remembered even when no link to them existed; files whose
  // links were revoked before count as revoked.
  `
  CREATE TABLE revoked_files (
    file_id TEXT PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
    revoked_at BIGINT NOT NULL
  );
  INSERT INTO revoked_files (file_id, revoked_at)
    SELECT file_id, MIN(revoked_at) FROM shares WHERE revoked_at IS NOT NULL GROUP BY file_id;
  `,
];
