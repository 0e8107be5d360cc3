/**
 * Streams the server's copy of a file as an HTTP response: single byte ranges, strong
 * ETags and conditional requests per RFC 9110, and the headers that keep user content
 * from running as part of the host's site. Both the members' download route and the
 * share routes answer through it, once they have decided the caller may have the bytes.
 */
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import { expiresAt } from '../access.js';
import { isInlineSafe } from '../content-type.js';
import type { ServerContext } from '../context.js';
import { ChatFilesError } from '../errors.js';
import { sanitizeFileName } from '../file-names.js';
import { contentDisposition } from '../http/content-disposition.js';
import { ifNoneMatchMatches, ifRangeAllows, parseRange } from '../http/range.js';
import type { StoredFile } from '../store/metadata-store.js';

/** Headers that keep served bytes inert, whatever they contain. */
export const SAFE_CONTENT_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': 'sandbox',
};

/** Options of {@link serveServerCopy}. */
export interface ServeOptions {
  /**
   * Whether an inline-safe type may be shown in the browser (`inline`); otherwise, and
   * for every other type, the answer is an `attachment`.
   */
  allowInline: boolean;
}

/**
 * Answers `req` with the server's copy of `file` (200, 206, 304, 416, or HEAD without a
 * body). Throws 404 when the server holds no copy and 410 when the copy has expired.
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
  const size = await ctx.blobs.size(seed.storage_file_id);
  if (size === null) {
    ctx.logger.error(`blob ${seed.storage_file_id} of file ${file.id} is missing`);
    throw new ChatFilesError('ERR_NOT_FOUND', 'The server holds no copy of this file.');
  }

  const etag = `"${file.sha256}"`;
  const inline = options.allowInline && isInlineSafe(file.mime_type);
  res.set({
    ...SAFE_CONTENT_HEADERS,
    'Accept-Ranges': 'bytes',
    ETag: etag,
    'Last-Modified': new Date(seed.cached_at).toUTCString(),
    // Access can be revoked, so caches must ask every time (cheap with the ETag).
    'Cache-Control': 'private, no-cache',
    'Content-Disposition': contentDisposition(
      inline ? 'inline' : 'attachment',
      file.sanitized_name ?? sanitizeFileName(file.name),
    ),
  });

  // setHeader, not res.set: express would append a charset the server cannot know.
  res.setHeader('Content-Type', file.mime_type);

  if (ifNoneMatchMatches(req.get('if-none-match'), etag)) {
    res.status(304).end();
    return;
  }
  let range = parseRange(req.get('range'), size);
  if (range.kind !== 'none' && !ifRangeAllows(req.get('if-range'), etag)) {
    range = { kind: 'none' };
  }
  if (range.kind === 'unsatisfiable') {
    // The answer is a JSON error, not the file.
    res.removeHeader('Content-Disposition');
    res.removeHeader('Content-Type');
    res.set('Content-Range', `bytes */${size}`);
    throw new ChatFilesError('ERR_RANGE', `The file has ${size} bytes; that range is outside it.`);
  }
  const start = range.kind === 'range' ? range.start : 0;
  const end = range.kind === 'range' ? range.end : size - 1;
  if (range.kind === 'range') {
    res.status(206).set('Content-Range', `bytes ${start}-${end}/${size}`);
  }
  res.set('Content-Length', String(Math.max(0, end - start + 1)));
  if (req.method === 'HEAD' || size === 0) {
    res.end();
    return;
  }
  // The client may leave half-way; that is not an error worth reporting.
  await pipeline(ctx.blobs.read(seed.storage_file_id, { start, end }), res).catch(
    (error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw error;
    },
  );
}
