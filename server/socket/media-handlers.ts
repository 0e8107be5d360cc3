/**
 * Shared viewing: preview sizes and media playback (play, pause, seek) are passed on to
 * the other members of the file's room.
 */
import type {
  MediaSyncAction,
  MediaSyncPayload,
  PreviewSizePayload,
} from '../../src/core/wire/protocol.js';
import { requireFile, requireFileInRoom, requireMember } from '../access.js';
import {
  asObject,
  optionalBoolean,
  optionalId,
  requireId,
  requireNumber,
  requireOneOf,
} from '../validate.js';
import type { HandlerTable, SocketScope } from './socket-scope.js';

/** Largest preview dimension, in CSS pixels. */
export const MAX_PREVIEW_DIMENSION = 100_000;
/** Latest media position accepted, in seconds (a bit over a week). */
export const MAX_MEDIA_TIME = 1_000_000;

const MEDIA_ACTIONS: readonly MediaSyncAction[] = ['play', 'pause', 'seek'];

function parsePreviewSize(raw: unknown): PreviewSizePayload {
  const fields = asObject(raw);
  return {
    file_id: requireId(fields, 'file_id'),
    message_id: optionalId(fields, 'message_id'),
    width: requireNumber(fields, 'width', { min: 0, max: MAX_PREVIEW_DIMENSION }),
    height: requireNumber(fields, 'height', { min: 0, max: MAX_PREVIEW_DIMENSION }),
    isLive: optionalBoolean(fields, 'isLive'),
  };
}

async function previewSize({ ctx, socket, user }: SocketScope, p: PreviewSizePayload) {
  const file = await requireFile(ctx, p.file_id);
  await requireMember(ctx, user.username, file.room_id);
  socket.to(file.room_id).emit('chat:update_file_preview_size', {
    ...(p.message_id !== undefined ? { message_id: p.message_id } : {}),
    file_id: file.id,
    width: p.width,
    height: p.height,
    ...(p.isLive !== undefined ? { isLive: p.isLive } : {}),
    room_id: file.room_id,
    username: user.username,
  });
  return {};
}

function parseMediaSync(raw: unknown): MediaSyncPayload {
  const fields = asObject(raw);
  return {
    file_id: requireId(fields, 'file_id'),
    room_id: requireId(fields, 'room_id'),
    action: requireOneOf(fields, 'action', MEDIA_ACTIONS),
    time: requireNumber(fields, 'time', { min: 0, max: MAX_MEDIA_TIME }),
  };
}

async function mediaSync({ ctx, socket, user }: SocketScope, p: MediaSyncPayload) {
  const file = await requireFileInRoom(ctx, p.file_id, p.room_id);
  await requireMember(ctx, user.username, file.room_id);
  socket.to(file.room_id).emit('chat:media_sync', {
    room_id: file.room_id,
    file_id: file.id,
    action: p.action,
    time: p.time,
    username: user.username,
  });
  return {};
}

/** Handlers of shared-viewing events. */
export const mediaHandlers: HandlerTable = {
  'chat:update_file_preview_size': {
    parse: parsePreviewSize,
    rateLimit: 'events',
    handle: previewSize,
  },
  'chat:media_sync': { parse: parseMediaSync, rateLimit: 'events', handle: mediaSync },
};
