/**
 * Answers a download of the server's copy of a file, once the route has decided the
 * caller may have the bytes: conditional requests and single byte ranges per RFC 9110,
 * strong ETags, and the headers that keep user content from running as part of the
 * host's site. The bytes then go one of three ways (`server_seeding.download`): streamed
 * by this process (`proxy`), fetched by the client from object storage through a
 * short-lived presigned URL (`redirect`), or sent by nginx (`accel`, `X-Accel-Redirect`).
 */
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import type { DownloadMode } from '../../src/core/wire/config.js';
import { expiresAt } from '../access.js';
import { isInlineSafe } from '../content-type.js';
import type { ServerContext } from '../context.js';
import { ChatFilesError } from '../errors.js';
import { sanitizeFileName } from '../file-names.js';
import { contentDisposition } from '../http/content-disposition.js';
import {
  evaluatePreconditions,
  hasDatePreconditionOrMatch,
  type HeaderLookup,
} from '../http/preconditions.js';
import { ifRangeAllows, parseRange } from '../http/range.js';
import type { StoredFile } from '../store/metadata-store.js';

/** Headers that keep served bytes inert, whatever they contain. */
export const SAFE_CONTENT_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': 'sandbox',
};

// Access can be revoked, so caches must ask every time (cheap with the ETag).
const CACHE_CONTROL = 'private, no-cache';

/** Options of {@link serveServerCopy}. */
export interface ServeOptions {
  /**
   * Whether an inline-safe type may be shown in the browser (`inline`); otherwise, and
   * for every other type, the answer is an `attachment`.
   */
  allowInline: boolean;
  /**
   * Stream the bytes from this process whatever `server_seeding.download` says (for
   * callers that cannot follow a redirect, like the federation preview proxy).
   * @default false
   */
  streamOnly?: boolean;
}

/**
 * Answers `req` with the server's copy of `file`: 200, 206, 302 (redirect mode), 304,
 * 412, 416, or HEAD without a body. Throws 404 when the server holds no copy and 410
 * when the copy has expired.
 */
export async function serveServerCopy(
  ctx: ServerContext,
  req: Request,
  res: Response,
  file: StoredFile,
  options: ServeOptions,
): Promise<void> {
  const seed = await ctx.store.copies.get(file.id);
  if (!seed || !file.sha256) {
    throw new ChatFilesError('ERR_NOT_FOUND', 'The server holds no copy of this file.');
  }
  const expiry = expiresAt(ctx, seed);
  if (expiry !== null && expiry <= ctx.now()) {
    throw new ChatFilesError('ERR_GONE', "The server's copy of this file has expired.");
  }
  const blobId = seed.storage_file_id;
  const header: HeaderLookup = (name) => req.get(name);
  const etag = `"${file.sha256}"`;
  const lastModified = seed.cached_at;

  const outcome = evaluatePreconditions(header, { etag, lastModified });
  res.set({ ...SAFE_CONTENT_HEADERS, ETag: etag, 'Cache-Control': CACHE_CONTROL });
  if (outcome === 'not-modified') {
    // A 304 carries the validators and caching headers, nothing describing a body.
    res.status(304).end();
    return;
  }
  if (outcome === 'failed') {
    throw new ChatFilesError('ERR_PRECONDITION_FAILED', 'The file is not the version asked for.');
  }

  const inline = options.allowInline && isInlineSafe(file.mime_type);
  const disposition = contentDisposition(
    inline ? 'inline' : 'attachment',
    file.sanitized_name ?? sanitizeFileName(file.name),
  );
  const mode: DownloadMode = options.streamOnly ? 'proxy' : ctx.config.server_seeding.download;
  const range = req.get('range');

  // A presigned URL is signed for GET; HEAD is answered here, from the object's size.
  const sign =
    mode === 'redirect' && req.method === 'GET' ? ctx.blobs.signedUrl?.bind(ctx.blobs) : undefined;
  if (sign && !needsServer(header, range, etag)) {
    const url = await sign(blobId, {
      expiresInSeconds: ctx.config.server_seeding.presign_expiry_seconds,
      contentType: file.mime_type,
      contentDisposition: disposition,
      cacheControl: CACHE_CONTROL,
    });
    // The URL is a short-lived credential: no cache may keep this answer.
    res.set('Cache-Control', 'private, no-store').redirect(302, url);
    return;
  }

  const size = await ctx.blobs.size(blobId);
  if (size === null) {
    ctx.logger.error(`blob ${blobId} of file ${file.id} is missing`);
    throw new ChatFilesError('ERR_NOT_FOUND', 'The server holds no copy of this file.');
  }
  res.set({
    'Last-Modified': new Date(lastModified).toUTCString(),
    'Content-Disposition': disposition,
  });
  // setHeader, not res.set: express would append a charset the server cannot know.
  res.setHeader('Content-Type', file.mime_type);

  let wanted = parseRange(range, size);
  if (wanted.kind !== 'none' && !ifRangeAllows(req.get('if-range'), etag)) {
    wanted = { kind: 'none' };
  }
  if (wanted.kind === 'unsatisfiable') {
    // The answer is a JSON error, not the file.
    res.removeHeader('Content-Disposition');
    res.removeHeader('Content-Type');
    res.set('Content-Range', `bytes */${size}`);
    throw new ChatFilesError('ERR_RANGE', `The file has ${size} bytes; that range is outside it.`);
  }

  // nginx re-checks If-Match and If-Unmodified-Since before it knows this ETag, so
  // requests carrying them (rare) are streamed here; everything else nginx serves,
  // ranges and If-Range included.
  if (mode === 'accel' && size > 0 && !hasDatePreconditionOrMatch(header)) {
    res.set('X-Accel-Redirect', `${ctx.config.server_seeding.accel_location}${blobId}`);
    res.end();
    return;
  }

  res.set('Accept-Ranges', 'bytes');
  const start = wanted.kind === 'range' ? wanted.start : 0;
  const end = wanted.kind === 'range' ? wanted.end : size - 1;
  if (wanted.kind === 'range') {
    res.status(206).set('Content-Range', `bytes ${start}-${end}/${size}`);
  }
  res.set('Content-Length', String(Math.max(0, end - start + 1)));
  if (req.method === 'HEAD' || size === 0) {
    res.end();
    return;
  }
  // The client may leave half-way; that is not an error worth reporting.
  await pipeline(ctx.blobs.read(blobId, { start, end }), res).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw error;
  });
}

/**
 * Whether a redirect would lose something only this server can evaluate: object
 * storage compares validators against its own ETag and dates, not the file's, so a
 * request with date preconditions, `If-Match`, or an `If-Range` that fails (the client
 * wants the whole file, not the range it names) is answered here.
 */
function needsServer(header: HeaderLookup, range: string | undefined, etag: string): boolean {
  if (hasDatePreconditionOrMatch(header)) return true;
  return range !== undefined && !ifRangeAllows(header('if-range'), etag);
}
