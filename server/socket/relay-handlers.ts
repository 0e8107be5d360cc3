/**
 * The socket relay: a requester asks the server to open a session with a source socket;
 * frames then flow source → requester and acknowledgements requester → source, each
 * checked against the session and forwarded untouched. Frame handlers are synchronous
 * so frames leave in the order they arrived.
 */
import type { Server as SocketIOServer, Socket } from 'socket.io';
import { requireFileInRoom, requireMember } from '../access.js';
import type { ServerContext } from '../context.js';
import { ChatFilesError } from '../errors.js';
import { MAX_PIECES } from '../hashing.js';
import {
  asObject,
  optionalId,
  optionalIndexList,
  optionalString,
  requireId,
  requireInteger,
  type Fields,
} from '../validate.js';
import {
  MAX_SESSIONS_PER_SOCKET,
  RELAY_IDLE_TIMEOUT_MS,
  type RelaySession,
} from './relay-sessions.js';
import { roomSockets, type HandlerTable, type SocketScope } from './socket-scope.js';

/** Frames may always be this large, whatever `chunk_size` says. */
const MIN_FRAME_LIMIT = 1024 * 1024;

/** Largest frame the relay forwards. */
export function maxFrameBytes(ctx: ServerContext): number {
  return Math.max(ctx.config.chunk_size, MIN_FRAME_LIMIT);
}

const noSession = () =>
  new ChatFilesError('ERR_NOT_FOUND', 'No relay session between these sockets for this file.');

/** The byte length of a frame's data, or `null` when it is not binary. */
function frameLength(data: unknown): number | null {
  if (Buffer.isBuffer(data) || data instanceof Uint8Array) return data.byteLength;
  if (data instanceof ArrayBuffer) return data.byteLength;
  return null;
}

async function relayRequest({ ctx, io, socket, user }: SocketScope, payload: unknown) {
  const fields = asObject(payload);
  const file = await requireFileInRoom(
    ctx,
    requireId(fields, 'file_id'),
    requireId(fields, 'room_id'),
  );
  const sourceUsername = requireId(fields, 'source_username');
  const sourceSocketId = optionalId(fields, 'source_socket_id');
  const pieces = optionalIndexList(fields, 'pieces', MAX_PIECES);
  await requireMember(ctx, user.username, file.room_id);
  if (!(await ctx.host.isMember(sourceUsername, file.room_id))) {
    throw new ChatFilesError('ERR_NOT_MEMBER', 'The source is not a member of this room.');
  }
  if (ctx.relay.countFor(socket.id) >= MAX_SESSIONS_PER_SOCKET) {
    throw new ChatFilesError(
      'ERR_RATE_LIMITED',
      `At most ${MAX_SESSIONS_PER_SOCKET} relay sessions per connection.`,
    );
  }
  const candidates = (await roomSockets(io, file.room_id, sourceUsername)).filter(
    (s) => s.id !== socket.id,
  );
  const source =
    sourceSocketId === undefined
      ? candidates[0]
      : candidates.find((candidate) => candidate.id === sourceSocketId);
  if (!source) throw new ChatFilesError('ERR_NOT_FOUND', 'The source is not online in this room.');

  const session = ctx.relay.open(
    {
      file_id: file.id,
      room_id: file.room_id,
      source_socket_id: source.id,
      source_username: sourceUsername,
      requester_socket_id: socket.id,
      requester_username: user.username,
    },
    ctx.now(),
  );
  io.to(source.id).emit('chat:file:relay_request', {
    session_id: session.id,
    file_id: file.id,
    room_id: file.room_id,
    requester_socket_id: socket.id,
    requester_username: user.username,
    ...(pieces ? { pieces } : {}),
  });
  return { transport: 'relay' as const, session_id: session.id, source_socket_id: source.id };
}

/** The session id of a relay message, when it names one. */
const sessionIdOf = (fields: Fields) => optionalId(fields, 'session_id');

