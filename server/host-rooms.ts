/**
 * Keeping sockets in the socket.io rooms of their user's chat rooms, for hosts that give
 * `listRoomIds`: the SDK broadcasts to a room and finds its live members through them.
 */
import type { Server as SocketIOServer, Socket } from 'socket.io';
import type { ServerContext } from './context.js';
import type { HostUser } from './host-adapter.js';
import { socketUser } from './socket/socket-scope.js';

/** Joins a newly identified socket to every room of its user (when the host lists them). */
export function joinUserRooms(
  ctx: ServerContext,
  _io: SocketIOServer,
  socket: Socket,
  user: HostUser,
): void {
  const list = ctx.host.listRoomIds;
  if (!list) return;
  Promise.resolve(list.call(ctx.host, user.username))
    .then((roomIds) => {
      if (socket.connected && roomIds.length > 0) void socket.join(roomIds);
    })
    .catch((error: unknown) => ctx.logger.error('host.listRoomIds failed', error));
}

/**
 * Joins every socket of `username`, on every node, to the rooms `listRoomIds` returns now
 * (call it after the user joined a room; leaving rooms stays the host's business).
 */
export async function syncUserRooms(ctx: ServerContext, username: string): Promise<void> {
  const list = ctx.host.listRoomIds;
  if (!list) {
    throw new TypeError('joinRooms(username) needs host.listRoomIds');
  }
  const roomIds = await list.call(ctx.host, username);
  if (roomIds.length === 0) return;
  for (const io of ctx.ioServers) {
    for (const socket of await io.fetchSockets()) {
      if (socketUser(socket)?.username === username) socket.join(roomIds);
    }
  }
}
