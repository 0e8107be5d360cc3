/**
 * The metadata store: files and seeds, server copies and their blobs, storage claims and
 * quota status, share links, and federation records, each behind a narrow interface of
 * its own. Stores read and write rows; the rules (dedup, eviction order, quota
 * arithmetic, expiry) live in plain modules (`server/server-copies.ts`,
 * `server/quota.ts`, `server/retention.ts`) that compose these operations inside
 * {@link MetadataStore.transaction}, so a new backend writes SQL, not rules.
 * `SqliteMetadataStore` is the embedded default, `PostgresMetadataStore` the one for
 * several nodes.
 */
import type { FederatedFile } from '../../src/core/wire/federated-file.js';
import type { FileRecord, PieceManifest } from '../../src/core/wire/protocol.js';

/** Id of a user's row about a file: their seed row and their claim (`{file_id}:{username}`). */
export const userKey = (fileId: string, username: string): string => `${fileId}:${username}`;

/** A file record with the fields the server itself fills in. */
export interface StoredFile extends FileRecord {
  sha256: string | null;
  manifest: PieceManifest | null;
}

/** A file record without its manifest, for listings. */
export type FileSummary = Omit<StoredFile, 'manifest'>;

/** What `createFile` needs; server-filled fields start empty. */
export type NewFile = Omit<StoredFile, 'md5' | 'sha256' | 'sanitized_name'>;

/** The server's own seed of a file (`{file_id}:__server__`). */
export interface ServerSeed {
  id: string;
  file_id: string;
  username: string;
  seeded_at: number;
  stored: boolean;
  /** True while at least one user holds a permanent claim. */
  permanent: boolean;
  cached_at: number;
  size: number;
  md5: string;
  /** Id of the physical blob; several files may share one after dedup. */
  storage_file_id: string;
}

/** A physical blob in blob storage. */
export interface BlobRecord {
  id: string;
  sha256: string;
  md5: string;
  size: number;
  created_at: number;
}

/** A user's permanent claim on a file's server copy. */
export interface StorageClaim {
  id: string;
  file_id: string;
  username: string;
  claimed_at: number;
  size: number;
}

/** A claim joined with its file, for listings. */
export interface ClaimedFile extends StorageClaim {
  name: string;
  room_id: string;
  created_at: number;
}

/** Quota bookkeeping of one user. */
export interface UserStatus {
  username: string;
  total_stored_bytes: number;
  suspended: boolean;
}

/** A server copy that was removed (expired, evicted or released). */
export interface RemovedCopy {
  file_id: string;
  room_id: string;
}

/** The outcome of removing server copies: which files lost theirs, which blobs are now unreferenced. */
export interface RemovalResult {
  removed: RemovedCopy[];
  /** Blob ids no file refers to any more; their bytes can be deleted. */
  freed_blob_ids: string[];
}

/** A share link of a file (used by federation; only its token's hash is stored). */
export interface ShareRecord {
  id: string;
  file_id: string;
  token_hash: string;
  scope: string;
  password_hash: string | null;
  expires_at: number | null;
  revoked_at: number | null;
  created_by: string;
  created_at: number;
}

/** A file shared on a peer instance, as this (receiving) instance remembers it: metadata only. */
export interface FederatedFileRecord {
  /** Local id (`fed_` + 128-bit random hex); the `file_id` of the local `[FILE]` message. */
  id: string;
  room_id: string;
  /** Origin of the instance that owns the bytes. */
  origin: string;
  /** The file's id on its origin instance (revocations name it). */
  origin_file_id: string;
  /** Username on the origin instance. */
  sender: string;
  /** The validated federated file object. */
  file: FederatedFile;
  revoked_at: number | null;
  created_at: number;
}

/** Filter of {@link FileStore.list}. */
export interface FileQuery {
  /** Files in these rooms. */
  room_ids?: string[];
  /** Files sent by this user. */
  sender?: string;
  /** Case-insensitive substring of the name. */
  search?: string;
  /** Newest first, at most this many. */
  limit: number;
}

/** A blob that no claimed copy uses, with what eviction order is decided on. */
export interface UnpinnedBlob {
  id: string;
  size: number;
  created_at: number;
  /** Latest `cached_at` of the copies using it; `null` when no copy does. */
  last_cached_at: number | null;
}

/** A message to a peer instance waiting in the outbox. */
export interface OutboxEntry {
  id: string;
  /** Origin of the peer it goes to. */
  peer: string;
  /** The serialized envelope. */
  envelope: string;
  /** Delivery attempts so far. */
  attempts: number;
  /** Earliest time of the next attempt. */
  next_attempt_at: number;
  created_at: number;
}

