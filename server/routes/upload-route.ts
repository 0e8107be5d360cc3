/**
 * `POST /upload`: the sharer sends the bytes of a file they shared, as multipart with the
 * `file_id` (in the query, `?file_id=`, or as a form field before the file part) and the
 * `file` part. Who may upload is settled before the first byte of the file is written;
 * the bytes then stream into a new blob while a worker hashes them, and the one
 * acceptance path ({@link acceptUpload}) verifies, stores and announces them.
 */
import type { Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import { requireUser } from '../access.js';
import type { ServerContext } from '../context.js';
import { ChatFilesError } from '../errors.js';
import type { StoredFile } from '../store/metadata-store.js';
import { receivedUpload, StreamingUploadStorage } from '../upload-storage.js';
import { acceptUpload } from '../uploads/accept-upload.js';
import { warmHashPool } from '../uploads/hash-pool.js';
import { admitUpload, parseUploadFileId } from '../uploads/authorize-upload.js';
import { watchIdleBody } from '../uploads/idle-timeout.js';
import type { ReceivedBlob } from '../uploads/receive-into-blob.js';
import type { UploadPass } from '../uploads/upload-gate.js';
import { asyncHandler, requireSeedingEnabled } from './route-helpers.js';

/** Form fields besides `file` that a client may send (others are ignored). */
const MAX_FIELDS = 8;

/** Turns multer's and the multipart parser's errors into client errors. */
function uploadError(error: unknown, maxFileSize: number): unknown {
  if (error instanceof ChatFilesError) return error;
  if (error instanceof multer.MulterError) {
    switch (error.code) {
      case 'LIMIT_FILE_SIZE':
        return new ChatFilesError(
          'ERR_TOO_LARGE',
          `The file is larger than the ${maxFileSize}-byte limit.`,
        );
      case 'LIMIT_FILE_COUNT':
      case 'LIMIT_UNEXPECTED_FILE':
        return new ChatFilesError(
          'ERR_BAD_REQUEST',
          'Send exactly one file, in the form field named "file".',
        );
      case 'MISSING_FIELD_NAME':
        return new ChatFilesError('ERR_BAD_REQUEST', 'A form field has no name.');
      default:
        return new ChatFilesError('ERR_BAD_REQUEST', `Invalid upload form: ${error.message}.`);
    }
  }
  // Disk trouble is the server's problem; anything else came from parsing the body.
  if (typeof (error as NodeJS.ErrnoException).syscall === 'string') return error;
  return new ChatFilesError(
    'ERR_BAD_REQUEST',
    `Malformed multipart body: ${(error as Error).message ?? 'unreadable'}.`,
  );
}

/** Runs multer and resolves with the received file part (or `null` when there is none). */
function receive(
  ctx: ServerContext,
  req: Request,
  res: Response,
  admit: (req: Request) => Promise<StoredFile>,
  signal: AbortSignal,
): Promise<ReceivedBlob | null> {
  const maxFileSize = ctx.config.max_file_size;
  const middleware = multer({
    storage: new StreamingUploadStorage(ctx, admit, signal),
    limits: {
      fileSize: maxFileSize,
      files: 1,
      fields: MAX_FIELDS,
      fieldSize: 1024,
      fieldNameSize: 100,
      parts: MAX_FIELDS + 1,
      headerPairs: 20,
    },
    fileFilter: (_req, file, cb) => {
      if (file.fieldname === 'file') cb(null, true);
      else cb(new multer.MulterError('LIMIT_UNEXPECTED_FILE', file.fieldname));
    },
  }).single('file');
  return new Promise((resolve, reject) => {
    middleware(req, res, (error?: unknown) => {
      if (error) reject(uploadError(error, maxFileSize));
      else resolve(receivedUpload(req.file));
    });
  });
}

/** Builds the handler of `POST /upload`. */
export function uploadRoute(ctx: ServerContext): RequestHandler {
  const { config } = ctx;
  if (config.server_seeding.enabled) warmHashPool();
  const fileIdMismatch = () =>
    new ChatFilesError('ERR_VALIDATION', 'The file_id field and ?file_id= name different files.');

  return asyncHandler(async (req, res) => {
    await ctx.ready;
    const user = await requireUser(ctx, req);
    requireSeedingEnabled(ctx);
    if (req.readableEnded) {
      // Another middleware already read the body; multer would wait for it forever.
      throw new ChatFilesError(
        'ERR_BAD_REQUEST',
        'The upload body was consumed before it reached chat-files; mount the router before any multipart parser.',
      );
    }
    if (!req.is('multipart/form-data')) {
      throw new ChatFilesError(
        'ERR_BAD_REQUEST',
        'Send multipart/form-data with the fields file_id and file.',
      );
    }

    let record: StoredFile | null = null;
    let pass: UploadPass | null = null;
    const admit = async (fileId: string) => {
      ({ record, pass } = await admitUpload(ctx, user.username, fileId));
      return record;
    };
    const queryId = req.query.file_id;
    // With the id in the URL, everything is settled before the body is read at all.
    if (queryId !== undefined) await admit(parseUploadFileId(queryId));
    const idle = watchIdleBody(req, res, config.server_seeding.upload_idle_timeout_seconds);
    let received: ReceivedBlob | null = null;
    try {
      received = await receive(
        ctx,
        req,
        res,
        async (request) => {
          const field: unknown = (request.body as Record<string, unknown>).file_id;
          if (record) {
            if (field !== undefined && field !== (record as StoredFile).id) throw fileIdMismatch();
            return record;
          }
          if (field === undefined) {
            throw new ChatFilesError(
              'ERR_BAD_REQUEST',
              'Send file_id before the file part, or as ?file_id= in the URL.',
            );
          }
          return admit(parseUploadFileId(field));
        },
        idle.signal,
      );
      idle.stop();
      if (!received) {
        throw new ChatFilesError(
          'ERR_BAD_REQUEST',
          'The form has no file in a field named "file".',
        );
      }
      const fields = req.body as Record<string, unknown>;
      if (Object.hasOwn(fields, '')) {
        throw new ChatFilesError('ERR_BAD_REQUEST', 'A form field has an empty name.');
      }
      if (fields.file_id !== undefined && fields.file_id !== record!.id) throw fileIdMismatch();
      const accepting = received;
      received = null;
      res.json(await acceptUpload(ctx, record!, accepting));
    } catch (error) {
      await received?.writer.abort();
      // A stalled body was already answered 408; what failed after that is its echo.
      if (idle.answered) return;
      throw error;
    } finally {
      idle.stop();
      await (pass as UploadPass | null)?.release();
    }
  });
}
