/**
 * The rules of server copies, over the store's transactions: storing a copy (dedup by
 * SHA-256, making room under the server-wide cap by evicting unclaimed copies), removing
 * copies (refunding the claims on them, freeing blobs nothing uses any more), and the
 * eviction order. Every decision about the cap, dedup and the permanent flag is taken
 * under the store's storage lock, so nodes sharing a database take them one at a time.
 */
import type { PieceManifest } from '../src/core/wire/protocol.js';
import { refundClaim } from './quota.js';
import type {
  BlobRecord,
  MetadataStore,
  RemovalResult,
  ServerSeed,
  StoreScope,
  UnpinnedBlob,
} from './store/metadata-store.js';

/** Input of {@link commitServerCopy}. */
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

/** Outcome of {@link commitServerCopy}. */
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

/** A removal that removed nothing yet. */
export const emptyRemoval = (): RemovalResult => ({ removed: [], freed_blob_ids: [] });

/**
 * The order in which unclaimed blobs are evicted: blobs no copy uses at all first (left
 * by an interrupted removal, nothing needs them), then the least recently cached, then
 * the oldest.
 */
export function evictionOrder(blobs: readonly UnpinnedBlob[]): UnpinnedBlob[] {
  return [...blobs].sort(
    (a, b) =>
      (a.last_cached_at ?? -Infinity) - (b.last_cached_at ?? -Infinity) ||
      a.created_at - b.created_at ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

/** The first blobs in eviction order that together free at least `needed` bytes (or all of them). */
export function pickEvictions(
  blobs: readonly UnpinnedBlob[],
  needed: number,
): { chosen: UnpinnedBlob[]; freed: number } {
  const chosen: UnpinnedBlob[] = [];
  let freed = 0;
  for (const blob of evictionOrder(blobs)) {
    if (freed >= needed) break;
    chosen.push(blob);
    freed += blob.size;
  }
  return { chosen, freed };
}

/** Forgets a blob when no copy uses it any more; its bytes can then be deleted. */
async function releaseBlobIfUnused(
  tx: StoreScope,
  blobId: string,
  result: RemovalResult,
): Promise<void> {
  if (result.freed_blob_ids.includes(blobId) || (await tx.copies.blobUsers(blobId)) > 0) return;
  await tx.copies.deleteBlob(blobId);
  result.freed_blob_ids.push(blobId);
}

/**
 * Inside a transaction holding the storage lock: deletes a file's server copy, refunding
 * every claim on it, and the blob when nothing else uses it.
 */
export async function dropServerCopy(
  tx: StoreScope,
  fileId: string,
  now: number,
  result: RemovalResult,
): Promise<void> {
  const seed = await tx.copies.get(fileId, { lock: true });
  if (!seed) return;
  for (const claim of await tx.claims.ofFile(fileId)) await refundClaim(tx, claim, now);
  await tx.copies.delete(fileId);
  const file = await tx.files.get(fileId);
  result.removed.push({ file_id: fileId, room_id: file?.room_id ?? '' });
  await releaseBlobIfUnused(tx, seed.storage_file_id, result);
}

/**
 * Inside a transaction holding the storage lock: evicts whole blobs (every unclaimed
 * copy using them) in eviction order until `needed` bytes are free. With
 * `allOrNothing`, evicts nothing when that cannot be reached. Returns whether it was.
 */
export async function evict(
  tx: StoreScope,
  needed: number,
  now: number,
  result: RemovalResult,
  allOrNothing: boolean,
): Promise<boolean> {
  const { chosen, freed } = pickEvictions(await tx.copies.unpinnedBlobs(), needed);
  if (freed < needed && allOrNothing) return false;
  for (const blob of chosen) {
    const copies = await tx.copies.copiesOfBlob(blob.id);
    for (const { file_id } of copies) await dropServerCopy(tx, file_id, now, result);
    // A blob no copy uses is not released by dropServerCopy.
    if (copies.length === 0) await releaseBlobIfUnused(tx, blob.id, result);
  }
  return freed >= needed;
}

/**
 * Registers the server copy of a file in one transaction: reuses an existing blob with
 * the same SHA-256 (dedup), otherwise makes room under the cap by evicting unclaimed
 * copies, or answers `full` without evicting anything when even that would not be
 * enough. A file that already has a server copy keeps it.
 */
export function commitServerCopy(
  store: MetadataStore,
  input: CommitServerCopyInput,
): Promise<CommitServerCopyResult> {
  return store.transaction(async (tx): Promise<CommitServerCopyResult> => {
    await tx.copies.lockStorage();
    const file = await tx.files.get(input.file_id);
    if (!file) return { status: 'missing_file', unused_blob_id: input.blob.id };
    const removal = emptyRemoval();
    const existing = await tx.copies.get(input.file_id);
    if (existing) {
      return {
        status: 'stored',
        storage_file_id: existing.storage_file_id,
        deduped: true,
        unused_blob_id: input.blob.id,
        seed: existing,
        ...removal,
      };
    }
    let blob = input.blob;
    const twin = await tx.copies.findBlob(input.blob.sha256);
    if (twin) {
      blob = twin;
    } else {
      const { total_bytes: total } = await tx.copies.usage();
      const needed = total + input.blob.size - input.max_total_bytes;
      if (needed > 0 && !(await evict(tx, needed, input.now, removal, true))) {
        const { pinned_bytes } = await tx.copies.usage();
        return { status: 'full', pinned_bytes, unused_blob_id: input.blob.id };
      }
      await tx.copies.insertBlob(input.blob);
    }
    const seed = await tx.copies.insert({ file_id: input.file_id, blob, now: input.now });
    await tx.files.setContentDigest(input.file_id, {
      md5: input.blob.md5,
      sha256: input.blob.sha256,
      sanitized_name: input.sanitized_name,
    });
    await tx.files.setManifest(input.file_id, input.manifest, 'server');
    return {
      status: 'stored',
      storage_file_id: blob.id,
      deduped: twin !== null,
      unused_blob_id: twin ? input.blob.id : null,
      seed,
      ...removal,
    };
  });
}

/** Removes a file's server copy, unless `onlyIfUnclaimed` and someone holds a claim. */
export function removeServerCopy(
  store: MetadataStore,
  fileId: string,
  options: { onlyIfUnclaimed: boolean; now: number },
): Promise<RemovalResult> {
  return store.transaction(async (tx) => {
    const result = emptyRemoval();
    await tx.copies.lockStorage();
    if (options.onlyIfUnclaimed && (await tx.claims.ofFile(fileId)).length > 0) return result;
    await dropServerCopy(tx, fileId, options.now, result);
    return result;
  });
}

/** Deletes a file record and its server copy (used to undo a failed share). */
export function deleteFile(
  store: MetadataStore,
  fileId: string,
  now: number,
): Promise<RemovalResult> {
  return store.transaction(async (tx) => {
    const result = emptyRemoval();
    await tx.copies.lockStorage();
    await dropServerCopy(tx, fileId, now, result);
    await tx.files.delete(fileId);
    return result;
  });
}

/** Forgets blobs whose bytes are gone, with the server copies that used them. */
export function dropBlobs(
  store: MetadataStore,
  blobIds: readonly string[],
  now: number,
): Promise<RemovalResult> {
  return store.transaction(async (tx) => {
    const result = emptyRemoval();
    await tx.copies.lockStorage();
    for (const blobId of blobIds) {
      for (const { file_id } of await tx.copies.copiesOfBlob(blobId)) {
        await dropServerCopy(tx, file_id, now, result);
      }
      await releaseBlobIfUnused(tx, blobId, result);
    }
    return result;
  });
}
