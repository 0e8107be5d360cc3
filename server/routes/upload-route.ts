/**
 * `POST /upload`: the sharer sends the bytes of a file they shared, as multipart fields
 * `file_id` and `file`. The bytes stream to a temporary blob while being hashed; only
 * when the size, type and piece manifest check out is the blob put in place (or an
 * identical stored blob reused) and registered as the server's seed.
 */
import { commitServerCopy } from '../server-copies.js';
import type { Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import type { UploadResponse } from '../../src/core/protocol.js';
import { expiresAt, isServable, requireMember, requireUser } from '../access.js';
import { contentMatchesType, isAllowedType } from '../content-type.js';
import { completeRemoval, emitToRoom, type ServerContext } from '../context.js';
import { ChatFilesError } from '../errors.js';
import { sanitizeFileName } from '../file-names.js';
import { hashStream, sameManifest } from '../hashing.js';
import { formatBytes } from '../quota.js';
import {
  receivedUpload,
  StreamingUploadStorage,
  type ReceivedUpload,
  type UploadPlan,
} from '../upload-storage.js';
import { MAX_ID_LENGTH } from '../validate.js';
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

/** The `file_id` field, validated. */
function fileIdField(req: Request): string {
  const value: unknown = (req.body as Record<string, unknown> | undefined)?.file_id;
  if (typeof value !== 'string' || value === '' || value.length > MAX_ID_LENGTH) {
    throw new ChatFilesError(
      'ERR_VALIDATION',
      'file_id must be the id returned by chat:file:share, sent as a form field.',
    );
  }
  return value;
}

/** Runs multer and resolves with the received file part (or `null` when there is none). */
function receive(
  ctx: ServerContext,
  req: Request,
  res: Response,
  plan: (req: Request) => Promise<UploadPlan>,
): Promise<ReceivedUpload | null> {
  const maxFileSize = ctx.config.max_file_size;
  const middleware = multer({
    storage: new StreamingUploadStorage(ctx, plan),
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

  /** Loads the file and checks the uploader may store it; shared by both field orders. */
  const loadRecord = async (fileId: string, username: string) => {
    const record = await ctx.store.files.get(fileId);
    if (!record) throw new ChatFilesError('ERR_NOT_FOUND', 'No such file; share it first.');
    if (record.sender !== username) {
      throw new ChatFilesError('ERR_FORBIDDEN', 'Only the user who shared a file may upload it.');
    }
    await requireMember(ctx, username, record.room_id);
    // The limit may have been lowered since the file was shared.
    if (record.size > config.max_file_size) {
      throw new ChatFilesError(
        'ERR_TOO_LARGE',
        `The file is larger than the ${config.max_file_size}-byte limit.`,
      );
    }
    return record;
  };

  /** Fails fast when the file cannot fit even after evicting every unclaimed copy. */
  const checkRoom = async (size: number, fileId: string) => {
    if (isServable(ctx, await ctx.store.copies.get(fileId))) return;
    const cap = config.server_seeding.max_total_storage_bytes;
    const { pinned_bytes: pinned } = await ctx.store.copies.usage();
    if (pinned + size > cap) throw storageFull(pinned, cap);
  };

  const storageFull = (pinned: number, cap: number) =>
    new ChatFilesError(
      'ERR_STORAGE_FULL',
      `Server storage is full: ${formatBytes(pinned)} of ${formatBytes(cap)} is held by permanently stored files. Try again once space is freed.`,
    );

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

    const received = await receive(ctx, req, res, async (request) => {
      // When file_id came before the file part, everything is checked before any byte
      // is written; otherwise the same checks run once the body is complete.
      const fields = request.body as Record<string, unknown>;
      if (fields.file_id === undefined) {
        return { record: null, pieceSize: config.piece_size, maxBytes: config.max_file_size };
      }
      const record = await loadRecord(fileIdField(request), user.username);
      await checkRoom(record.size, record.id);
      return {
        record,
        pieceSize: record.manifest?.piece_size ?? config.piece_size,
        maxBytes: Math.min(record.size, config.max_file_size),
      };
    });
    if (!received) {
      throw new ChatFilesError('ERR_BAD_REQUEST', 'The form has no file in a field named "file".');
    }

    let placed = false;
    try {
      if (Object.hasOwn(req.body as object, '')) {
        throw new ChatFilesError('ERR_BAD_REQUEST', 'A form field has an empty name.');
      }
      const record = received.plan.record ?? (await loadRecord(fileIdField(req), user.username));
      const { digest } = received;
      if (digest.size !== record.size) {
        throw new ChatFilesError(
          'ERR_VALIDATION',
          `Received ${digest.size} bytes, but the shared file has ${record.size}.`,
        );
      }
      const allowList = config.server_seeding.allowed_mime_types;
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
      let manifest = digest.manifest;
      if (record.manifest) {
        if (record.manifest.piece_size !== manifest.piece_size) {
          manifest = (await hashStream(received.writer.readBack(), record.manifest.piece_size))
            .manifest;
        }
        if (!sameManifest(record.manifest, manifest)) {
          throw new ChatFilesError(
            'ERR_INTEGRITY',
            'The uploaded bytes do not match the pieces of the shared file.',
          );
        }
      }

      await received.writer.commit();
      placed = true;
      // From here the blob is in place; the store either adopts it or names it unused.
      const result = await commitServerCopy(ctx.store, {
        file_id: record.id,
        blob: {
          id: received.writer.id,
          sha256: digest.sha256,
          md5: digest.md5,
          size: digest.size,
          created_at: ctx.now(),
        },
        manifest,
        sanitized_name: sanitizeFileName(record.name),
        now: ctx.now(),
        max_total_bytes: config.server_seeding.max_total_storage_bytes,
      }).catch(async (error: unknown) => {
        await ctx.blobs.delete(received.writer.id);
        throw error;
      });
      if (result.unused_blob_id) await ctx.blobs.delete(result.unused_blob_id);
      if (result.status === 'missing_file') {
        throw new ChatFilesError('ERR_NOT_FOUND', 'The file was deleted during the upload.');
      }
      if (result.status === 'full') {
        throw storageFull(result.pinned_bytes, config.server_seeding.max_total_storage_bytes);
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
      const body: UploadResponse = {
        success: true,
        file_id: record.id,
        expires_at: expires,
        deduped: result.deduped,
        md5: digest.md5,
        sha256: digest.sha256,
      };
      res.json(body);
    } finally {
      if (!placed) await received.writer.abort();
    }
  });
}
