/**
 * `<mount>/tus`: resumable uploads by the tus 1.0 protocol (`@tus/server`), with the
 * creation, creation-with-upload, termination, expiration and checksum (sha256)
 * extensions. An upload names its file in the metadata (`file_id` from
 * `chat:file:share`, and `filename`). Every request is authenticated, and only the user
 * who shared that file, while a member of its room, may create, continue, see or end its
 * upload. Unfinished uploads wait where the blobs are kept: with disk storage under
 * `<dataDir>/tus-uploads`, with S3 storage in the bucket under `tus/`, where every node
 * can continue them (their offset survives a restart either way). A finished one goes
 * through the same acceptance step as a multipart upload, into blob storage, and its tus
 * copy is removed.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { MemoryLocker, Metadata, Server, type Upload } from '@tus/server';
import type { Request, RequestHandler, Response } from 'express';
import { NodeRequest, sendNodeResponse } from 'srvx/node';
import type { UploadResponse } from '../../src/core/wire/protocol.js';
import { requireMember, requireUser } from '../access.js';
import type { ServerContext } from '../context.js';
import { ChatFilesError, toErrorReply } from '../errors.js';
import { asyncHandler, requireSeedingEnabled } from '../routes/route-helpers.js';
import { S3BlobStorage } from '../storage/s3-blob-storage.js';
import type { StoredFile } from '../store/metadata-store.js';
import { acceptUpload } from '../uploads/accept-upload.js';
import {
  authorizeUpload,
  enterUploadGate,
  parseUploadFileId,
} from '../uploads/authorize-upload.js';
import { watchIdleBody } from '../uploads/idle-timeout.js';
import { receiveIntoBlob, type ReceivedBlob } from '../uploads/receive-into-blob.js';
import { overSharedSizeError, uploadFailure } from '../uploads/upload-errors.js';
import type { UploadPass } from '../uploads/upload-gate.js';
import { TusFileStore } from './tus-file-store.js';
import { TusS3Store } from './tus-s3-store.js';
import {
  CHECKSUM_ALGORITHM,
  DirectBody,
  tusErrorOf,
  writeScope,
  type TusError,
  type TusStore,
} from './tus-writes.js';

/** The tus protocol version spoken here. */
const TUS_VERSION = '1.0.0';
/** How often expired unfinished uploads are looked for. */
const EXPIRY_SWEEP_MS = 60 * 60 * 1000;
/** Directory of unfinished uploads, inside the data directory. */
export const TUS_DIRECTORY = 'tus-uploads';
const UPLOAD_ID = /^[0-9a-f]{32}$/;

/** What the route learned about a request before handing it to the tus server. */
interface RequestScope {
  record: StoredFile;
}

/** The upload the request names, checked to belong to `username`; 404 / 403 otherwise. */
async function ownedUpload(
  ctx: ServerContext,
  store: TusStore,
  uploadId: string,
  username: string,
): Promise<{ upload: Upload; record: StoredFile }> {
  const missing = () => new ChatFilesError('ERR_NOT_FOUND', 'No such upload.');
  if (!UPLOAD_ID.test(uploadId)) throw missing();
  const upload = await store.getUpload(uploadId).catch(() => {
    throw missing();
  });
  const fileId = upload.metadata?.file_id;
  const record = fileId ? await ctx.store.files.get(fileId) : null;
  if (!record) throw missing();
  if (record.sender !== username) {
    throw new ChatFilesError('ERR_FORBIDDEN', 'Only the user who shared a file may upload it.');
  }
  await requireMember(ctx, username, record.room_id);
  return { upload, record };
}

/** The file a creation request names in `Upload-Metadata`, and its declared length checked. */
async function creationRecord(
  ctx: ServerContext,
  req: Request,
  username: string,
): Promise<StoredFile> {
  let metadata: Record<string, string | null>;
  try {
    metadata = Metadata.parse(req.get('upload-metadata') ?? undefined);
  } catch {
    throw new ChatFilesError('ERR_BAD_REQUEST', 'Upload-Metadata is malformed.');
  }
  if (!metadata.file_id) {
    throw new ChatFilesError(
      'ERR_VALIDATION',
      'Upload-Metadata must carry file_id, the id returned by chat:file:share.',
    );
  }
  const record = await authorizeUpload(ctx, username, parseUploadFileId(metadata.file_id));
  const length = req.get('upload-length');
  if (length === undefined || !/^\d+$/.test(length)) {
    throw new ChatFilesError(
      'ERR_VALIDATION',
      `Upload-Length must be the shared size, ${record.size} bytes (deferred lengths are not accepted).`,
    );
  }
  if (Number(length) > record.size) throw overSharedSizeError(record.size);
  if (Number(length) !== record.size) {
    throw new ChatFilesError(
      'ERR_VALIDATION',
      `Upload-Length is ${length}, but the shared file has ${record.size} bytes.`,
    );
  }
  return record;
}

