/**
 * The one acceptance path of uploads. Whether the bytes came as a multipart body or as
 * a finished tus upload, this step checks them against the share (size, type, piece
 * manifest), puts the blob in place or reuses an identical one (by the server's own
 * SHA-256), records the server copy, and tells the room and the federation peers.
 */
import { commitServerCopy } from '../server-copies.js';
import type { UploadResponse } from '../../src/core/wire/protocol.js';
import { expiresAt } from '../access.js';
import { contentMatchesType, isAllowedType } from '../content-type.js';
import { completeRemoval, emitToRoom, type ServerContext } from '../context.js';
import { ChatFilesError } from '../errors.js';
import { sanitizeFileName } from '../file-names.js';
import { sameManifest } from '../hashing.js';
import type { StoredFile } from '../store/metadata-store.js';
import { storageCapError } from './authorize-upload.js';
import type { ReceivedBlob } from './receive-into-blob.js';
import { uploadFailure } from './upload-errors.js';

/** Throws unless the received bytes are the bytes that were shared. */
function verify(ctx: ServerContext, record: StoredFile, { digest }: ReceivedBlob): void {
  if (digest.size !== record.size) {
    throw new ChatFilesError(
      'ERR_VALIDATION',
      `Received ${digest.size} bytes, but the shared file has ${record.size}.`,
    );
  }
  const allowList = ctx.config.server_seeding.allowed_mime_types;
  if (allowList !== null) {
    if (!isAllowedType(record.mime_type, allowList)) {
      throw new ChatFilesError(
        'ERR_UNSUPPORTED_TYPE',
        `Files of type ${record.mime_type} are not allowed.`,
      );
    }
    if (!contentMatchesType(record.mime_type, digest.head)) {
      throw new ChatFilesError(
        'ERR_UNSUPPORTED_TYPE',
        `The content is not ${record.mime_type}, the type it was shared as.`,
      );
    }
  }
  if (record.manifest && !sameManifest(record.manifest, digest.manifest)) {
    throw new ChatFilesError(
      'ERR_INTEGRITY',
      'The uploaded bytes do not match the pieces of the shared file.',
    );
  }
}

/**
 * Accepts received bytes as the server copy of `record` and answers what the client is
 * told. Owns `received.writer`: the blob is committed, reused or removed, never left.
 * The caller holds the file's upload gate, so no other upload of it commits meanwhile.
 */
export async function acceptUpload(
  ctx: ServerContext,
  record: StoredFile,
  received: ReceivedBlob,
): Promise<UploadResponse> {
  const { config } = ctx;
  const { writer, digest } = received;
  try {
    verify(ctx, record, received);
    await writer.commit();
  } catch (error) {
    await writer.abort();
    throw uploadFailure(error, record.size);
  }
  // From here the blob is in place; the store either adopts it or names it unused.
  const now = ctx.now();
  const result = await commitServerCopy(ctx.store, {
    file_id: record.id,
    blob: {
      id: writer.id,
      sha256: digest.sha256,
      md5: digest.md5,
      size: digest.size,
      created_at: now,
    },
    manifest: digest.manifest,
    sanitized_name: sanitizeFileName(record.name),
    now,
    max_total_bytes: config.server_seeding.max_total_storage_bytes,
  }).catch(async (error: unknown) => {
    await ctx.blobs.delete(writer.id);
    throw uploadFailure(error, record.size);
  });
  if (result.unused_blob_id) await ctx.blobs.delete(result.unused_blob_id);
  if (result.status === 'missing_file') {
    throw new ChatFilesError('ERR_NOT_FOUND', 'The file was deleted during the upload.');
  }
  if (result.status === 'full') {
    throw storageCapError(result.pinned_bytes, config.server_seeding.max_total_storage_bytes);
  }
  if (result.seed.seeded_at !== now) {
    // The file already had a server copy (an upload on another node that does not share
    // the gate): these bytes were not kept, so the answer must not describe them.
    await completeRemoval(ctx, result, 'evicted');
    throw new ChatFilesError(
      'ERR_CONFLICT',
      'Another upload of this file stored it first; these bytes were not kept.',
    );
  }
  await completeRemoval(ctx, result, 'evicted');
  if (ctx.federation) {
    // The share is made before answering, so a revoke right after cannot miss it;
    // the peers are told in the background. The upload stands either way.
    await ctx.federation.fileStored(record.id).catch((error: unknown) => {
      ctx.logger.error(`cannot federate file ${record.id}`, error);
    });
  }
  const expires = expiresAt(ctx, result.seed);
  emitToRoom(ctx, record.room_id, 'chat:file:server_cached', {
    file_id: record.id,
    room_id: record.room_id,
    expires_at: expires,
  });
  return {
    success: true,
    file_id: record.id,
    expires_at: expires,
    deduped: result.deduped,
    md5: digest.md5,
    sha256: digest.sha256,
  };
}
