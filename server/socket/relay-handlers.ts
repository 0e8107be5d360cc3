/**
 * The socket relay: a requester asks the server to open a session with a source socket;
 * frames then flow source → requester and acknowledgements requester → source, each
 * checked against the session and forwarded untouched. Frame handlers are synchronous
 * so frames leave in the order they arrived.
 */
import type {
  RelayAckPayload,
  RelayCancelPayload,
  RelayChunkPayload,
  RelayCompletePayload,
  RelayRequestPayload,
} from '../../src/core/protocol.js';
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
} from '../validate.js';
import {
  MAX_SESSIONS_PER_SOCKET,
  RELAY_IDLE_TIMEOUT_MS,
  type RelaySession,
} from './relay-sessions.js';
import {
  roomSockets,
  type ChatFilesIo,
  type ChatFilesSocket,
  type HandlerTable,
  type SocketScope,
} from './socket-scope.js';

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

function parseRelayRequest(raw: unknown): RelayRequestPayload {
  const fields = asObject(raw);
  return {
    file_id: requireId(fields, 'file_id'),
    room_id: requireId(fields, 'room_id'),
    source_username: requireId(fields, 'source_username'),
    source_socket_id: optionalId(fields, 'source_socket_id'),
    pieces: optionalIndexList(fields, 'pieces', MAX_PIECES),
  };
}

/** Binary frame data, or base64 text from a reference-doc client. */
const isFrameData = (data: unknown): data is RelayChunkPayload['chunk_data'] =>
  typeof data === 'string' || frameLength(data) !== null;

async function relayRequest({ ctx, io, socket, user }: SocketScope, p: RelayRequestPayload) {
  const file = await requireFileInRoom(ctx, p.file_id, p.room_id);
  const sourceUsername = p.source_username;
  const sourceSocketId = p.source_socket_id;
  const pieces = p.pieces;
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

function parseRelayChunk(raw: unknown): RelayChunkPayload {
  const fields = asObject(raw);
  const data = fields.chunk_data;
  // Reference-doc clients send base64 text; it is forwarded as is, never decoded here.
  if (!isFrameData(data)) throw new ChatFilesError('ERR_VALIDATION', 'chunk_data must be binary.');
  return {
    session_id: optionalId(fields, 'session_id'),
    requester_socket_id: requireId(fields, 'requester_socket_id'),
    file_id: requireId(fields, 'file_id'),
    chunk_index: requireInteger(fields, 'chunk_index'),
    total_chunks: requireInteger(fields, 'total_chunks'),
    chunk_data: data,
  };
}

function relayChunk({ ctx, io, socket }: SocketScope, p: RelayChunkPayload) {
  const requesterSocketId = p.requester_socket_id;
  const fileId = p.file_id;
  const session = ctx.relay.find(p.session_id, socket.id, requesterSocketId, fileId);
  if (!session) throw noSession();
  const chunkIndex = p.chunk_index;
  const totalChunks = p.total_chunks;
  const data: unknown = p.chunk_data;
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

function parseRelayAck(raw: unknown): RelayAckPayload {
  const fields = asObject(raw);
  return {
    session_id: optionalId(fields, 'session_id'),
    source_socket_id: requireId(fields, 'source_socket_id'),
    file_id: requireId(fields, 'file_id'),
    received_through: requireInteger(fields, 'received_through'),
  };
}

function relayAck({ ctx, io, socket }: SocketScope, p: RelayAckPayload) {
  const sourceSocketId = p.source_socket_id;
  const fileId = p.file_id;
  const session = ctx.relay.find(p.session_id, sourceSocketId, socket.id, fileId);
  if (!session) throw noSession();
  const receivedThrough = p.received_through;
  session.last_activity = ctx.now();
  io.to(sourceSocketId).emit('chat:file:relay_ack', {
    session_id: session.id,
    requester_socket_id: socket.id,
    file_id: fileId,
    received_through: receivedThrough,
  });
  return {};
}

function parseRelayComplete(raw: unknown): RelayCompletePayload {
  const fields = asObject(raw);
  return {
    session_id: optionalId(fields, 'session_id'),
    requester_socket_id: requireId(fields, 'requester_socket_id'),
    file_id: requireId(fields, 'file_id'),
  };
}

function relayComplete({ ctx, io, socket }: SocketScope, p: RelayCompletePayload) {
  const requesterSocketId = p.requester_socket_id;
  const fileId = p.file_id;
  const session = ctx.relay.find(p.session_id, socket.id, requesterSocketId, fileId);
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
  io: ChatFilesIo,
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

function parseRelayCancel(raw: unknown): RelayCancelPayload {
  const fields = asObject(raw);
  return {
    session_id: requireId(fields, 'session_id'),
    reason: optionalString(fields, 'reason', { max: 200 }),
  };
}

function relayCancel({ ctx, io, socket }: SocketScope, p: RelayCancelPayload) {
  const sessionId = p.session_id;
  const reason = p.reason ?? 'cancelled';
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
export function closeRelaySessionsOf(
  ctx: ServerContext,
  io: ChatFilesIo,
  socket: ChatFilesSocket,
): void {
  for (const session of ctx.relay.closeForSocket(socket.id)) {
    notifyOtherEnd(io, session, socket.id, 'peer_disconnected');
  }
}

/** Ends sessions that have been idle too long, telling both ends. */
export function closeIdleRelaySessions(ctx: ServerContext, io: ChatFilesIo): number {
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

/** A frame: a few ids and numbers around binary data the handler itself bounds. */
const FRAME_LIMITS = { maxDepth: 2, maxValues: 32, maxBytes: Number.MAX_SAFE_INTEGER };

/** Handlers of relay events. Frames inside a session have no rate limit: the session bounds them. */
export const relayHandlers: HandlerTable = {
  'chat:file:relay_request': {
    parse: parseRelayRequest,
    rateLimit: 'relay_request',
    limits: { maxDepth: 3, maxValues: MAX_PIECES + 16, maxBytes: 64 * 1024 },
    handle: relayRequest,
  },
  'chat:file:relay_chunk': {
    parse: parseRelayChunk,
    rateLimit: null,
    limits: FRAME_LIMITS,
    handle: relayChunk,
  },
  'chat:file:relay_ack': { parse: parseRelayAck, rateLimit: null, handle: relayAck },
  'chat:file:relay_complete': {
    parse: parseRelayComplete,
    rateLimit: null,
    handle: relayComplete,
  },
  'chat:file:relay_cancel': { parse: parseRelayCancel, rateLimit: null, handle: relayCancel },
};