/** The SHA-256 an `Upload-Checksum` header declares, or `null` without one. */
function parseChecksum(header: string | undefined): Buffer | null {
  if (header === undefined) return null;
  const [algorithm, value, ...rest] = header.trim().split(/\s+/);
  if (algorithm !== CHECKSUM_ALGORITHM || !value || rest.length > 0) {
    throw new ChatFilesError(
      'ERR_BAD_REQUEST',
      `Upload-Checksum must be "${CHECKSUM_ALGORITHM} <base64 digest>".`,
    );
  }
  const digest = Buffer.from(value, 'base64');
  if (digest.length !== 32) {
    throw new ChatFilesError('ERR_BAD_REQUEST', 'Upload-Checksum carries no SHA-256 digest.');
  }
  return digest;
}

/** The tus endpoint of one server: its request handler and its stop function. */
export interface TusEndpoint {
  /** Handles `<mount>/tus` and `<mount>/tus/:upload_id`. */
  handler: RequestHandler;
  /** Stops the expiry sweep and closes the store's connections. */
  close(): void;
}

const endpoints = new WeakMap<ServerContext, TusEndpoint>();

/** Stops the tus endpoint of a server, if it has one (its expiry sweep and connections). */
export function closeTusEndpoint(ctx: ServerContext): void {
  endpoints.get(ctx)?.close();
  endpoints.delete(ctx);
}

/** Builds the tus endpoint of a server (once; later calls return the same one). */
export function tusEndpoint(ctx: ServerContext): TusEndpoint {
  const existing = endpoints.get(ctx);
  if (existing) return existing;
  const endpoint = buildTusEndpoint(ctx);
  endpoints.set(ctx, endpoint);
  return endpoint;
}

/** The store of unfinished uploads: in the bucket with S3 blob storage, on disk otherwise. */
function tusStore(ctx: ServerContext, expirationMs: number): TusStore {
  const { blobs } = ctx;
  if (blobs instanceof S3BlobStorage) return new TusS3Store({ blobs, expirationMs });
  return new TusFileStore({
    directory: path.join(ctx.options.dataDir, TUS_DIRECTORY),
    expirationMs,
    blobs,
  });
}