/** Files, their piece manifests and the users that seed them. */
export interface FileStore {
  /** Creates a file record (with its manifest, when given) and registers its sender as a seeder. */
  create(file: NewFile): Promise<void>;
  /** Deletes a file record and the rows that hang off it (seeds, claims, shares). */
  delete(fileId: string): Promise<void>;
  /** One file, or `null`. */
  get(fileId: string): Promise<StoredFile | null>;
  /** Several files; unknown ids are skipped. */
  getMany(fileIds: readonly string[]): Promise<StoredFile[]>;
  /** Files matching a filter, newest first. Conditions `room_ids` and `sender` are OR-ed. */
  list(query: FileQuery): Promise<FileSummary[]>;
  /** Room ids that have at least one file. */
  roomIds(): Promise<string[]>;
  /** Stores the manifest a file lacks (no-op when it has one). */
  setManifest(fileId: string, manifest: PieceManifest, source: 'sharer' | 'server'): Promise<void>;
  /** Records what the server computed from the uploaded bytes. */
  setContentDigest(
    fileId: string,
    digest: { md5: string; sha256: string; sanitized_name: string },
  ): Promise<void>;
  /** Records `username` as a peer seeder of a file (idempotent). */
  addPeerSeed(fileId: string, username: string, now: number): Promise<void>;
  /** Usernames that have registered as peer seeders of a file, earliest first. */
  peerSeeders(fileId: string): Promise<string[]>;
}

/** The server's copies of files and the physical blobs they use. */
export interface ServerCopyStore {
  /**
   * The server's seed of a file, or `null`. With `lock`, the row stays locked until the
   * transaction ends (claims and removals of one copy then run one after the other).
   */
  get(fileId: string, options?: { lock?: boolean }): Promise<ServerSeed | null>;
  /** Server seeds of several files, by file id. */
  getMany(fileIds: readonly string[]): Promise<Map<string, ServerSeed>>;
  /** Records the server's copy of a file on a blob. */
  insert(copy: { file_id: string; blob: BlobRecord; now: number }): Promise<ServerSeed>;
  /** Deletes the server's seed of a file. */
  delete(fileId: string): Promise<void>;
  /** Marks a copy permanent (claimed) or temporary. */
  setPermanent(fileId: string, permanent: boolean): Promise<void>;
  /** Starts a copy's temp-cache window over at `cachedAt`. */
  recache(fileId: string, cachedAt: number): Promise<void>;
  /** The copies stored on a blob, with their rooms. */
  copiesOfBlob(blobId: string): Promise<RemovedCopy[]>;
  /** File ids of unclaimed copies cached before `cutoff`. */
  unclaimedCachedBefore(cutoff: number): Promise<string[]>;
  /** A stored blob with this SHA-256, or `null`. */
  findBlob(sha256: string): Promise<BlobRecord | null>;
  /** Records a blob. */
  insertBlob(blob: BlobRecord): Promise<void>;
  /** Forgets a blob. */
  deleteBlob(blobId: string): Promise<void>;
  /** How many copies use a blob. */
  blobUsers(blobId: string): Promise<number>;
  /** Ids of every blob the store knows, or only of those recorded before `createdBefore`. */
  blobIds(options?: { createdBefore?: number }): Promise<string[]>;
  /** Blobs no permanent copy uses (eviction candidates, unordered). */
  unpinnedBlobs(): Promise<UnpinnedBlob[]>;
  /** Bytes of every blob, and of blobs a permanent copy uses. */
  usage(): Promise<{ total_bytes: number; pinned_bytes: number }>;
  /**
   * Inside a transaction: waits until no other transaction (on any node) holds the
   * storage lock, and holds it until this one ends. Decisions about the server-wide cap
   * and dedup are taken under it.
   */
  lockStorage(): Promise<void>;
}

/** Permanent-storage claims and per-user quota status. */
export interface ClaimStore {
  /** A user's claim on a file, or `null`. */
  get(fileId: string, username: string): Promise<StorageClaim | null>;
  /** Every claim on a file. */
  ofFile(fileId: string): Promise<StorageClaim[]>;
  /** Which of these files the user has claimed. */
  claimedFileIds(fileIds: readonly string[], username: string): Promise<Set<string>>;
  /** A user's claims with their files, newest first. */
  list(username: string): Promise<ClaimedFile[]>;
  /** Records a claim. */
  insert(claim: StorageClaim): Promise<void>;
  /** Deletes a claim by id. */
  delete(claimId: string): Promise<void>;
  /** A user's quota status (zero and not suspended when unknown). */
  status(username: string): Promise<UserStatus>;
  /**
   * Inside a transaction: a user's status, locked until the transaction ends, so quota
   * checks of one user on every node run one after the other.
   */
  lockStatus(username: string, now: number): Promise<UserStatus>;
  /** Sets a user's stored total. */
  setTotal(username: string, totalStoredBytes: number, now: number): Promise<void>;
  /** Marks a user suspended (no new claims) or not. */
  setSuspended(username: string, suspended: boolean, now: number): Promise<void>;
}

