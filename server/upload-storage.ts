/**
 * The multer storage engine of uploads: streams the file part to a temporary blob while
 * hashing it (SHA-256, MD5, SHA-256 per piece) and counting bytes, so nothing is ever
 * buffered whole and an upload that goes wrong leaves no file and no open descriptor.
 */
import type { Request } from 'express';
import type { StorageEngine } from 'multer';
import { pipeline } from 'node:stream/promises';
import type { ServerContext } from './context.js';
import { ChatFilesError } from './errors.js';
import { ContentHasher, TooManyBytesError, type ContentDigest } from './hashing.js';
import type { BlobWriter } from './storage/blob-storage.js';
import type { StoredFile } from './store/metadata-store.js';

/** How to receive one file part, decided once the fields before it are known. */
export interface UploadPlan {
  /** The file record, when `file_id` arrived before the file part. */
  record: StoredFile | null;
  /** Piece size to hash at (the sharer's, when known). */
  pieceSize: number;
  /** Most bytes accepted; one more fails the upload. */
  maxBytes: number;
}

/** A file part received into a temporary blob. */
export interface ReceivedUpload {
  writer: BlobWriter;
  digest: ContentDigest;
  plan: UploadPlan;
}

const RECEIVED = Symbol('chat-files received upload');

/** The received upload multer attached to its file object. */
export function receivedUpload(file: Express.Multer.File | undefined): ReceivedUpload | null {
  return (file as { [RECEIVED]?: ReceivedUpload } | undefined)?.[RECEIVED] ?? null;
}

/** Turns a failure while receiving into what the client should hear. */
function receiveError(error: unknown, plan: UploadPlan): unknown {
  if (error instanceof TooManyBytesError) {
    // With a record the bound is the shared size (never above max_file_size, which the
    // route checks first); without one it is max_file_size itself.
    return plan.record
      ? new ChatFilesError(
          'ERR_VALIDATION',
          `The upload is larger than the ${plan.record.size} bytes that were shared.`,
        )
      : new ChatFilesError(
          'ERR_TOO_LARGE',
          `The file is larger than the ${plan.maxBytes}-byte limit.`,
        );
  }
  if ((error as NodeJS.ErrnoException).code === 'ENOSPC') {
    return new ChatFilesError('ERR_STORAGE_FULL', 'The server disk is full; try again later.');
  }
  return error;
}

/** A multer engine writing into blob storage; `plan` runs before any byte is written. */
export class StreamingUploadStorage implements StorageEngine {
  constructor(
    private readonly ctx: ServerContext,
    private readonly plan: (req: Request) => Promise<UploadPlan>,
  ) {}

  _handleFile(
    req: Request,
    file: Express.Multer.File,
    callback: (error?: unknown, info?: Partial<Express.Multer.File>) => void,
  ): void {
    this.receive(req, file).then(
      (received) => callback(null, { [RECEIVED]: received } as Partial<Express.Multer.File>),
      (error: unknown) => {
        // Let the rest of the part flow past so the parser can finish or fail on its own.
        file.stream.resume();
        callback(error);
      },
    );
  }

  private async receive(req: Request, file: Express.Multer.File): Promise<ReceivedUpload> {
    const plan = await this.plan(req);
    const writer = await this.ctx.blobs.create();
    const hasher = new ContentHasher(plan.pieceSize, plan.maxBytes);
    try {
      await pipeline(file.stream, hasher, writer.stream);
    } catch (error) {
      await writer.abort();
      throw receiveError(error, plan);
    }
    return { writer, digest: hasher.digest(), plan };
  }

  _removeFile(
    _req: Request,
    file: Express.Multer.File,
    callback: (error: Error | null) => void,
  ): void {
    const received = receivedUpload(file);
    if (!received) {
      callback(null);
      return;
    }
    received.writer.abort().then(
      () => callback(null),
      (error: unknown) => callback(error as Error),
    );
  }
}
