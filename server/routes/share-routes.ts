/**
 * Share links of the file's origin instance:
 * - `POST /:file_id/shares` makes a link (optional password and expiry),
 * - `POST /:file_id/revoke` revokes every link of a file and tells the room and its peers,
 * - `GET|HEAD /shares/:token/download` and `GET /shares/:token/preview` serve the bytes
 *   to whoever holds the token, to pages of any origin (CORS without credentials).
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import {
  isServable,
  requireFile,
  requireMember,
  requireNotRevoked,
  requireUser,
} from '../access.js';
import { emitToRoom, type ServerContext } from '../context.js';
import { ChatFilesError } from '../errors.js';
import { previewSource, newShare, shareUrls } from '../shares/issue-share.js';
import { sharePasswordChallenge } from '../http/authenticate.js';
import { openShare, SHARE_PASSWORD_HEADER, type OpenedShare } from '../shares/share-access.js';
import { hashSharePassword, MAX_SHARE_PASSWORD_LENGTH } from '../shares/share-password.js';
import { asObject, optionalString, requireInteger } from '../validate.js';
import { asyncHandler, paramFileId, requireSeedingEnabled } from './route-helpers.js';
import { SAFE_CONTENT_HEADERS, serveServerCopy } from './serve-server-copy.js';

/** Longest expiry a link can be given: one year. */
export const MAX_SHARE_MINUTES = 525_600;

const THUMBNAIL = /^data:(image\/(?:png|jpeg|webp|gif));base64,([A-Za-z0-9+/]*={0,2})$/;

/**
 * CORS for the token-authenticated share routes: any page may read them, without
 * cookies (`Allow-Credentials` is never sent), and preflights are answered here.
 */
export function shareCors(req: Request, res: Response, next: NextFunction): void {
  res.set({
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Expose-Headers':
      'Accept-Ranges, Content-Disposition, Content-Length, Content-Range, ETag, Last-Modified, Retry-After, WWW-Authenticate',
  });
  if (req.method === 'OPTIONS') {
    res.set({
      'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
      'Access-Control-Allow-Headers': `Range, If-Range, If-None-Match, If-Match, If-Modified-Since, If-Unmodified-Since, ${SHARE_PASSWORD_HEADER}`,
      'Access-Control-Max-Age': '600',
    });
    res.status(204).end();
    return;
  }
  next();
}

const paramToken = (req: Request): string => {
  const token = req.params.token;
  return typeof token === 'string' ? token : '';
};

/** Opens the share of the path's token; a missing password is a 401 naming the share scheme. */
async function openPathShare(
  ctx: ServerContext,
  req: Request,
  res: Response,
): Promise<OpenedShare> {
  try {
    return await openShare(ctx, req, paramToken(req));
  } catch (error) {
    if (error instanceof ChatFilesError && error.status === 401) {
      res.set('WWW-Authenticate', sharePasswordChallenge(SHARE_PASSWORD_HEADER));
    }
    throw error;
  }
}

/** Builds the handler of `GET|HEAD /shares/:token/download`. */
export function shareDownloadRoute(ctx: ServerContext): RequestHandler {
  return asyncHandler(async (req, res) => {
    await ctx.ready;
    requireSeedingEnabled(ctx);
    const { file } = await openPathShare(ctx, req, res);
    await serveServerCopy(ctx, req, res, file, { allowInline: req.query.download === undefined });
  });
}

/**
 * Builds the handler of `GET|HEAD /shares/:token/preview`: the file's thumbnail, or the
 * image itself when it is a previewable type and small; 404 when there is neither.
 */
export function sharePreviewRoute(ctx: ServerContext): RequestHandler {
  return asyncHandler(async (req, res) => {
    await ctx.ready;
    const { file } = await openPathShare(ctx, req, res);
    const source = previewSource(file);
    const thumbnail = source === 'thumbnail' ? THUMBNAIL.exec(file.thumbnail ?? '') : null;
    if (thumbnail) {
      const bytes = Buffer.from(thumbnail[2]!, 'base64');
      res.set({
        ...SAFE_CONTENT_HEADERS,
        'Content-Type': thumbnail[1]!,
        'Content-Length': String(bytes.length),
        'Cache-Control': 'private, no-cache',
      });
      res.status(200).end(req.method === 'HEAD' ? undefined : bytes);
      return;
    }
    if (source === 'image') {
      requireSeedingEnabled(ctx);
      // Streamed, never redirected: the federation preview proxy follows no redirects.
      await serveServerCopy(ctx, req, res, file, { allowInline: true, streamOnly: true });
      return;
    }
    throw new ChatFilesError('ERR_NOT_FOUND', 'This file has no preview.');
  });
}

/** Builds the handler of `POST /:file_id/shares { password?, expires_in_minutes? }`. */
export function createShareRoute(ctx: ServerContext): RequestHandler {
  return asyncHandler(async (req, res) => {
    await ctx.ready;
    const user = await requireUser(ctx, req);
    const fileId = paramFileId(req);
    const fields = asObject(req.body ?? {}, 'The request body');
    const password = optionalString(fields, 'password', { max: MAX_SHARE_PASSWORD_LENGTH });
    const minutes =
      fields.expires_in_minutes === undefined || fields.expires_in_minutes === null
        ? null
        : requireInteger(fields, 'expires_in_minutes', { min: 1, max: MAX_SHARE_MINUTES });
    requireSeedingEnabled(ctx);
    const file = await requireFile(ctx, fileId);
    if (file.sender !== user.username) await requireMember(ctx, user.username, file.room_id);
    await requireNotRevoked(ctx, file);
    // A link to bytes the server does not hold would only ever answer 404.
    if (!isServable(ctx, await ctx.store.copies.get(file.id))) {
      throw new ChatFilesError(
        'ERR_NOT_FOUND',
        'The server holds no copy of this file; upload it first.',
      );
    }
    const expiresAt = minutes === null ? null : ctx.now() + minutes * 60_000;
    const { token, share } = newShare(ctx, file, {
      createdBy: user.username,
      passwordHash: password === undefined ? null : await hashSharePassword(password),
      expiresAt,
    });
    await ctx.store.shares.create(share);
    res.status(201).json({
      token,
      ...shareUrls(ctx, token, file),
      expires_at: expiresAt,
      password_protected: password !== undefined,
    });
  });
}

/**
 * Builds the handler of `POST /:file_id/revoke`: only the file's sender may revoke. Every
 * link of the file stops working (410), the room gets `chat:file:revoked`, and the peer
 * instances of a federated room are told so their cards change too.
 */
export function revokeRoute(ctx: ServerContext): RequestHandler {
  return asyncHandler(async (req, res) => {
    await ctx.ready;
    const user = await requireUser(ctx, req);
    const file = await requireFile(ctx, paramFileId(req));
    if (file.sender !== user.username) {
      throw new ChatFilesError('ERR_FORBIDDEN', 'Only the user who shared a file may revoke it.');
    }
    // Peers are told again on a repeated revoke: one that missed the first notice learns now.
    const { revoked, peers } = ctx.federation
      ? await ctx.federation.revokeFile(file)
      : { revoked: await ctx.store.shares.revokeAll(file.id, ctx.now()), peers: [] };
    emitToRoom(ctx, file.room_id, 'chat:file:revoked', {
      file_id: file.id,
      room_id: file.room_id,
    });
    res.json({ success: true, revoked, notified_peers: peers });
  });
}