/** Share links (only token hashes are stored), and the files their sharers revoked. */
export interface ShareStore {
  /** Stores a share link. */
  create(share: ShareRecord): Promise<void>;
  /** A share by the SHA-256 hex of its token, or `null`. */
  findByTokenHash(tokenHash: string): Promise<ShareRecord | null>;
  /**
   * Revokes a file: every share of it, and the file itself is remembered as revoked;
   * returns how many shares were not revoked already.
   */
  revokeAll(fileId: string, now: number): Promise<number>;
  /** Whether a file was revoked. */
  hasRevoked(fileId: string): Promise<boolean>;
  /** Which of these files were revoked. */
  revokedAmong(fileIds: readonly string[]): Promise<Set<string>>;
}

/** What federation remembers: nonces, received envelope ids, peers' files, the outbox. */
export interface FederationStore {
  /**
   * Records a signed request's nonce; false when this origin used it before. Nonces seen
   * before `forgetBefore` are dropped first.
   */
  claimNonce(origin: string, nonce: string, now: number, forgetBefore: number): Promise<boolean>;
  /**
   * Records a peer's envelope id; false when it was received before. Ids received before
   * `forgetBefore` are dropped first.
   */
  recordInbound(
    origin: string,
    envelopeId: string,
    now: number,
    forgetBefore: number,
  ): Promise<boolean>;
  /** Forgets a recorded envelope id, so a delivery that failed half-way can be retried. */
  forgetInbound(origin: string, envelopeId: string): Promise<void>;
  /** Stores a peer's file (metadata only). */
  createFile(record: FederatedFileRecord): Promise<void>;
  /** A peer's file by local id, or `null`. */
  getFile(id: string): Promise<FederatedFileRecord | null>;
  /** Deletes a peer's file record. */
  deleteFile(id: string): Promise<void>;
  /** Marks a peer's file revoked in a room; returns the records that were not revoked yet. */
  revokeFiles(input: {
    origin: string;
    origin_file_id: string;
    room_id: string;
    now: number;
  }): Promise<FederatedFileRecord[]>;
  /** Peer files of these rooms, newest first. */
  listFiles(roomIds: readonly string[], limit: number): Promise<FederatedFileRecord[]>;
  /** Records that a file is offered to peers through `shareId`; false when it already was. */
  markOffered(fileId: string, shareId: string, now: number): Promise<boolean>;
  /** Queues envelopes for peers. */
  enqueue(entries: readonly OutboxEntry[]): Promise<void>;
  /** Queued envelopes due at `now`, oldest first. */
  due(now: number, limit: number): Promise<OutboxEntry[]>;
  /** Removes a delivered (or abandoned) envelope. */
  dequeue(id: string): Promise<void>;
  /** Schedules another attempt. */
  reschedule(id: string, attempts: number, nextAttemptAt: number): Promise<void>;
}

/** The concern stores, as seen outside or inside a transaction. */
export interface StoreScope {
  readonly files: FileStore;
  readonly copies: ServerCopyStore;
  readonly claims: ClaimStore;
  readonly shares: ShareStore;
  readonly federation: FederationStore;
}

/** The outcome of {@link MetadataStore.withLease}. */
export type LeaseResult<T> = { ran: true; value: T } | { ran: false };

/** Where the server keeps its metadata. */
export interface MetadataStore extends StoreScope {
  /**
   * Runs `work` in one transaction and commits what it did, or rolls everything back
   * when it throws. The database may ask for the work to be repeated (a serialization
   * failure or deadlock between nodes), so `work` must only touch the store. Never call
   * `transaction` from inside `work`.
   */
  transaction<T>(work: (tx: StoreScope) => Promise<T>): Promise<T>;
  /**
   * Runs `job` while holding the lease `name`, which at most one holder has at a time:
   * across every node sharing a PostgreSQL database, within the process on SQLite. When
   * someone else holds it, `job` is not run.
   */
  withLease<T>(name: string, job: () => Promise<T>): Promise<LeaseResult<T>>;
  /**
   * A secret every node sharing this store sees the same: created once (from `initial`,
   * else 32 random bytes) by whichever node asks first, even when several ask at once.
   */
  sharedSecret(name: string, initial?: () => Buffer): Promise<Buffer>;
  /** Closes the store. Idempotent. */
  close(): Promise<void>;
}