function buildTusEndpoint(ctx: ServerContext): TusEndpoint {
  const { config } = ctx;
  const hours = config.server_seeding.tus_expiration_hours;
  const store = tusStore(ctx, hours === false ? 0 : hours * 3_600_000);
  const scope = new Map<Request, RequestScope>();
  const expressRequest = (req: unknown): Request =>
    (req as { runtime?: { node?: { req?: Request } } }).runtime!.node!.req!;

  const tus = new Server({
    path: '/tus',
    datastore: store,
    locker: ctx.options.uploadLocker ?? new MemoryLocker(),
    maxSize: config.max_file_size,
    namingFunction: () => randomBytes(16).toString('hex'),
    // The Location is the URL the client used, wherever the host mounted the router.
    generateUrl: (req, { id }) => {
      const express = expressRequest(req);
      return `${express.baseUrl}/tus/${id}`;
    },
    relativeLocation: true,
    // Cross-origin access is the host's decision (its CORS middleware), not the tus server's.
    allowedOrigins: () => false,
    onUploadFinish: async (req, upload) => {
      const { record } = scope.get(expressRequest(req))!;
      const body = await finish(record, upload.id);
      // A creation keeps its 201 (clients need the Location); a PATCH that carried the
      // last bytes answers 200 so the stored file's digests can travel in the body.
      return {
        ...(req.method === 'PATCH' ? { status_code: 200 } : {}),
        headers: { 'Content-Type': 'application/json; charset=utf-8' },
        body: JSON.stringify(body),
      };
    },
    onResponseError: (_req, error) => {
      if ((error as Partial<TusError>).status_code !== undefined) return undefined;
      const mapped = tusErrorOf(error);
      if (mapped) return mapped;
      ctx.logger.error('tus upload failed', error);
      const { status, body } = toErrorReply(new Error('internal'));
      return { status_code: status, body: JSON.stringify(body) };
    },
  });

  /**
   * The bytes of a complete upload as a blob to accept. The store takes them over when
   * it can (moved on disk, copied inside the bucket), with the digest computed as they
   * arrived; otherwise they are read once into a new blob, hashed on the way.
   */
  const takeBytes = async (record: StoredFile, uploadId: string): Promise<ReceivedBlob> => {
    const pieceSize = record.manifest?.piece_size ?? config.piece_size;
    const taken = await store.takeBlob(uploadId, record.size, pieceSize).catch((error: unknown) => {
      throw uploadFailure(error, record.size);
    });
    return taken ?? receiveIntoBlob(ctx, record, await store.read(uploadId));
  };

  /**
   * Hands a complete upload to the acceptance step and removes its tus copy, accepted or
   * refused for good (a refused upload starts again from a new creation).
   */
  const finish = async (record: StoredFile, uploadId: string): Promise<UploadResponse> => {
    try {
      // The file may have been stored, deleted or left its room while the bytes came.
      const current = await authorizeUpload(ctx, record.sender, record.id);
      return await acceptUpload(ctx, current, await takeBytes(current, uploadId));
    } catch (error) {
      throw tusErrorOf(error) ?? error;
    } finally {
      await store.remove(uploadId).catch(() => undefined);
    }
  };

  /**
   * A HEAD of an upload whose bytes are all in but which was never accepted (the process
   * stopped in between): it is accepted now, so a client that sees its offset complete
   * is right to call the upload done.
   */
  const finishLeftover = async (
    res: Response,
    record: StoredFile,
    upload: Upload,
  ): Promise<void> => {
    const pass = await enterUploadGate(ctx, record.id, `tus:${upload.id}`);
    try {
      await finish(record, upload.id);
    } catch (error) {
      const tusError = error as Partial<TusError>;
      if (tusError.status_code === undefined) throw error;
      res.status(tusError.status_code).type('application/json').send(tusError.body);
      return;
    } finally {
      await pass.release();
    }
    res
      .status(200)
      .set({
        'Cache-Control': 'no-store',
        'Upload-Offset': String(upload.offset),
        'Upload-Length': String(upload.size),
      })
      .end();
  };

  const expirySweep =
    hours === false
      ? null
      : setInterval(() => {
          store.deleteExpired().catch((error: unknown) => {
            ctx.logger.error('cannot remove expired tus uploads', error);
          });
        }, EXPIRY_SWEEP_MS);
  expirySweep?.unref();

  /**
   * Has the tus server answer `req`. With a `body`, the tus server sees an empty body
   * while the store reads the Node request itself ({@link DirectBody}).
   */
  const answer = async (req: Request, res: Response, body?: DirectBody): Promise<void> => {
    const request = new NodeRequest({ req, res });
    if (body) Object.defineProperty(request, 'body', { value: body.web });
    const response = await tus.handleWeb(request);
    // A response whose connection is gone never calls back from end(): its request is
    // over all the same, and what it holds (the upload's gate) must be let go.
    await Promise.race([sendNodeResponse(res, response), finished(res).catch(() => undefined)]);
  };

  /**
   * Passes the request to the tus server inside the scope the checks established. The
   * body of a request that carries one (`withBody`, with its declared checksum) is read
   * by the store straight from the Node request.
   */
  const forward = async (
    req: Request,
    res: Response,
    record: StoredFile,
    withBody: { checksum: Buffer | null } | null,
  ): Promise<void> => {
    scope.set(req, { record });
    try {
      if (!withBody) {
        await answer(req, res);
        return;
      }
      const pieceSize = record.manifest?.piece_size ?? config.piece_size;
      const body = new DirectBody(req, record.size);
      await writeScope.run({ checksum: withBody.checksum, pieceSize, body }, () =>
        answer(req, res, body),
      );
    } finally {
      scope.delete(req);
    }
  };

  const handler = asyncHandler(async (req, res) => {
    res.set('Tus-Resumable', TUS_VERSION);
    if (req.method === 'OPTIONS') {
      res.set('Tus-Checksum-Algorithm', CHECKSUM_ALGORITHM);
      await answer(req, res);
      return;
    }
    await ctx.ready;
    const user = await requireUser(ctx, req);
    requireSeedingEnabled(ctx);
    const uploadId = req.params.upload_id as string | undefined;
    let record: StoredFile;
    let holder: string;
    if (uploadId === undefined) {
      if (req.method !== 'POST') {
        throw new ChatFilesError('ERR_NOT_FOUND', 'Create an upload with POST first.');
      }
      record = await creationRecord(ctx, req, user.username);
      holder = randomBytes(16).toString('hex');
    } else {
      if (req.method === 'POST') throw new ChatFilesError('ERR_NOT_FOUND', 'No such route.');
      const owned = await ownedUpload(ctx, store, uploadId, user.username);
      record = owned.record;
      holder = `tus:${uploadId}`;
      const { upload } = owned;
      if (req.method === 'HEAD' && upload.size !== undefined && upload.offset === upload.size) {
        await finishLeftover(res, record, upload);
        return;
      }
    }
    const carriesBody =
      req.method === 'PATCH' ||
      (req.method === 'POST' && req.is('application/offset+octet-stream') !== false);
    if (!carriesBody) {
      await forward(req, res, record, null);
      return;
    }
    const checksum = parseChecksum(req.get('upload-checksum'));
    const pass: UploadPass = await enterUploadGate(ctx, record.id, holder);
    const idle = watchIdleBody(req, res, config.server_seeding.upload_idle_timeout_seconds);
    try {
      await forward(req, res, record, { checksum });
    } catch (error) {
      // A stalled body was already answered 408; what failed after that is its echo.
      if (!idle.answered) throw error;
    } finally {
      idle.stop();
      await pass.release();
    }
  });

  return {
    handler,
    close() {
      if (expirySweep) clearInterval(expirySweep);
      store.close();
    },
  };
}
