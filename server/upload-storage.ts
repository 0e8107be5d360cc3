/**
 * The multer storage engine of multipart uploads: before the file part's first byte is
 * written it asks `admit` whether (and as what file) to accept it, then streams the part
 * into blob storage through {@link receiveIntoBlob}, so nothing is buffered whole and an
 * upload that goes wrong leaves no file and no open descriptor.
 */
import type { Request } from 'express';
import type { StorageEngine } from 'multer';
import type { ServerContext } from './context.js';
import type { StoredFile } from './store/metadata-store.js';
import { receiveIntoBlob, type ReceivedBlob } from './uploads/receive-into-blob.js';

const RECEIVED = Symbol('chat-files received upload');

/** The received upload multer attached to its file object. */
export function receivedUpload(file: Express.Multer.File | undefined): ReceivedBlob | null {
  return (file as { [RECEIVED]?: ReceivedBlob } | undefined)?.[RECEIVED] ?? null;
}

/** A multer engine writing into blob storage; `admit` runs before any byte is written. */
export class StreamingUploadStorage implements StorageEngine {
  constructor(
    private readonly ctx: ServerContext,
    private readonly admit: (req: Request) => Promise<StoredFile>,
    private readonly signal?: AbortSignal,
  ) {}

  _handleFile(
    req: Request,
    file: Express.Multer.File,
    callback: (error?: unknown, info?: Partial<Express.Multer.File>) => void,
  ): void {
    this.admit(req)
      .then((record) => receiveIntoBlob(this.ctx, record, file.stream, this.signal))
      .then(
        (received) => callback(null, { [RECEIVED]: received } as Partial<Express.Multer.File>),
        (error: unknown) => {
          // Let the rest of the part flow past so the parser can finish or fail on its own.
          file.stream.resume();
          callback(error);
        },
      );
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