function relayChunk({ ctx, io, socket }: SocketScope, payload: unknown) {
  const fields = asObject(payload);
  const requesterSocketId = requireId(fields, 'requester_socket_id');
  const fileId = requireId(fields, 'file_id');
  const session = ctx.relay.find(sessionIdOf(fields), socket.id, requesterSocketId, fileId);
  if (!session) throw noSession();
  const chunkIndex = requireInteger(fields, 'chunk_index');
  const totalChunks = requireInteger(fields, 'total_chunks');
  const data = fields.chunk_data;
  const limit = maxFrameBytes(ctx);
  const length = frameLength(data);
  // Reference-doc clients send base64 text; it is forwarded as is, never decoded here.
  const textLength = typeof data === 'string' ? data.length : null;
  if (length === null && textLength === null) {
    throw new ChatFilesError('ERR_VALIDATION', 'chunk_data must be binary.');
  }
  if ((length ?? 0) > limit || (textLength ?? 0) > Math.ceil(limit / 3) * 4) {
    throw new ChatFilesError('ERR_TOO_LARGE', `A relay frame may carry at most ${limit} bytes.`);
  }
  session.last_activity = ctx.now();
  io.to(requesterSocketId).emit('chat:file:relay_chunk', {
    session_id: session.id,
    source_socket_id: socket.id,
    file_id: fileId,
    chunk_index: chunkIndex,
    chunk_data: data as ArrayBuffer,
    total_chunks: totalChunks,
  });
  return {};
}

function relayAck({ ctx, io, socket }: SocketScope, payload: unknown) {
  const fields = asObject(payload);
  const sourceSocketId = requireId(fields, 'source_socket_id');
  const fileId = requireId(fields, 'file_id');
  const session = ctx.relay.find(sessionIdOf(fields), sourceSocketId, socket.id, fileId);
  if (!session) throw noSession();
  const receivedThrough = requireInteger(fields, 'received_through');
  session.last_activity = ctx.now();
  io.to(sourceSocketId).emit('chat:file:relay_ack', {
    session_id: session.id,
    requester_socket_id: socket.id,
    file_id: fileId,
    received_through: receivedThrough,
  });
  return {};
}

function relayComplete({ ctx, io, socket }: SocketScope, payload: unknown) {
  const fields = asObject(payload);
  const requesterSocketId = requireId(fields, 'requester_socket_id');
  const fileId = requireId(fields, 'file_id');
  const session = ctx.relay.find(sessionIdOf(fields), socket.id, requesterSocketId, fileId);
  if (!session) throw noSession();
  ctx.relay.close(session.id);
  io.to(requesterSocketId).emit('chat:file:relay_complete', {
    session_id: session.id,
    source_socket_id: socket.id,
    file_id: fileId,
  });
  return {};
}

/** Tells the end of `session` that is not `fromSocketId` that the session is over. */
function notifyOtherEnd(
  io: SocketIOServer,
  session: RelaySession,
  fromSocketId: string,
  reason: string,
): void {
  const other =
    session.source_socket_id === fromSocketId
      ? session.requester_socket_id
      : session.source_socket_id;
  io.to(other).emit('chat:file:relay_cancel', {
    session_id: session.id,
    file_id: session.file_id,
    reason,
  });
}

function relayCancel({ ctx, io, socket }: SocketScope, payload: unknown) {
  const fields = asObject(payload);
  const sessionId = requireId(fields, 'session_id');
  const reason = optionalString(fields, 'reason', { max: 200 }) ?? 'cancelled';
  const session = ctx.relay.get(sessionId);
  if (
    !session ||
    (session.source_socket_id !== socket.id && session.requester_socket_id !== socket.id)
  ) {
    throw noSession();
  }
  ctx.relay.close(session.id);
  notifyOtherEnd(io, session, socket.id, reason);
  return {};
}

/** Ends every session of a socket that went away, telling the other ends. */
export function closeRelaySessionsOf(ctx: ServerContext, io: SocketIOServer, socket: Socket): void {
  for (const session of ctx.relay.closeForSocket(socket.id)) {
    notifyOtherEnd(io, session, socket.id, 'peer_disconnected');
  }
}

/** Ends sessions that have been idle too long, telling both ends. */
export function closeIdleRelaySessions(ctx: ServerContext, io: SocketIOServer): number {
  const idle = ctx.relay.closeIdle(ctx.now() - RELAY_IDLE_TIMEOUT_MS);
  for (const session of idle) {
    for (const socketId of [session.source_socket_id, session.requester_socket_id]) {
      io.to(socketId).emit('chat:file:relay_cancel', {
        session_id: session.id,
        file_id: session.file_id,
        reason: 'timeout',
      });
    }
  }
  return idle.length;
}

/** Handlers of relay events. */
export const relayHandlers: HandlerTable = {
  'chat:file:relay_request': relayRequest,
  'chat:file:relay_chunk': relayChunk,
  'chat:file:relay_ack': relayAck,
  'chat:file:relay_complete': relayComplete,
  'chat:file:relay_cancel': relayCancel,
};
