/**
 * Who may do what: authenticating a request, loading a file or failing with 404,
 * checking room membership, and the server-copy status a user sees.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'socket.io';
import type { FileRecord, ServerStatus } from '../src/core/wire/protocol.js';
import type { ServerContext } from './context.js';
import { ChatFilesError } from './errors.js';
import { requireId } from './validate.js';
import { authInputFrom } from './auth-helpers.js';
import type { Handshake, HostUser } from './host-adapter.js';
import type { ServerSeed, StoredFile } from './store/metadata-store.js';

/**
 * Asks the host who is behind a request or handshake. Whatever the host returns is
 * checked, so a buggy adapter cannot smuggle in a user without a name.
 */
export async function identify(
  ctx: ServerContext,
  source: IncomingMessage | Socket | Handshake,
): Promise<HostUser | null> {
  const user = await ctx.host.authenticate(authInputFrom(source));
  if (!user || typeof user.username !== 'string' || user.username === '') return null;
  const groups = Array.isArray(user.groups)
    ? user.groups.filter((g): g is string => typeof g === 'string')
    : [];
  return { ...user, groups };
}

/** The user behind a request, or 401. */
export async function requireUser(ctx: ServerContext, req: IncomingMessage): Promise<HostUser> {
  const user = await identify(ctx, req);
  if (!user) throw new ChatFilesError('ERR_UNAUTHENTICATED', 'Log in first.');
  return user;
}

/** The file, or 404. */
export async function requireFile(ctx: ServerContext, fileId: string): Promise<StoredFile> {
  const file = await ctx.store.files.get(fileId);
  if (!file) throw new ChatFilesError('ERR_NOT_FOUND', 'No such file.');
  return file;
}

/**
 * 410 when the file's sender revoked it: its bytes are withdrawn from everyone, through
 * the room, share links old and new, and discovery alike.
 */
export async function requireNotRevoked(ctx: ServerContext, file: { id: string }): Promise<void> {
  if (await ctx.store.shares.hasRevoked(file.id)) {
    throw new ChatFilesError(
      'ERR_GONE',
      'This file is no longer available: its sender revoked it.',
    );
  }
}

/** The file, which must belong to `roomId`, or 404. */
export async function requireFileInRoom(
  ctx: ServerContext,
  fileId: string,
  roomId: string,
): Promise<StoredFile> {
  const file = await requireFile(ctx, fileId);
  if (file.room_id !== roomId)
    throw new ChatFilesError('ERR_NOT_FOUND', 'No such file in this room.');
  return file;
}

/**
 * The file named by a payload's `file_id` and `room_id`, for a member of that room:
 * 404 when the file is not in the room, 403 when the user is not a member.
 */
export async function requireMemberFile(
  ctx: ServerContext,
  username: string,
  fields: Record<string, unknown>,
): Promise<StoredFile> {
  const file = await requireFileInRoom(
    ctx,
    requireId(fields, 'file_id'),
    requireId(fields, 'room_id'),
  );
  await requireMember(ctx, username, file.room_id);
  return file;
}

/** 403 unless `username` belongs to the room. */
export async function requireMember(
  ctx: ServerContext,
  username: string,
  roomId: string,
): Promise<void> {
  if (!(await ctx.host.isMember(username, roomId))) {
    throw new ChatFilesError('ERR_NOT_MEMBER', 'You are not a member of this room.');
  }
}

/** When an unclaimed server copy expires, or `null` when it never does. */
export function expiresAt(ctx: ServerContext, seed: ServerSeed): number | null {
  const minutes = ctx.config.server_seeding.temp_cache_minutes;
  if (seed.permanent || minutes === false) return null;
  return seed.cached_at + minutes * 60_000;
}

/** Whether a server copy exists and has not expired (the cleanup job may lag behind). */
export function isServable(
  ctx: ServerContext,
  seed: ServerSeed | null | undefined,
): seed is ServerSeed {
  if (!seed || !seed.stored || !ctx.config.server_seeding.enabled) return false;
  const expiry = expiresAt(ctx, seed);
  return expiry === null || expiry > ctx.now();
}

/**
 * Who may delete the room's server copy of a file for everyone: its sharer or an
 * administrator (the host's `isAdmin`). The host is asked once, so one rule serves a
 * whole batch of files.
 */
export async function copyDeletionRule(
  ctx: ServerContext,
  username: string,
): Promise<(file: Pick<StoredFile, 'sender'>) => boolean> {
  const admin = (await ctx.host.isAdmin?.(username)) === true;
  return (file) => admin || file.sender === username;
}

/** Whether `username` may delete the server copy of `file` for everyone. */
export async function mayDeleteCopy(
  ctx: ServerContext,
  username: string,
  file: Pick<StoredFile, 'sender'>,
): Promise<boolean> {
  return (await copyDeletionRule(ctx, username))(file);
}

/** The server status of a file for a user, from already loaded rows. */
export function statusOf(
  ctx: ServerContext,
  seed: ServerSeed | null | undefined,
  userHasClaim: boolean,
  canDelete: boolean,
): ServerStatus {
  const available = isServable(ctx, seed);
  return {
    server_available: available,
    user_has_claim: available && userHasClaim,
    expires_at: available ? expiresAt(ctx, seed) : null,
    can_delete: canDelete,
  };
}

/** The server status of one file for a user. */
export async function serverStatus(
  ctx: ServerContext,
  file: Pick<StoredFile, 'id' | 'sender'>,
  username: string,
): Promise<ServerStatus> {
  const [seed, claim, canDelete] = await Promise.all([
    ctx.store.copies.get(file.id),
    ctx.store.claims.get(file.id, username),
    mayDeleteCopy(ctx, username, file),
  ]);
  return statusOf(ctx, seed, claim !== null, canDelete);
}

/** The wire form of a file record. */
export function toFileRecord(file: StoredFile): FileRecord {
  return {
    id: file.id,
    room_id: file.room_id,
    name: file.name,
    size: file.size,
    mime_type: file.mime_type,
    chunk_size: file.chunk_size,
    total_chunks: file.total_chunks,
    thumbnail: file.thumbnail,
    sender: file.sender,
    created_at: file.created_at,
    md5: file.md5,
    sanitized_name: file.sanitized_name,
    sha256: file.sha256,
    manifest: file.manifest,
  };
}
