/**
 * Sharing and seeding: `chat:file:share` creates the file record and posts the `[FILE]`
 * message; `chat:file:seed_registered` records a peer seeder; `chat:file:server_cached`
 * tells the room the server holds a copy.
 */
import { deleteFile } from '../server-copies.js';
import { randomUUID } from 'node:crypto';
import { encodeFileMessage } from '../../src/core/wire/file-message.js';
import {
  SERVER_SEEDER,
  type SeedRegisteredPayload,
  type ServerCachedPayload,
  type SharePayload,
} from '../../src/core/wire/protocol.js';
import { expiresAt, isServable, requireFile, requireFileInRoom, requireMember } from '../access.js';
import { isAllowedType, normalizeMimeType } from '../content-type.js';
import { completeRemoval } from '../context.js';
import { ChatFilesError } from '../errors.js';
import { cleanDisplayName, MAX_RAW_NAME_LENGTH } from '../file-names.js';
import { MAX_PIECES, parseManifest } from '../hashing.js';
import { asObject, optionalString, requireId, requireInteger, requireString } from '../validate.js';
import { DEFAULT_PAYLOAD_LIMITS } from './payload-limits.js';
import { socketUser, type HandlerTable, type SocketScope } from './socket-scope.js';

const THUMBNAIL = /^data:image\/(png|jpeg|webp|gif);base64,[A-Za-z0-9+/]*={0,2}$/;

/** Longest thumbnail accepted on the wire; the configured `max_thumbnail_size` is checked after. */
const MAX_RAW_THUMBNAIL_LENGTH = 4 * 1024 * 1024;

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

/** `chat:file:share`: types and lengths only; sizes and types allowed are the handler's. */
function parseShare(raw: unknown): SharePayload {
  const fields = asObject(raw);
  const size = requireInteger(fields, 'size');
  return {
    room_id: requireId(fields, 'room_id'),
    name: requireString(fields, 'name', { max: MAX_RAW_NAME_LENGTH }),
    size,
    mime_type: optionalString(fields, 'mime_type', { min: 0, max: 255 }),
    thumbnail: parseThumbnail(fields.thumbnail, MAX_RAW_THUMBNAIL_LENGTH),
    manifest:
      fields.manifest === undefined || fields.manifest === null
        ? undefined
        : parseManifest(fields.manifest, size),
  };
}

async function share({ ctx, user }: SocketScope, payload: SharePayload) {
  const { room_id: roomId, size } = payload;
  const thumbnail = parseThumbnail(payload.thumbnail, ctx.config.max_thumbnail_size);
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
  const mimeType = normalizeMimeType(payload.mime_type);
  if (!isAllowedType(mimeType, ctx.config.server_seeding.allowed_mime_types)) {
    throw new ChatFilesError('ERR_UNSUPPORTED_TYPE', `Files of type ${mimeType} are not allowed.`);
  }
  // The share posts a message into the room: it also spends from the message budget.
  await ctx.limits.spend('message', { user: user.username });

  const file = {
    id: randomUUID(),
    room_id: roomId,
    name: cleanDisplayName(payload.name),
    size,
    mime_type: mimeType,
    chunk_size: ctx.config.chunk_size,
    total_chunks: Math.ceil(size / ctx.config.chunk_size),
    thumbnail,
    sender: user.username,
    created_at: ctx.now(),
    manifest: payload.manifest ?? null,
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

function parseSeedRegistered(raw: unknown): SeedRegisteredPayload {
  return { file_id: requireId(asObject(raw), 'file_id') };
}

async function seedRegistered({ ctx, socket, user }: SocketScope, payload: SeedRegisteredPayload) {
  const file = await requireFile(ctx, payload.file_id);
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

function parseServerCached(raw: unknown): ServerCachedPayload {
  const fields = asObject(raw);
  // The client's expires_at is ignored: the server's own clock and config decide it.
  return {
    file_id: requireId(fields, 'file_id'),
    room_id: requireId(fields, 'room_id'),
    expires_at: null,
  };
}

async function serverCached({ ctx, io, user }: SocketScope, payload: ServerCachedPayload) {
  const file = await requireFileInRoom(ctx, payload.file_id, payload.room_id);
  await requireMember(ctx, user.username, file.room_id);
  const seed = await ctx.store.copies.get(file.id);
  if (!isServable(ctx, seed)) {
    throw new ChatFilesError('ERR_NOT_FOUND', 'The server holds no copy of this file.');
  }
  io.to(file.room_id).emit('chat:file:server_cached', {
    file_id: file.id,
    room_id: file.room_id,
    expires_at: expiresAt(ctx, seed),
  });
  return {};
}

/** Handlers of sharing and seeding events. */
export const shareHandlers: HandlerTable = {
  'chat:file:share': {
    parse: parseShare,
    rateLimit: 'share',
    // A manifest lists up to MAX_PIECES digests of 64 hex characters.
    limits: {
      maxDepth: 4,
      maxValues: MAX_PIECES + 64,
      maxBytes: MAX_PIECES * 70 + MAX_RAW_THUMBNAIL_LENGTH + MAX_RAW_NAME_LENGTH * 2,
    },
    handle: share,
  },
  'chat:file:seed_registered': {
    parse: parseSeedRegistered,
    rateLimit: 'events',
    limits: DEFAULT_PAYLOAD_LIMITS,
    handle: seedRegistered,
  },
  'chat:file:server_cached': {
    parse: parseServerCached,
    rateLimit: 'events',
    handle: serverCached,
  },
};
