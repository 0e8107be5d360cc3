/**
 * Sharing and seeding: `chat:file:share` creates the file record and posts the `[FILE]`
 * message; `chat:file:seed_registered` records a peer seeder; `chat:file:server_cached`
 * tells the room the server holds a copy.
 */
import { deleteFile } from '../server-copies.js';
import { randomUUID } from 'node:crypto';
import { encodeFileMessage } from '../../src/core/file-message.js';
import { SERVER_SEEDER } from '../../src/core/protocol.js';
import { expiresAt, isServable, requireFile, requireMember, requireMemberFile } from '../access.js';
import { isAllowedType, normalizeMimeType } from '../content-type.js';
import { completeRemoval } from '../context.js';
import { ChatFilesError } from '../errors.js';
import { cleanDisplayName } from '../file-names.js';
import { parseManifest } from '../hashing.js';
import { asObject, optionalString, requireId, requireInteger, requireString } from '../validate.js';
import { socketUser, type HandlerTable, type SocketScope } from './socket-scope.js';

/** Longest name accepted on the wire; names above 255 characters are then truncated. */
export const MAX_RAW_NAME_LENGTH = 4096;

const THUMBNAIL = /^data:image\/(png|jpeg|webp|gif);base64,[A-Za-z0-9+/]*={0,2}$/;

/** Validates a thumbnail data URL against the type and size rules. */
function parseThumbnail(value: unknown, maxLength: number): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') {
    throw new ChatFilesError('ERR_VALIDATION', 'thumbnail must be a data URL string.');
  }
  if (value.length > maxLength) {
    throw new ChatFilesError(
      'ERR_TOO_LARGE',
      `thumbnail is ${value.length} characters; the limit is ${maxLength}.`,
    );
  }
  if (!THUMBNAIL.test(value)) {
    throw new ChatFilesError(
      'ERR_VALIDATION',
      'thumbnail must be a base64 data URL of a PNG, JPEG, WebP or GIF image.',
    );
  }
  return value;
}

async function share({ ctx, user }: SocketScope, payload: unknown) {
  const fields = asObject(payload);
  const roomId = requireId(fields, 'room_id');
  const rawName = requireString(fields, 'name', { max: MAX_RAW_NAME_LENGTH });
  const size = requireInteger(fields, 'size');
  const declaredType = optionalString(fields, 'mime_type', { min: 0, max: 255 });
  const thumbnail = parseThumbnail(fields.thumbnail, ctx.config.max_thumbnail_size);
  const manifest =
    fields.manifest === undefined || fields.manifest === null
      ? null
      : parseManifest(fields.manifest, size);

  await requireMember(ctx, user.username, roomId);
  const room = await ctx.host.getRoom(roomId);
  if (!room) throw new ChatFilesError('ERR_NOT_FOUND', 'No such room.');

  const { max_file_size: maxSize } = ctx.config;
  if (size > maxSize) {
    throw new ChatFilesError(
      'ERR_TOO_LARGE',
      `The file is ${size} bytes; the limit is ${maxSize} bytes.`,
    );
  }
  const mimeType = normalizeMimeType(declaredType);
  if (!isAllowedType(mimeType, ctx.config.server_seeding.allowed_mime_types)) {
    throw new ChatFilesError('ERR_UNSUPPORTED_TYPE', `Files of type ${mimeType} are not allowed.`);
  }

  const file = {
    id: randomUUID(),
    room_id: roomId,
    name: cleanDisplayName(rawName),
    size,
    mime_type: mimeType,
    chunk_size: ctx.config.chunk_size,
    total_chunks: Math.ceil(size / ctx.config.chunk_size),
    thumbnail,
    sender: user.username,
    created_at: ctx.now(),
    manifest,
  };
  await ctx.store.files.create(file);
  let message: unknown;
  try {
    message = await ctx.host.postMessage(
      roomId,
      user.username,
      encodeFileMessage({
        file_id: file.id,
        name: file.name,
        size: file.size,
        mime_type: file.mime_type,
        thumbnail: file.thumbnail,
      }),
    );
  } catch (error) {
    // Without its message nobody can see the file; do not keep a record of it.
    await completeRemoval(ctx, await deleteFile(ctx.store, file.id, ctx.now()), 'removed');
    throw error;
  }
  return { file_id: file.id, message };
}

async function seedRegistered({ ctx, socket, user }: SocketScope, payload: unknown) {
  const fields = asObject(payload);
  const file = await requireFile(ctx, requireId(fields, 'file_id'));
  await requireMember(ctx, user.username, file.room_id);
  if (user.username === SERVER_SEEDER) {
    throw new ChatFilesError('ERR_FORBIDDEN', 'That name is reserved for the server.');
  }
  await ctx.store.files.addPeerSeed(file.id, user.username, ctx.now());
  socket.to(file.room_id).emit('chat:file:seeder_available', {
    file_id: file.id,
    room_id: file.room_id,
    username: socketUser(socket)?.username ?? user.username,
    socket_id: socket.id,
  });
  return {};
}

async function serverCached({ ctx, io, user }: SocketScope, payload: unknown) {
  const fields = asObject(payload);
  const file = await requireMemberFile(ctx, user.username, fields);
  const seed = await ctx.store.copies.get(file.id);
  if (!isServable(ctx, seed)) {
    throw new ChatFilesError('ERR_NOT_FOUND', 'The server holds no copy of this file.');
  }
  // The client's expires_at is ignored: the server's own clock and config decide it.
  io.to(file.room_id).emit('chat:file:server_cached', {
    file_id: file.id,
    room_id: file.room_id,
    expires_at: expiresAt(ctx, seed),
  });
  return {};
}

/** Handlers of sharing and seeding events. */
export const shareHandlers: HandlerTable = {
  'chat:file:share': share,
  'chat:file:seed_registered': seedRegistered,
  'chat:file:server_cached': serverCached,
};
