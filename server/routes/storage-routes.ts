/**
 * Permanent storage: `POST /store-permanently` claims the server copy of a file against
 * the user's tier quota (atomically, so concurrent claims cannot overshoot it),
 * `POST /remove-from-server` releases a claim (never deleting a copy others can use), and
 * `POST /delete-server-copy` lets the sharer (or an administrator) delete the copy for
 * everyone.
 */
import type { RequestHandler } from 'express';
import type { StorePermanentlyResponse } from '../../src/core/wire/protocol.js';
import {
  expiresAt,
  isServable,
  mayDeleteCopy,
  requireFile,
  requireMember,
  requireUser,
} from '../access.js';
import { completeRemoval, emitToRoom, type ServerContext } from '../context.js';
import { ChatFilesError } from '../errors.js';
import { claimStorage, quotaExceededMessage, releaseClaim, tierFor } from '../quota.js';
import { removeServerCopy } from '../server-copies.js';
import { asyncHandler, bodyFileId, requireSeedingEnabled } from './route-helpers.js';

const noCopy = () =>
  new ChatFilesError('ERR_NOT_FOUND', 'The server holds no copy of this file; upload it first.');

/** Builds the handler of `POST /store-permanently`. */
export function storePermanentlyRoute(ctx: ServerContext): RequestHandler {
  return asyncHandler(async (req, res) => {
    await ctx.ready;
    const user = await requireUser(ctx, req);
    const fileId = bodyFileId(req);
    requireSeedingEnabled(ctx);
    const file = await requireFile(ctx, fileId);
    await requireMember(ctx, user.username, file.room_id);
    if (!isServable(ctx, await ctx.store.copies.get(file.id))) throw noCopy();

    const tier = tierFor(user.groups, ctx.config.upload_tiers);
    const result = await claimStorage(ctx.store, {
      file_id: file.id,
      username: user.username,
      limit: tier.limit,
      now: ctx.now(),
    });
    switch (result.status) {
      case 'no_server_copy':
        throw noCopy();
      case 'suspended':
        throw new ChatFilesError('ERR_FORBIDDEN', 'Your server storage is suspended.');
      case 'over_quota':
        throw new ChatFilesError(
          'ERR_QUOTA_EXCEEDED',
          quotaExceededMessage(result.total_stored_bytes, tier),
        );
      case 'claimed':
        // The copy no longer expires; cards in the room can say so.
        emitToRoom(ctx, file.room_id, 'chat:file:server_cached', {
          file_id: file.id,
          room_id: file.room_id,
          expires_at: null,
        });
        break;
      case 'already_claimed':
        break;
    }
    const body: StorePermanentlyResponse = {
      success: true,
      total_stored_bytes: result.total_stored_bytes,
      tier_limit: tier.limit,
      tier_name: tier.name,
    };
    res.json(body);
  });
}

/**
 * Builds the handler of `POST /remove-from-server`: releases the caller's claim. That
 * never deletes a copy others can still use: it stays while other claims pin it, and
 * otherwise goes back to the temp cache with a fresh expiry window. Without a claim, the
 * sharer (or an administrator) removes a copy nobody keeps.
 */
export function removeFromServerRoute(ctx: ServerContext): RequestHandler {
  return asyncHandler(async (req, res) => {
    await ctx.ready;
    const user = await requireUser(ctx, req);
    const fileId = bodyFileId(req);
    const file = await requireFile(ctx, fileId);
    const tier = tierFor(user.groups, ctx.config.upload_tiers);

    // A claim can always be released, even by someone who has since left the room.
    const claim = await ctx.store.claims.get(file.id, user.username);
    let totalStored: number;
    let removed = false;
    if (claim) {
      const released = await releaseClaim(ctx.store, {
        file_id: file.id,
        username: user.username,
        now: ctx.now(),
      });
      totalStored = released.total_stored_bytes;
      const seed = released.remaining_claims === 0 ? await ctx.store.copies.get(file.id) : null;
      if (seed) {
        // Back in the temp cache: cards in the room can show when it expires now.
        emitToRoom(ctx, file.room_id, 'chat:file:server_cached', {
          file_id: file.id,
          room_id: file.room_id,
          expires_at: expiresAt(ctx, seed),
        });
      }
    } else {
      await requireMember(ctx, user.username, file.room_id);
      if (!(await mayDeleteCopy(ctx, user.username, file))) {
        throw new ChatFilesError('ERR_NOT_FOUND', 'You have no claim on this file.');
      }
      const seed = await ctx.store.copies.get(file.id);
      if (!seed) throw noCopy();
      if (seed.permanent) {
        throw new ChatFilesError(
          'ERR_CONFLICT',
          'Other users keep this file on the server; it stays until they release it, or until it is deleted for everyone.',
        );
      }
      totalStored = (await ctx.store.claims.status(user.username)).total_stored_bytes;
      const removal = await removeServerCopy(ctx.store, file.id, {
        onlyIfUnclaimed: true,
        now: ctx.now(),
      });
      removed = removal.removed.length > 0;
      await completeRemoval(ctx, removal, 'removed');
    }
    res.json({
      success: true,
      total_stored_bytes: totalStored,
      tier_limit: tier.limit,
      tier_name: tier.name,
      server_copy_removed: removed,
    });
  });
}

/**
 * Builds the handler of `POST /delete-server-copy`: the sharer (or an administrator)
 * deletes the room's server copy for everyone. Every claim on it is released and
 * refunded, and the room is told.
 */
export function deleteServerCopyRoute(ctx: ServerContext): RequestHandler {
  return asyncHandler(async (req, res) => {
    await ctx.ready;
    const user = await requireUser(ctx, req);
    const fileId = bodyFileId(req);
    const file = await requireFile(ctx, fileId);
    const admin = (await ctx.host.isAdmin?.(user.username)) === true;
    if (!admin) await requireMember(ctx, user.username, file.room_id);
    if (!(await mayDeleteCopy(ctx, user.username, file))) {
      throw new ChatFilesError(
        'ERR_FORBIDDEN',
        'Only the user who shared this file can delete its server copy; remove your own claim instead.',
      );
    }
    const removal = await removeServerCopy(ctx.store, file.id, {
      onlyIfUnclaimed: false,
      now: ctx.now(),
    });
    if (removal.removed.length === 0) throw noCopy();
    await completeRemoval(ctx, removal, 'removed');
    const tier = tierFor(user.groups, ctx.config.upload_tiers);
    res.json({
      success: true,
      total_stored_bytes: (await ctx.store.claims.status(user.username)).total_stored_bytes,
      tier_limit: tier.limit,
      tier_name: tier.name,
      server_copy_removed: true,
    });
  });
}
