/**
 * The shape of a socket event handler and what it receives. Handlers are plain
 * functions grouped by concern in tables; `attach.ts` wires every table to every socket.
 */
import type { RemoteSocket, Server as SocketIOServer, Socket } from 'socket.io';
import type { ServerContext } from '../context.js';
import type { HostUser } from '../host-adapter.js';

/** The user a socket authenticated as, kept in `socket.data.chatFilesUser`. */
export interface SocketUser {
  username: string;
  groups: string[];
}

/** What a handler gets besides the payload. */
export interface SocketScope {
  ctx: ServerContext;
  io: SocketIOServer;
  socket: Socket;
  user: HostUser;
}

/**
 * Handles one event. The returned object is merged into `{ success: true }` for the
 * callback; a thrown `ChatFilesError` becomes `{ success: false, error, code }`.
 * A handler that must forward in arrival order (relay frames) stays synchronous.
 */
export type EventHandler = (
  scope: SocketScope,
  payload: unknown,
) => Promise<object | void> | object | void;

/** Handlers by event name. */
export type HandlerTable = Readonly<Record<string, EventHandler>>;

/** The chat-files user of a socket (local or remote), if it authenticated. */
export function socketUser(socket: Socket | RemoteSocket<never, unknown>): SocketUser | null {
  const data = socket.data as { chatFilesUser?: SocketUser | null } | undefined;
  return data?.chatFilesUser ?? null;
}

/** Live sockets in a chat room, optionally only those of one user. */
export async function roomSockets(
  io: SocketIOServer,
  roomId: string,
  username?: string,
): Promise<Array<RemoteSocket<never, unknown>>> {
  const sockets = (await io.in(roomId).fetchSockets()) as unknown as Array<
    RemoteSocket<never, unknown>
  >;
  if (username === undefined) return sockets;
  return sockets.filter((s) => socketUser(s)?.username === username);
}
