/**
 * `GET /user` (the files of the user's rooms, with room and sender details, plus the
 * user's own files in rooms since deleted; with `?federated=1` also the files peers
 * shared in those rooms) and `GET /user/storage` (permanent storage used, tier and
 * claimed files).
 */
import type { RequestHandler } from 'express';
import type { FederatedFile } from '../../src/core/wire/federated-file.js';
import type { UserFileEntry, UserStorageResponse } from '../../src/core/wire/protocol.js';
import { requireUser } from '../access.js';
import type { ServerContext } from '../context.js';
import { ChatFilesError } from '../errors.js';
import { remoteSender } from '../federation/inbound-route.js';
import type { HostRoom } from '../host-adapter.js';
import { tierFor } from '../quota.js';
import { optionalId, optionalString } from '../validate.js';
import { asyncHandler } from './route-helpers.js';

/** Files listed when the client sets no `limit`. */
export const DEFAULT_LIST_LIMIT = 500;
/** Most files one listing returns. */
export const MAX_LIST_LIMIT = 1000;

function listLimit(value: unknown): number {
  if (value === undefined) return DEFAULT_LIST_LIMIT;
  const limit = typeof value === 'string' && /^\d{1,7}$/.test(value) ? Number(value) : NaN;
  if (!(limit >= 1 && limit <= MAX_LIST_LIMIT)) {
    throw new ChatFilesError('ERR_VALIDATION', `limit must be from 1 to ${MAX_LIST_LIMIT}.`);
  }
  return limit;
}

/** Builds the handler of `GET /user`. */
export function listUserFilesRoute(ctx: ServerContext): RequestHandler {
  return asyncHandler(async (req, res) => {
    await ctx.ready;
    const user = await requireUser(ctx, req);
    const query = req.query as Record<string, unknown>;
    const roomFilter = optionalId(query, 'room_id');
    const search = optionalString(query, 'search', { min: 0, max: 200 });
    const limit = listLimit(query.limit);

    const rooms = new Map<string, HostRoom | null>();
    const roomOf = async (roomId: string) => {
      if (!rooms.has(roomId)) rooms.set(roomId, await ctx.host.getRoom(roomId));
      return rooms.get(roomId)!;
    };
    const isMember = (roomId: string) => ctx.host.isMember(user.username, roomId);

    let memberRooms: string[];
    if (roomFilter !== undefined) {
      if (await isMember(roomFilter)) memberRooms = [roomFilter];
      else if ((await roomOf(roomFilter)) === null) memberRooms = [];
      else throw new ChatFilesError('ERR_NOT_MEMBER', 'You are not a member of this room.');
    } else if (ctx.host.listRoomIds) {
      memberRooms = await ctx.host.listRoomIds(user.username);
    } else {
      memberRooms = [];
      for (const roomId of await ctx.store.files.roomIds()) {
        if (await isMember(roomId)) memberRooms.push(roomId);
      }
    }
    const memberSet = new Set(memberRooms);

    const candidates = await ctx.store.files.list({
      room_ids: memberRooms,
      sender: user.username,
      search: search || undefined,
      limit,
    });
    const revoked = await ctx.store.shares.revokedAmong(candidates.map((file) => file.id));
    const names = new Map<string, string>();
    const displayName = async (username: string) => {
      if (!names.has(username)) {
        names.set(username, (await ctx.host.displayName?.(username)) ?? username);
      }
      return names.get(username)!;
    };

    const files: UserFileEntry[] = [];
    for (const file of candidates) {
      if (roomFilter !== undefined && file.room_id !== roomFilter) continue;
      const room = await roomOf(file.room_id);
      const member = memberSet.has(file.room_id);
      // A file of a room the user left stays hidden; one of a deleted room stays
      // visible to its sender, so nothing they shared gets lost from view.
      if (!member && room !== null) continue;
      files.push({
        id: file.id,
        name: file.name,
        size: file.size,
        mime_type: file.mime_type,
        thumbnail: file.thumbnail,
        created_at: file.created_at,
        room_id: file.room_id,
        room_name: room?.name ?? null,
        room_type: room?.type ?? 'deleted',
        partner_username: room?.partner_username ?? null,
        sender_chat_name: await displayName(file.sender),
        sender: file.sender,
        ...(room === null ? { room_deleted: true } : {}),
        revoked: revoked.has(file.id),
      });
    }
    if (query.federated === '1' || query.federated === 'true') {
      files.push(...(await federatedEntries(ctx, memberRooms, roomOf, search, limit)));
      files.sort((x, y) => y.created_at - x.created_at);
      files.splice(limit);
    }
    res.json({ files });
  });
}

/** A `/user` entry for a peer's file: what its card needs, and where it lives. */
export type FederatedUserFileEntry = UserFileEntry & { federated: FederatedFile };

/** Peer files of the user's rooms, as `/user` entries (metadata only; no local bytes). */
async function federatedEntries(
  ctx: ServerContext,
  roomIds: string[],
  roomOf: (roomId: string) => Promise<HostRoom | null>,
  search: string | undefined,
  limit: number,
): Promise<FederatedUserFileEntry[]> {
  const needle = search?.toLowerCase();
  const entries: FederatedUserFileEntry[] = [];
  for (const record of await ctx.store.federation.listFiles(roomIds, limit)) {
    if (needle && !record.file.name.toLowerCase().includes(needle)) continue;
    const room = await roomOf(record.room_id);
    const sender = remoteSender(record.sender, record.origin);
    entries.push({
      id: record.id,
      name: record.file.name,
      size: record.file.size,
      mime_type: record.file.mimeType,
      thumbnail: null,
      created_at: record.created_at,
      room_id: record.room_id,
      room_name: room?.name ?? null,
      room_type: room?.type ?? 'deleted',
      partner_username: room?.partner_username ?? null,
      sender_chat_name: sender,
      sender,
      federated: record.file,
      revoked: record.revoked_at !== null,
    });
  }
  return entries;
}

/** Builds the handler of `GET /user/storage`. */
export function userStorageRoute(ctx: ServerContext): RequestHandler {
  return asyncHandler(async (req, res) => {
    await ctx.ready;
    const user = await requireUser(ctx, req);
    const tier = tierFor(user.groups, ctx.config.upload_tiers);
    const [status, claims] = await Promise.all([
      ctx.store.claims.status(user.username),
      ctx.store.claims.list(user.username),
    ]);
    const body: UserStorageResponse = {
      total_stored_bytes: status.total_stored_bytes,
      tier_name: tier.name,
      tier_limit: tier.limit,
      claimed_files: claims.map((claim) => ({
        file_id: claim.file_id,
        name: claim.name,
        size: claim.size,
        room_id: claim.room_id,
        created_at: claim.created_at,
        claimed_at: claim.claimed_at,
      })),
    };
    res.json(body);
  });
}
