/**
 * The receiving side's routes for a peer's file, for members of the room it was posted in:
 * - `GET /federation/v1/files/:local_id`: the stored file object and whether it was revoked,
 * - `GET /federation/v1/files/:local_id/preview`: the preview image, streamed from the
 *   file's origin through the preview proxy (only from that trusted peer, nothing stored).
 */
import type { Request, RequestHandler } from 'express';
import { requireMember, requireUser } from '../access.js';
import type { ServerContext } from '../context.js';
import { ChatFilesError } from '../errors.js';
import { asyncHandler } from '../routes/route-helpers.js';
import type { FederatedFileRecord } from '../store/metadata-store.js';
import { FEDERATED_FILE_ID, remoteSender, requireFederation } from './inbound-route.js';
import { proxyPreview } from './preview-proxy.js';

/** The record behind `:local_id`, for a member of its room; 401/403/404 otherwise. */
async function memberRecord(ctx: ServerContext, req: Request): Promise<FederatedFileRecord> {
  await ctx.ready;
  requireFederation(ctx);
  const user = await requireUser(ctx, req);
  const id = req.params.local_id;
  const record =
    typeof id === 'string' && FEDERATED_FILE_ID.test(id)
      ? await ctx.store.federation.getFile(id)
      : null;
  if (!record) throw new ChatFilesError('ERR_NOT_FOUND', 'No such federated file.');
  await requireMember(ctx, user.username, record.room_id);
  return record;
}

/** Builds the handler of `GET /federation/v1/files/:local_id`. */
export function federatedFileRoute(ctx: ServerContext): RequestHandler {
  return asyncHandler(async (req, res) => {
    const record = await memberRecord(ctx, req);
    res.set('Cache-Control', 'private, no-cache');
    res.json({
      id: record.id,
      room_id: record.room_id,
      origin: record.origin,
      origin_file_id: record.origin_file_id,
      sender: remoteSender(record.sender, record.origin),
      file: record.file,
      revoked: record.revoked_at !== null,
      revoked_at: record.revoked_at,
      created_at: record.created_at,
    });
  });
}

/** Builds the handler of `GET /federation/v1/files/:local_id/preview`. */
export function federatedPreviewRoute(ctx: ServerContext): RequestHandler {
  return asyncHandler(async (req, res) => {
    const record = await memberRecord(ctx, req);
    if (record.revoked_at !== null) {
      throw new ChatFilesError('ERR_GONE', 'This file is no longer available.');
    }
    if (!record.file.previewUrl)
      throw new ChatFilesError('ERR_NOT_FOUND', 'This file has no preview.');
    const federation = requireFederation(ctx);
    // Only the peer that sent the file, and only while it is still trusted.
    const trustedOrigins = federation.trusts(record.origin) ? [record.origin] : [];
    await proxyPreview(record.file.previewUrl, res, { trustedOrigins });
  });
}
