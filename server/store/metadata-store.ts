/**
 * The metadata store: files, seeds, stored blobs, storage claims, per-user quota status,
 * piece manifests and share links. An interface so a host can back it with another
 * database; `SqliteMetadataStore` is the default. Every method that reads and writes
 * quota or reference counts does so atomically, so two concurrent requests cannot both
 * pass a check that only one of them should.
 */
import type { FederatedFile } from '../../src/core/federated-file.js';
import type { FileRecord, PieceManifest } from '../../src/core/protocol.js';

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

/** Input of {@link MetadataStore.commitServerCopy}. */
export interface CommitServerCopyInput {
  file_id: string;
  /** The blob just written and verified, already at its final place in blob storage. */
  blob: BlobRecord;
  /** The manifest derived from the uploaded bytes; stored when the file has none yet. */
  manifest: PieceManifest;
  sanitized_name: string;
  now: number;
  /** Server-wide cap on the bytes of all blobs. */
  max_total_bytes: number;
}

/** Outcome of {@link MetadataStore.commitServerCopy}. */
export type CommitServerCopyResult =
  | (RemovalResult & {
      status: 'stored';
      storage_file_id: string;
      /** True when an existing blob with the same SHA-256 is used instead of the new one. */
      deduped: boolean;
      /** The new blob when it ended up unused (dedup); its bytes can be deleted. */
      unused_blob_id: string | null;
      seed: ServerSeed;
    })
  | {
      /** The file record vanished while its bytes were being received. */
      status: 'missing_file';
      unused_blob_id: string;
    }
  | {
      status: 'full';
      /** Bytes in use by blobs that no eviction may touch. */
      pinned_bytes: number;
      unused_blob_id: string;
    };

/** Outcome of {@link MetadataStore.claimStorage}. */
export type ClaimResult =
  | { status: 'claimed' | 'already_claimed'; total_stored_bytes: number }
  | { status: 'over_quota'; total_stored_bytes: number }
  | { status: 'no_server_copy' | 'suspended' };

/** Outcome of {@link MetadataStore.releaseClaim}. */
export interface ReleaseResult {
  released: boolean;
  total_stored_bytes: number;
  /** Claims other users still hold on the file. */
  remaining_claims: number;
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

/** Filter of {@link MetadataStore.listFiles}. */
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

/** Where the server keeps its metadata. */
export interface MetadataStore {
  /** Creates a file record and registers its sender as a seeder. */
  createFile(file: NewFile): Promise<void>;
  /** Deletes a file record and everything that hangs off it (used to undo a failed share). */
  deleteFile(fileId: string): Promise<RemovalResult>;
  /** One file, or `null`. */
  getFile(fileId: string): Promise<StoredFile | null>;
  /** Several files; unknown ids are skipped. */
  getFiles(fileIds: readonly string[]): Promise<StoredFile[]>;
  /** Files matching a filter, newest first. Conditions `room_ids` and `sender` are OR-ed. */
  listFiles(query: FileQuery): Promise<FileSummary[]>;
  /** Room ids that have at least one file. */
  roomIdsWithFiles(): Promise<string[]>;

  /** Records `username` as a peer seeder of a file (idempotent). */
  addPeerSeed(fileId: string, username: string, now: number): Promise<void>;
  /** Usernames that have registered as peer seeders of a file. */
  peerSeeders(fileId: string): Promise<string[]>;

  /** The server's seed of a file, or `null` when the server holds no copy. */
  getServerSeed(fileId: string): Promise<ServerSeed | null>;
  /** Server seeds of several files, by file id. */
  getServerSeeds(fileIds: readonly string[]): Promise<Map<string, ServerSeed>>;
  /** A stored blob with this SHA-256, or `null`. */
  findBlobBySha256(sha256: string): Promise<BlobRecord | null>;
  /**
   * Registers the server copy of a file in one transaction: reuses an existing blob with
   * the same SHA-256 (dedup), otherwise makes room under the cap by evicting unclaimed
   * copies oldest-first, or answers `full` without evicting anything when even that
   * would not be enough. A file that already has a server copy keeps it.
   */
  commitServerCopy(input: CommitServerCopyInput): Promise<CommitServerCopyResult>;
  /** Removes a file's server copy, unless `onlyIfUnclaimed` and someone holds a claim. */
  removeServerCopy(fileId: string, options: { onlyIfUnclaimed: boolean }): Promise<RemovalResult>;
  /** Removes every unclaimed server copy cached before `cutoff`. */
  expireUnclaimed(cutoff: number): Promise<RemovalResult>;
  /** Evicts unclaimed copies oldest-first until all blobs fit in `maxTotalBytes`. */
  enforceCap(maxTotalBytes: number): Promise<RemovalResult>;
  /** Bytes that could be in use after evicting every unclaimed copy, and bytes in use now. */
  storageUsage(): Promise<{ total_bytes: number; pinned_bytes: number }>;
  /** Ids of every blob the store knows. */
  blobIds(): Promise<string[]>;
  /** Forgets blobs whose bytes are gone, with the server copies that used them. */
  dropBlobs(blobIds: readonly string[]): Promise<RemovalResult>;

