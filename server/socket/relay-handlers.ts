/**
 * The socket relay: a requester asks the server to open a session with a source socket;
 * frames then flow source → requester and acknowledgements requester → source, each
 * checked against the session and forwarded untouched. Frame handlers are synchronous
 * so frames leave in the order they arrived.
 *
 * The two ends may sit on different nodes: everything reaches them through adapter-level
 * operations (`io.to(socketId)`, `fetchSockets`, `serverSideEmit`), and every node can
 * check a session id by itself (see `relay-sessions.ts`).
 */
import { EventEmitter } from 'node:events';
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
  type RelaySessionNotice,
} from './relay-sessions.js';
import { roomSockets, type HandlerTable, type SocketScope } from './socket-scope.js';

/** Server-side event telling the other nodes about a session opened here. */
const RELAY_OPENED = 'chat-files:relay-opened';
/** Server-side event telling the other nodes that a session is over. */
const RELAY_CLOSED = 'chat-files:relay-closed';

/**
 * Whether the adapter carries `serverSideEmit` to other nodes. socket.io's in-memory
 * adapter defines it only to print a warning, and it has no other node to tell anyway.
 */
function spansNodes(io: SocketIOServer): boolean {
  let proto: object | null = Object.getPrototypeOf(io.of('/').adapter) as object | null;
  while (proto && !Object.prototype.hasOwnProperty.call(proto, 'serverSideEmit')) {
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  // The base adapter is the class right above EventEmitter.
  const parent = proto ? (Object.getPrototypeOf(proto) as object | null) : null;
  return parent !== null && parent !== EventEmitter.prototype;
}

/** Sends a relay notice to the other nodes, when there can be any. */
function announce(io: SocketIOServer, event: string, payload: unknown): void {
  if (spansNodes(io)) io.serverSideEmit(event, payload);
}

/**
 * Listens to the relay notices of the other nodes: sessions they opened (so reference-doc
 * frames without an id find theirs here) and sessions they closed (refused here too).
 * Returns a function that stops listening.
 */
export function listenToRelayNotices(ctx: ServerContext, io: SocketIOServer): () => void {
  const onOpened = (notice: unknown) => {
    if (!isNotice(notice)) return;
    ctx.relay.learn(notice, ctx.now());
  };
  const onClosed = (sessionId: unknown) => {
    if (typeof sessionId === 'string' && sessionId.length <= 200) ctx.relay.close(sessionId);
  };
  io.on(RELAY_OPENED, onOpened);
  io.on(RELAY_CLOSED, onClosed);
  return () => {
    io.off(RELAY_OPENED, onOpened);
    io.off(RELAY_CLOSED, onClosed);
  };
}

function isNotice(value: unknown): value is RelaySessionNotice {
  if (typeof value !== 'object' || value === null) return false;
  const notice = value as Record<string, unknown>;
  return (
    ['id', 'file_id', 'source_socket_id', 'requester_socket_id'].every(
      (key) => typeof notice[key] === 'string',
    ) && typeof notice.expires_at === 'number'
  );
}

/**
 * The way to one socket for frames and acks: straight to it when it is connected to this
 * node (no round trip through the adapter's broker for every frame), otherwise through
 * the adapter, which reaches it on whichever node holds it.
 */
function toSocket(io: SocketIOServer, socketId: string) {
  return io.sockets.sockets.has(socketId) ? io.local.to(socketId) : io.to(socketId);
}

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
  ctx.metrics.relaySessionOpened();
  announce(io, RELAY_OPENED, {
    id: session.id,
    file_id: session.file_id,
    source_socket_id: session.source_socket_id,
    requester_socket_id: session.requester_socket_id,
    expires_at: session.expires_at,
    room_id: file.room_id,
    source_username: sourceUsername,
    requester_username: user.username,
  } satisfies RelaySessionNotice);
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
  const now = ctx.now();
  const session = ctx.relay.find(sessionIdOf(fields), socket.id, requesterSocketId, fileId, now);
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
  ctx.relay.touch(session, now);
  ctx.metrics.bytesSent('relay', length ?? textLength ?? 0);
  toSocket(io, requesterSocketId).emit('chat:file:relay_chunk', {
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
  const now = ctx.now();
  const session = ctx.relay.find(sessionIdOf(fields), sourceSocketId, socket.id, fileId, now);
  if (!session) throw noSession();
  const receivedThrough = requireInteger(fields, 'received_through');
  ctx.relay.touch(session, now);
  toSocket(io, sourceSocketId).emit('chat:file:relay_ack', {
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
  const session = ctx.relay.find(
    sessionIdOf(fields),
    socket.id,
    requesterSocketId,
    fileId,
    ctx.now(),
  );
  if (!session) throw noSession();
  closeEverywhere(ctx, io, session);
  ctx.metrics.transferCompleted('relay');
  toSocket(io, requesterSocketId).emit('chat:file:relay_complete', {
    session_id: session.id,
    source_socket_id: socket.id,
    file_id: fileId,
  });
  return {};
}

/** Closes a session here and tells the other nodes to refuse its id from now on. */
function closeEverywhere(ctx: ServerContext, io: SocketIOServer, session: RelaySession): void {
  ctx.relay.close(session.id);
  announce(io, RELAY_CLOSED, session.id);
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
  const session = ctx.relay.forSocket(sessionId, socket.id, ctx.now());
  if (!session) throw noSession();
  closeEverywhere(ctx, io, session);
  notifyOtherEnd(io, session, socket.id, reason);
  return {};
}

/** Ends every session of a socket that went away, telling the other ends. */
export function closeRelaySessionsOf(ctx: ServerContext, io: SocketIOServer, socket: Socket): void {
  for (const session of ctx.relay.closeForSocket(socket.id)) {
    announce(io, RELAY_CLOSED, session.id);
    notifyOtherEnd(io, session, socket.id, 'peer_disconnected');
  }
}

/** Ends sessions that have been idle too long, telling both ends. */
export function closeIdleRelaySessions(ctx: ServerContext, io: SocketIOServer): number {
  const now = ctx.now();
  const idle = ctx.relay.closeIdle(now - RELAY_IDLE_TIMEOUT_MS, now);
  for (const session of idle) {
    announce(io, RELAY_CLOSED, session.id);
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
