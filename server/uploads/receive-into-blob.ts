/**
 * Streams an upload body into a new blob while hashing it, stopping at the size the file
 * was shared with: the one way bytes enter blob storage, for multipart bodies and for
 * finished tus uploads alike. A failure leaves no blob behind.
 */
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ServerContext } from '../context.js';
import { ContentHasher, type ContentDigest } from '../hashing.js';
import type { BlobWriter } from '../storage/blob-storage.js';
import type { StoredFile } from '../store/metadata-store.js';
import { uploadFailure } from './upload-errors.js';

/** Bytes received into a blob that is written but not yet committed. */
export interface ReceivedBlob {
  writer: Pick<BlobWriter, 'id' | 'commit' | 'abort'>;
  digest: ContentDigest;
}

/**
 * Receives `source` into a new blob, hashing at the piece size of the share. Rejects with
 * the client-facing error (413 past the shared size, 408 when `signal` aborts with an
 * {@link UploadIdleError}, 507 on a full disk) after removing what was written.
 */
export async function receiveIntoBlob(
  ctx: ServerContext,
  record: StoredFile,
  source: Readable,
  signal?: AbortSignal,
): Promise<ReceivedBlob> {
  const pieceSize = record.manifest?.piece_size ?? ctx.config.piece_size;
  let writer: BlobWriter;
  try {
    writer = await ctx.blobs.create();
  } catch (error) {
    source.resume();
    throw uploadFailure(error, record.size);
  }
  const hasher = new ContentHasher(pieceSize, record.size);
  // The source is piped, not part of the pipeline: a failure here must not destroy it,
  // so a multipart parser can still finish the body and the client hears the answer.
  const sourceFailed = new Promise<never>((_, reject) => source.once('error', reject));
  sourceFailed.catch(() => undefined);
  source.pipe(hasher);
  try {
    await Promise.race([pipeline(hasher, writer.stream, signal ? { signal } : {}), sourceFailed]);
    return { writer, digest: await hasher.digest() };
  } catch (error) {
    source.unpipe(hasher);
    source.resume();
    hasher.destroy();
    hasher.cancel();
    await writer.abort();
    throw uploadFailure(error, record.size);
  }
}