  /** Stores the manifest a file lacks (no-op when it has one). */
  setManifest(fileId: string, manifest: PieceManifest): Promise<void>;

  /** A user's claim on a file, or `null`. */
  getClaim(fileId: string, username: string): Promise<StorageClaim | null>;
  /** Which of these files the user has claimed. */
  claimedFileIds(fileIds: readonly string[], username: string): Promise<Set<string>>;
  /** A user's claims with their files, newest first. */
  listClaims(username: string): Promise<ClaimedFile[]>;
  /** A user's quota status (zero when unknown). */
  getUserStatus(username: string): Promise<UserStatus>;
  /** Marks a user suspended (no new claims) or not. */
  setSuspended(username: string, suspended: boolean, now: number): Promise<void>;
  /**
   * Claims permanent storage of a file for a user, atomically: the server copy must
   * exist, and the user's total plus the file's size must stay within `limit`.
   */
  claimStorage(input: {
    file_id: string;
    username: string;
    limit: number;
    now: number;
  }): Promise<ClaimResult>;
  /** Releases a user's claim; the copy stays permanent while others hold claims. */
  releaseClaim(input: { file_id: string; username: string; now: number }): Promise<ReleaseResult>;

  /** Stores a share link. */
  createShare(share: ShareRecord): Promise<void>;
  /** A share by the SHA-256 hex of its token, or `null`. */
  findShareByTokenHash(tokenHash: string): Promise<ShareRecord | null>;
  /** Revokes every share of a file; returns how many were not revoked already. */
  revokeShares(fileId: string, now: number): Promise<number>;
  /**
   * Stores the share through which a file is offered to peer instances, unless the file
   * already has one or had shares revoked; returns whether it was stored. Makes
   * federating a file happen once, and never again after its sender revoked it.
   */
  createFederationShare(share: ShareRecord): Promise<boolean>;

  /**
   * Records a signed request's nonce; false when this origin used it before. Nonces seen
   * before `forgetBefore` are dropped (requests that old are refused for their date).
   */
  claimNonce(origin: string, nonce: string, now: number, forgetBefore: number): Promise<boolean>;
  /**
   * Records a peer's envelope id; false when it was received before (a duplicate). Ids
   * older than a week may be forgotten.
   */
  recordInboundEnvelope(origin: string, envelopeId: string, now: number): Promise<boolean>;
  /** Forgets a recorded envelope id, so a delivery that failed half-way can be retried. */
  forgetInboundEnvelope(origin: string, envelopeId: string): Promise<void>;
  /** Stores a peer's file (metadata only). */
  createFederatedFile(record: FederatedFileRecord): Promise<void>;
  /** A peer's file by local id, or `null`. */
  getFederatedFile(id: string): Promise<FederatedFileRecord | null>;
  /** Deletes a peer's file record (used to undo a delivery that could not be posted). */
  deleteFederatedFile(id: string): Promise<void>;
  /** Marks a peer's file revoked in a room; returns the records that were not revoked yet. */
  revokeFederatedFiles(input: {
    origin: string;
    origin_file_id: string;
    room_id: string;
    now: number;
  }): Promise<FederatedFileRecord[]>;
  /** Peer files of these rooms, newest first. */
  listFederatedFiles(roomIds: readonly string[], limit: number): Promise<FederatedFileRecord[]>;

  /** Closes the store. Idempotent. */
  close(): Promise<void>;
}
