/**
 * Shared viewing: preview sizes and media playback (play, pause, seek) are passed on to
 * the other members of the file's room.
 */
import type { MediaSyncAction } from '../../src/core/protocol.js';
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

async function previewSize({ ctx, socket, user }: SocketScope, payload: unknown) {
  const fields = asObject(payload);
  const file = await requireFile(ctx, requireId(fields, 'file_id'));
  const messageId = optionalId(fields, 'message_id');
  const width = requireNumber(fields, 'width', { min: 0, max: MAX_PREVIEW_DIMENSION });
  const height = requireNumber(fields, 'height', { min: 0, max: MAX_PREVIEW_DIMENSION });
  const isLive = optionalBoolean(fields, 'isLive');
  await requireMember(ctx, user.username, file.room_id);
  socket.to(file.room_id).emit('chat:update_file_preview_size', {
    ...(messageId !== undefined ? { message_id: messageId } : {}),
    file_id: file.id,
    width,
    height,
    ...(isLive !== undefined ? { isLive } : {}),
    room_id: file.room_id,
    username: user.username,
  });
  return {};
}

async function mediaSync({ ctx, socket, user }: SocketScope, payload: unknown) {
  const fields = asObject(payload);
  const file = await requireFileInRoom(
    ctx,
    requireId(fields, 'file_id'),
    requireId(fields, 'room_id'),
  );
  const action = requireOneOf(fields, 'action', MEDIA_ACTIONS);
  const time = requireNumber(fields, 'time', { min: 0, max: MAX_MEDIA_TIME });
  await requireMember(ctx, user.username, file.room_id);
  socket.to(file.room_id).emit('chat:media_sync', {
    room_id: file.room_id,
    file_id: file.id,
    action,
    time,
    username: user.username,
  });
  return {};
}

/** Handlers of shared-viewing events. */
export const mediaHandlers: HandlerTable = {
  'chat:update_file_preview_size': previewSize,
  'chat:media_sync': mediaSync,
};
