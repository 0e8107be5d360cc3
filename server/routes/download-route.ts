/**
 * `GET|HEAD /:file_id/download`: streams the server's copy to a member of the file's
 * room, or to anyone holding a live share token without a password (`?token=`); a
 * file its sender revoked answers 410. The
 * streaming itself (ranges, ETags, safe headers) is `serveServerCopy`.
 */
import type { Request, RequestHandler, Response } from 'express';
import { identify, requireNotRevoked } from '../access.js';
import type { ServerContext } from '../context.js';
import { ChatFilesError } from '../errors.js';
import type { HostUser } from '../host-adapter.js';
import type { StoredFile } from '../store/metadata-store.js';
import { clientAddress, hashShareToken } from '../shares/share-access.js';
import { asyncHandler, paramFileId, requireSeedingEnabled } from './route-helpers.js';
import { serveServerCopy } from './serve-server-copy.js';

/** Longest share token accepted. */
const MAX_TOKEN_LENGTH = 512;

export { SAFE_CONTENT_HEADERS } from './serve-server-copy.js';

export { hashShareToken } from '../shares/share-access.js';

/** Grants access through room membership or a share token; throws 401/403/410/429 otherwise. */
async function authorize(
  ctx: ServerContext,
  req: Request,
  res: Response,
  file: StoredFile,
  user: HostUser | null,
  token: string | undefined,
): Promise<void> {
  if (user && (await ctx.host.isMember(user.username, file.room_id))) return;
  if (token !== undefined) {
    // Guessing tokens here is slowed down like on the share routes.
    const share = await ctx.store.shares.findByTokenHash(hashShareToken(token));
    if (!share || share.file_id !== file.id) await ctx.shareGate.tokenMissed(clientAddress(req));
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
    const file = await ctx.store.files.get(fileId);
    if (!file) throw new ChatFilesError('ERR_NOT_FOUND', 'No such file.');
    await authorize(ctx, req, res, file, user, token);
    await requireNotRevoked(ctx, file);

    await serveServerCopy(ctx, req, res, file, { allowInline: req.query.download === undefined });
  });
}
