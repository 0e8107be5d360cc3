/**
 * Finding a file's bytes: `chat:file:request_peers` (online seeders plus the server),
 * `chat:file:server_status` and its batched form (the server copy only), and
 * `chat:file:probe` / `chat:file:probe_response` (asking the room who has it). A probe
 * reaches the whole room, so only the first per file and requester in
 * `rate_limits.probe_interval_seconds` is passed on; repeats rely on the seed registry,
 * which `request_peers` answers alongside every probe.
 */
import type {
  FileProbePayload,
  FileProbeResponsePayload,
  FileRequestPeersPayload,
  FileServerStatusBatchPayload,
  FileServerStatusPayload,
  SeederInfo,
  ServerStatus,
} from '../../src/core/wire/protocol.js';
import {
  copyDeletionRule,
  requireFile,
  requireFileInRoom,
  requireMember,
  requireNotRevoked,
  serverStatus,
  statusOf,
  toFileRecord,
} from '../access.js';
import { ChatFilesError } from '../errors.js';
import { MAX_PIECES } from '../hashing.js';
import {
  asObject,
  optionalIndexList,
  requireBoolean,
  requireId,
  requireIdList,
} from '../validate.js';
import { roomSockets, socketUser, type HandlerTable, type SocketScope } from './socket-scope.js';

/** Most file ids one `chat:file:server_status_batch` may ask about. */
export const MAX_STATUS_BATCH = 1000;

/** `{ file_id, room_id }`, the payload of several events. */
function parseFileInRoom(raw: unknown): { file_id: string; room_id: string } {
  const fields = asObject(raw);
  return { file_id: requireId(fields, 'file_id'), room_id: requireId(fields, 'room_id') };
}

async function requestPeers({ ctx, io, socket, user }: SocketScope, p: FileRequestPeersPayload) {
  const file = await requireFileInRoom(ctx, p.file_id, p.room_id);
  await requireMember(ctx, user.username, file.room_id);
  const [, seederNames, sockets, status] = await Promise.all([
    requireNotRevoked(ctx, file),
    ctx.store.files.peerSeeders(file.id),
    roomSockets(io, file.room_id),
    serverStatus(ctx, file, user.username),
  ]);
  const wanted = new Set(seederNames);
  const online = new Map<string, string[]>();
  for (const candidate of sockets) {
    const username = socketUser(candidate)?.username;
    if (!username || !wanted.has(username) || candidate.id === socket.id) continue;
    const ids = online.get(username) ?? [];
    ids.push(candidate.id);
    online.set(username, ids);
  }
  const seeders: SeederInfo[] = [...online].map(([username, socket_ids]) => ({
    username,
    socket_ids,
  }));
  return {
    seeders,
    file: toFileRecord(file),
    diag: {
      registered_seeders: seederNames.length,
      online_seeders: seeders.length,
      room_sockets: sockets.length,
    },
    ...status,
  };
}

function parseServerStatus(raw: unknown): FileServerStatusPayload {
  return { file_id: requireId(asObject(raw), 'file_id') };
}

async function serverStatusOne({ ctx, user }: SocketScope, p: FileServerStatusPayload) {
  const file = await requireFile(ctx, p.file_id);
  await requireMember(ctx, user.username, file.room_id);
  return serverStatus(ctx, file, user.username);
}

function parseServerStatusBatch(raw: unknown): FileServerStatusBatchPayload {
  return { file_ids: requireIdList(asObject(raw), 'file_ids', MAX_STATUS_BATCH) };
}

async function serverStatusBatch({ ctx, user }: SocketScope, p: FileServerStatusBatchPayload) {
  const files = await ctx.store.files.getMany(p.file_ids);
  const membership = new Map<string, boolean>();
  for (const roomId of new Set(files.map((f) => f.room_id))) {
    membership.set(roomId, Boolean(await ctx.host.isMember(user.username, roomId)));
  }
  // Files in rooms the user is not in are left out, as if they did not exist.
  const visible = files.filter((f) => membership.get(f.room_id));
  const visibleIds = visible.map((f) => f.id);
  const [seeds, claimed, mayDelete] = await Promise.all([
    ctx.store.copies.getMany(visibleIds),
    ctx.store.claims.claimedFileIds(visibleIds, user.username),
    copyDeletionRule(ctx, user.username),
  ]);
  const statuses: Record<string, ServerStatus> = {};
  for (const file of visible) {
    statuses[file.id] = statusOf(ctx, seeds.get(file.id), claimed.has(file.id), mayDelete(file));
  }
  return { statuses };
}

async function probe({ ctx, socket, user }: SocketScope, p: FileProbePayload) {
  const file = await requireFileInRoom(ctx, p.file_id, p.room_id);
  await requireMember(ctx, user.username, file.room_id);
  const forwarded = await ctx.limits.firstProbe(user.username, file.id);
  if (forwarded) {
    socket.to(file.room_id).emit('chat:file:probe', {
      file_id: file.id,
      room_id: file.room_id,
      requester_socket_id: socket.id,
      requester_username: user.username,
    });
  }
  return { forwarded };
}

function parseProbeResponse(raw: unknown): FileProbeResponsePayload {
  const fields = asObject(raw);
  return {
    file_id: requireId(fields, 'file_id'),
    has_file: requireBoolean(fields, 'has_file'),
    requester_socket_id: requireId(fields, 'requester_socket_id'),
    pieces: optionalIndexList(fields, 'pieces', MAX_PIECES),
  };
}

async function probeResponse({ ctx, io, socket, user }: SocketScope, p: FileProbeResponsePayload) {
  const file = await requireFile(ctx, p.file_id);
  await requireMember(ctx, user.username, file.room_id);
  const [requester] = await io.in(p.requester_socket_id).fetchSockets();
  const requesterName = requester ? socketUser(requester)?.username : undefined;
  // Answers go only to a live socket whose user is in the file's room, so a probe
  // response cannot be used to message arbitrary sockets.
  if (
    !requester ||
    requester.id !== p.requester_socket_id ||
    !requesterName ||
    !(await ctx.host.isMember(requesterName, file.room_id))
  ) {
    throw new ChatFilesError('ERR_NOT_FOUND', 'The requester is no longer in the room.');
  }
  io.to(p.requester_socket_id).emit('chat:file:probe_response', {
    file_id: file.id,
    has_file: p.has_file,
    responder_socket_id: socket.id,
    responder_username: user.username,
    ...(p.pieces ? { pieces: p.pieces } : {}),
  });
  return {};
}

/** A list of up to MAX_PIECES piece indexes. */
const PIECE_LIST_LIMITS = { maxDepth: 3, maxValues: MAX_PIECES + 16, maxBytes: 64 * 1024 };

/** Handlers of discovery events. */
export const discoveryHandlers: HandlerTable = {
  'chat:file:request_peers': {
    parse: parseFileInRoom,
    rateLimit: 'request_peers',
    handle: requestPeers,
  },
  'chat:file:server_status': {
    parse: parseServerStatus,
    rateLimit: 'events',
    handle: serverStatusOne,
  },
  'chat:file:server_status_batch': {
    parse: parseServerStatusBatch,
    rateLimit: 'events',
    limits: { maxDepth: 3, maxValues: MAX_STATUS_BATCH + 16, maxBytes: MAX_STATUS_BATCH * 220 },
    handle: serverStatusBatch,
  },
  'chat:file:probe': { parse: parseFileInRoom, rateLimit: 'probe', handle: probe },
  'chat:file:probe_response': {
    parse: parseProbeResponse,
    rateLimit: 'events',
    limits: PIECE_LIST_LIMITS,
    handle: probeResponse,
  },
};
