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
import type {
  RelayAckPayload,
  RelayCancelPayload,
  RelayChunkPayload,
  RelayCompletePayload,
  RelayRequestPayload,
} from '../../src/core/wire/protocol.js';
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
  type RelaySessionNotice,
} from './relay-sessions.js';
import {
  roomSockets,
  type ChatFilesIo,
  type ChatFilesSocket,
  type HandlerTable,
  type SocketScope,
} from './socket-scope.js';

/** Server-side event telling the other nodes about a session opened here. */
const RELAY_OPENED = 'chat-files:relay-opened';
/** Server-side event telling the other nodes that a session is over. */
const RELAY_CLOSED = 'chat-files:relay-closed';

/**
 * Whether the adapter carries `serverSideEmit` to other nodes. socket.io's in-memory
 * adapter defines it only to print a warning, and it has no other node to tell anyway.
 */
function spansNodes(io: ChatFilesIo): boolean {
  const known = spanning.get(io);
  if (known !== undefined) return known;
  let proto: object | null = Object.getPrototypeOf(io.of('/').adapter) as object | null;
  while (proto && !Object.prototype.hasOwnProperty.call(proto, 'serverSideEmit')) {
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  // The base adapter is the class right above EventEmitter.
  const parent = proto ? (Object.getPrototypeOf(proto) as object | null) : null;
  const spans = parent !== null && parent !== EventEmitter.prototype;
  spanning.set(io, spans);
  return spans;
}

const spanning = new WeakMap<ChatFilesIo, boolean>();

/** Sends a relay notice to the other nodes, when there can be any. */
function announce(io: ChatFilesIo, event: string, payload: unknown): void {
  if (spansNodes(io)) io.serverSideEmit(event, payload);
}

/**
 * Listens to the relay notices of the other nodes: sessions they opened (so reference-doc
 * frames without an id find theirs here) and sessions they closed (refused here too).
 * Returns a function that stops listening.
 */
export function listenToRelayNotices(ctx: ServerContext, io: ChatFilesIo): () => void {
  const onOpened = (notice: unknown) => {
    if (!isNotice(notice)) return;
    ctx.relay.learn(notice, ctx.now());
  };
  const onClosed = (sessionId: unknown) => {
    if (typeof sessionId === 'string' && sessionId.length <= 200) ctx.relay.close(sessionId);
  };
  // A frame, ack or completion another node forwards to a socket that may be here.
  const onForward = (socketId: unknown, event: unknown, message: unknown) => {
    if (typeof socketId !== 'string' || !FORWARDED.has(event as string)) return;
    if (io.sockets.sockets.has(socketId))
      loosely(io.local.to(socketId)).emit(event as RelayEvent, message);
  };
  io.on(RELAY_OPENED, onOpened);
  io.on(RELAY_CLOSED, onClosed);
  io.on(RELAY_FORWARD, onForward);
  return () => {
    io.off(RELAY_OPENED, onOpened);
    io.off(RELAY_CLOSED, onClosed);
    io.off(RELAY_FORWARD, onForward);
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

/** Server-side event carrying a relay message to the node that holds its target socket. */
const RELAY_FORWARD = 'chat-files:relay-forward';
/** The relay events that travel by {@link RELAY_FORWARD}. */
const FORWARDED = new Set([
  'chat:file:relay_chunk',
  'chat:file:relay_ack',
  'chat:file:relay_complete',
]);

/**
 * Sends a frame, ack or completion to one socket: straight to it when it is connected to
 * this node; otherwise as a server-side event that the node holding it passes on. Adapters
 * carry server-side events without keeping them (the Redis streams adapter uses pub/sub
 * for them, in order, with binary as is), where a room broadcast would be written to the
 * stream, base64-encoded, and read back by every node: the relay's bytes are
 * short-lived, and a frame lost to a broken broker connection is re-requested by the
 * receiver after its stall timeout anyway.
 */
function sendToSocket(io: ChatFilesIo, socketId: string, event: RelayEvent, message: object): void {
  if (io.sockets.sockets.has(socketId)) loosely(io.local.to(socketId)).emit(event, message);
  else if (spansNodes(io)) io.serverSideEmit(RELAY_FORWARD, socketId, event, message);
  else loosely(io.to(socketId)).emit(event, message);
}

/** The relay events a node forwards to a socket another node holds. */
type RelayEvent = 'chat:file:relay_chunk' | 'chat:file:relay_ack' | 'chat:file:relay_complete';

/**
 * A broadcast target emitting a relay event whose payload was checked where it was made
 * (on this node or on the node that forwarded it).
 */
function loosely(target: object): { emit(event: RelayEvent, message: unknown): void } {
  return target as { emit(event: RelayEvent, message: unknown): void };
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

async function relayRequest({ ctx, io, socket, user }: SocketScope, p: RelayRequestPayload) {
  // Sessions are signed with the shared key, which is loaded while getting ready.
  await ctx.ready;
  const file = await requireFileInRoom(ctx, p.file_id, p.room_id);
  await requireMember(ctx, user.username, file.room_id);
  if (!(await ctx.host.isMember(p.source_username, file.room_id))) {
    throw new ChatFilesError('ERR_NOT_MEMBER', 'The source is not a member of this room.');
  }
  if (ctx.relay.countFor(socket.id) >= MAX_SESSIONS_PER_SOCKET) {
    throw new ChatFilesError(
      'ERR_RATE_LIMITED',
      `At most ${MAX_SESSIONS_PER_SOCKET} relay sessions per connection.`,
    );
  }
  const candidates = (await roomSockets(io, file.room_id, p.source_username)).filter(
    (s) => s.id !== socket.id,
  );
  const source =
    p.source_socket_id === undefined
      ? candidates[0]
      : candidates.find((candidate) => candidate.id === p.source_socket_id);
  if (!source) throw new ChatFilesError('ERR_NOT_FOUND', 'The source is not online in this room.');

  const session = ctx.relay.open(
    {
      file_id: file.id,
      room_id: file.room_id,
      source_socket_id: source.id,
      source_username: p.source_username,
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
    source_username: p.source_username,
    requester_username: user.username,
  } satisfies RelaySessionNotice);
  io.to(source.id).emit('chat:file:relay_request', {
    session_id: session.id,
    file_id: file.id,
    room_id: file.room_id,
    requester_socket_id: socket.id,
    requester_username: user.username,
    ...(p.pieces ? { pieces: p.pieces } : {}),
  });
  return { transport: 'relay' as const, session_id: session.id, source_socket_id: source.id };
}

/** Binary frame data, or base64 text from a reference-doc client. */
const isFrameData = (data: unknown): data is RelayChunkPayload['chunk_data'] =>
  typeof data === 'string' || frameLength(data) !== null;

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
  const now = ctx.now();
  const session = ctx.relay.find(p.session_id, socket.id, p.requester_socket_id, p.file_id, now);
  if (!session) throw noSession();
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
  ctx.relay.touch(session, now);
  ctx.metrics.bytesSent('relay', length ?? textLength ?? 0);
  sendToSocket(io, p.requester_socket_id, 'chat:file:relay_chunk', {
    session_id: session.id,
    source_socket_id: socket.id,
    file_id: p.file_id,
    chunk_index: p.chunk_index,
    chunk_data: data as ArrayBuffer,
    total_chunks: p.total_chunks,
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
  const now = ctx.now();
  const session = ctx.relay.find(p.session_id, p.source_socket_id, socket.id, p.file_id, now);
  if (!session) throw noSession();
  ctx.relay.touch(session, now);
  sendToSocket(io, p.source_socket_id, 'chat:file:relay_ack', {
    session_id: session.id,
    requester_socket_id: socket.id,
    file_id: p.file_id,
    received_through: p.received_through,
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
  const session = ctx.relay.find(
    p.session_id,
    socket.id,
    p.requester_socket_id,
    p.file_id,
    ctx.now(),
  );
  if (!session) throw noSession();
  closeEverywhere(ctx, io, session);
  ctx.metrics.transferCompleted('relay');
  sendToSocket(io, p.requester_socket_id, 'chat:file:relay_complete', {
    session_id: session.id,
    source_socket_id: socket.id,
    file_id: p.file_id,
  });
  return {};
}

/** Closes a session here and tells the other nodes to refuse its id from now on. */
function closeEverywhere(ctx: ServerContext, io: ChatFilesIo, session: RelaySession): void {
  ctx.relay.close(session.id);
  announce(io, RELAY_CLOSED, session.id);
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
  const reason = p.reason ?? 'cancelled';
  const session = ctx.relay.forSocket(p.session_id, socket.id, ctx.now());
  if (!session) throw noSession();
  closeEverywhere(ctx, io, session);
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
    announce(io, RELAY_CLOSED, session.id);
    notifyOtherEnd(io, session, socket.id, 'peer_disconnected');
  }
}

/** Ends sessions that have been idle too long, telling both ends. */
export function closeIdleRelaySessions(ctx: ServerContext, io: ChatFilesIo): number {
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
