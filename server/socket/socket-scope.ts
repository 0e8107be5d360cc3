/**
 * The shape of a socket event handler and what it receives. Handlers are grouped by
 * concern in tables keyed by the client-to-server event map; each entry pairs the
 * event's parser (raw payload in, typed payload out) with its handler, so a handler
 * only ever sees a payload of its event's type. `attach.ts` wires every table to every socket.
 */
import type { DefaultEventsMap, RemoteSocket, Server, Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '../../src/core/wire/protocol.js';
import type { ServerContext } from '../context.js';
import type { HostUser } from '../host-adapter.js';
import type { RateLimitName } from '../limits/rate-limits.js';
import type { PayloadLimits } from './payload-limits.js';

/** The user a socket authenticated as, kept in `socket.data.chatFilesUser`. */
export interface SocketUser {
  username: string;
  groups: string[];
}

/** What the SDK keeps on `socket.data`. */
export interface ChatFilesSocketData {
  chatFilesUser?: SocketUser | null;
}

/** A socket.io server typed with the chat-files event maps. */
export type ChatFilesIo = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  DefaultEventsMap,
  ChatFilesSocketData
>;

/** A connected socket typed with the chat-files event maps. */
export type ChatFilesSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  DefaultEventsMap,
  ChatFilesSocketData
>;

/** A socket on this node or another, as `fetchSockets` returns it. */
export type ChatFilesRemoteSocket = RemoteSocket<ServerToClientEvents, ChatFilesSocketData>;

/** A client-to-server event name. */
export type ClientEvent = keyof ClientToServerEvents;

/** The payload type of a client event. */
export type PayloadOf<E extends ClientEvent> = Parameters<ClientToServerEvents[E]>[0];

type ReplyOf<E extends ClientEvent> = Parameters<
  NonNullable<Parameters<ClientToServerEvents[E]>[1]>
>[0];

/** What a handler of `E` returns: its success reply without `success`. */
export type AnswerOf<E extends ClientEvent> = Omit<
  Extract<ReplyOf<E>, { success: true }>,
  'success'
>;

/** What a handler gets besides the payload. */
export interface SocketScope {
  ctx: ServerContext;
  io: ChatFilesIo;
  socket: ChatFilesSocket;
  user: HostUser;
}

/** One event: its parser, its budget, its payload bounds and its handler. */
export interface EventSpec<E extends ClientEvent> {
  /**
   * Turns the raw payload into the event's type or throws `ERR_VALIDATION` naming the
   * field. Runs after the payload passed {@link EventSpec.limits}.
   */
  parse(raw: unknown): PayloadOf<E>;
  /** The rate limit the event spends from, or `null` for frames inside a relay session. */
  rateLimit: RateLimitName | null;
  /** Bounds on the raw payload's shape. @default DEFAULT_PAYLOAD_LIMITS */
  limits?: PayloadLimits;
  /**
   * Handles the event. The returned object is merged into `{ success: true }` for the
   * callback; a thrown `ChatFilesError` becomes `{ success: false, error, code }`.
   * A handler that must forward in arrival order (relay frames) stays synchronous and
   * has no rate limit, so it runs in the same tick as its frame arrived.
   */
  handle(scope: SocketScope, payload: PayloadOf<E>): AnswerOf<E> | Promise<AnswerOf<E>>;
}

/** Handlers keyed by client-to-server event. */
export type HandlerTable = { readonly [E in ClientEvent]?: EventSpec<E> };

/** The chat-files user of a socket (local or remote), if it authenticated. */
export function socketUser(socket: { data?: ChatFilesSocketData }): SocketUser | null {
  return socket.data?.chatFilesUser ?? null;
}

/** Live sockets in a chat room, optionally only those of one user. */
export async function roomSockets(
  io: ChatFilesIo,
  roomId: string,
  username?: string,
): Promise<ChatFilesRemoteSocket[]> {
  const sockets = await io.in(roomId).fetchSockets();
  if (username === undefined) return sockets;
  return sockets.filter((s) => socketUser(s)?.username === username);
}
