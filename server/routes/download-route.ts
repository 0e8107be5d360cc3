/**
 * `GET|HEAD /:file_id/download`: streams the server's copy to a member of the file's
 * room, or to anyone holding a live share token (`?token=`). Single byte ranges, strong
 * ETags and conditional requests follow RFC 9110; the headers keep user content from
 * running as part of the host's site.
 */
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { Request, RequestHandler, Response } from 'express';
import { expiresAt, identify } from '../access.js';
import { isInlineSafe } from '../content-type.js';
import type { ServerContext } from '../context.js';
import { ChatFilesError } from '../errors.js';
import { sanitizeFileName } from '../file-names.js';
import type { HostUser } from '../host-adapter.js';
import { contentDisposition } from '../http/content-disposition.js';
import { ifNoneMatchMatches, ifRangeAllows, parseRange } from '../http/range.js';
import type { StoredFile } from '../store/metadata-store.js';
import { asyncHandler, paramFileId, requireSeedingEnabled } from './route-helpers.js';

/** Longest share token accepted. */
const MAX_TOKEN_LENGTH = 512;

/** Headers that keep served bytes inert, whatever they contain. */
export const SAFE_CONTENT_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': 'sandbox',
};

/** SHA-256 hex of a share token, as the store keeps it. */
export const hashShareToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** Grants access through room membership or a share token; throws 401/403/410 otherwise. */
async function authorize(
  ctx: ServerContext,
  file: StoredFile,
  user: HostUser | null,
  token: string | undefined,
): Promise<void> {
  if (user && (await ctx.host.isMember(user.username, file.room_id))) return;
  if (token !== undefined) {
    const share = await ctx.store.findShareByTokenHash(hashShareToken(token));
    if (share && share.file_id === file.id) {
      if (share.revoked_at !== null) {
        throw new ChatFilesError('ERR_GONE', 'This share link has been revoked.');
      }
      if (share.expires_at !== null && share.expires_at <= ctx.now()) {
        throw new ChatFilesError('ERR_GONE', 'This share link has expired.');
      }
      // Password-protected shares are opened through their own share endpoint.
      if (share.password_hash === null) return;
    }
    throw new ChatFilesError('ERR_FORBIDDEN', 'This link does not give access to the file.');
  }
  if (!user) throw new ChatFilesError('ERR_UNAUTHENTICATED', 'Log in first.');
  throw new ChatFilesError('ERR_NOT_MEMBER', 'You are not a member of this room.');
}

function tokenOf(req: Request): string | undefined {
  const token = req.query.token;
  if (token === undefined) return undefined;
  if (typeof token !== 'string' || token === '' || token.length > MAX_TOKEN_LENGTH) {
    throw new ChatFilesError('ERR_VALIDATION', 'token must be a share token.');
  }
  return token;
}

/** Builds the handler of `GET|HEAD /:file_id/download`. */
export function downloadRoute(ctx: ServerContext): RequestHandler {
  return asyncHandler(async (req: Request, res: Response) => {
    await ctx.ready;
    const fileId = paramFileId(req);
    const token = tokenOf(req);
    const user = await identify(ctx, req);
    if (!user && token === undefined) {
      throw new ChatFilesError('ERR_UNAUTHENTICATED', 'Log in first.');
    }
    requireSeedingEnabled(ctx);
    const file = await ctx.store.getFile(fileId);
    if (!file) throw new ChatFilesError('ERR_NOT_FOUND', 'No such file.');
    await authorize(ctx, file, user, token);

    const seed = await ctx.store.getServerSeed(file.id);
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
    const inline = isInlineSafe(file.mime_type) && req.query.download === undefined;
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
      throw new ChatFilesError(
        'ERR_RANGE',
        `The file has ${size} bytes; that range is outside it.`,
      );
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
  });
}
