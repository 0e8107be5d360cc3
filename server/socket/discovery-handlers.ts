/**
 * Finding a file's bytes: `chat:file:request_peers` (online seeders plus the server),
 * `chat:file:server_status` and its batched form (the server copy only), and
 * `chat:file:probe` / `chat:file:probe_response` (asking the room who has it).
 */
import type { SeederInfo, ServerStatus } from '../../src/core/protocol.js';
import {
  requireFile,
  requireMember,
  serverStatus,
  statusOf,
  toFileRecord,
  requireMemberFile,
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

async function requestPeers({ ctx, io, socket, user }: SocketScope, payload: unknown) {
  const fields = asObject(payload);
  const file = await requireMemberFile(ctx, user.username, fields);
  const [seederNames, sockets, status] = await Promise.all([
    ctx.store.files.peerSeeders(file.id),
    roomSockets(io, file.room_id),
    serverStatus(ctx, file.id, user.username),
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

async function serverStatusOne({ ctx, user }: SocketScope, payload: unknown) {
  const fields = asObject(payload);
  const file = await requireFile(ctx, requireId(fields, 'file_id'));
  await requireMember(ctx, user.username, file.room_id);
  return serverStatus(ctx, file.id, user.username);
}

async function serverStatusBatch({ ctx, user }: SocketScope, payload: unknown) {
  const fields = asObject(payload);
  const ids = requireIdList(fields, 'file_ids', MAX_STATUS_BATCH);
  const files = await ctx.store.files.getMany(ids);
  const membership = new Map<string, boolean>();
  for (const roomId of new Set(files.map((f) => f.room_id))) {
    membership.set(roomId, Boolean(await ctx.host.isMember(user.username, roomId)));
  }
  // Files in rooms the user is not in are left out, as if they did not exist.
  const visible = files.filter((f) => membership.get(f.room_id));
  const visibleIds = visible.map((f) => f.id);
  const [seeds, claimed] = await Promise.all([
    ctx.store.copies.getMany(visibleIds),
    ctx.store.claims.claimedFileIds(visibleIds, user.username),
  ]);
  const statuses: Record<string, ServerStatus> = {};
  for (const id of visibleIds) statuses[id] = statusOf(ctx, seeds.get(id), claimed.has(id));
  return { statuses };
}

async function probe({ ctx, socket, user }: SocketScope, payload: unknown) {
  const fields = asObject(payload);
  const file = await requireMemberFile(ctx, user.username, fields);
  socket.to(file.room_id).emit('chat:file:probe', {
    file_id: file.id,
    room_id: file.room_id,
    requester_socket_id: socket.id,
    requester_username: user.username,
  });
  return {};
}

async function probeResponse({ ctx, io, socket, user }: SocketScope, payload: unknown) {
  const fields = asObject(payload);
  const file = await requireFile(ctx, requireId(fields, 'file_id'));
  const hasFile = requireBoolean(fields, 'has_file');
  const requesterSocketId = requireId(fields, 'requester_socket_id');
  const pieces = optionalIndexList(fields, 'pieces', MAX_PIECES);
  await requireMember(ctx, user.username, file.room_id);
  const [requester] = await io.in(requesterSocketId).fetchSockets();
  const requesterName = requester ? socketUser(requester)?.username : undefined;
  // Answers go only to a live socket whose user is in the file's room, so a probe
  // response cannot be used to message arbitrary sockets.
  if (
    !requester ||
    requester.id !== requesterSocketId ||
    !requesterName ||
    !(await ctx.host.isMember(requesterName, file.room_id))
  ) {
    throw new ChatFilesError('ERR_NOT_FOUND', 'The requester is no longer in the room.');
  }
  io.to(requesterSocketId).emit('chat:file:probe_response', {
    file_id: file.id,
    has_file: hasFile,
    responder_socket_id: socket.id,
    responder_username: user.username,
    ...(pieces ? { pieces } : {}),
  });
  return {};
}

/** Handlers of discovery events. */
export const discoveryHandlers: HandlerTable = {
  'chat:file:request_peers': requestPeers,
  'chat:file:server_status': serverStatusOne,
  'chat:file:server_status_batch': serverStatusBatch,
  'chat:file:probe': probe,
  'chat:file:probe_response': probeResponse,
};
