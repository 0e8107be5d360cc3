/**
 * The adapter through which the SDK asks the host chat app about users, rooms and
 * messages. The SDK owns none of these; the host answers for them.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Server as SocketIOServer, Socket } from 'socket.io';
import type { ChatMessage } from '../src/core/wire/protocol.js';

/** The handshake of a connecting socket. */
export type Handshake = Socket['handshake'];

/**
 * What `authenticate` receives, the same shape for an HTTP request and a socket.io
 * handshake, so one function answers both.
 */
export interface AuthInput {
  /** `http` for a REST request, `socket` for a socket.io handshake. */
  kind: 'http' | 'socket';
  /** Request headers (for a socket: those of its handshake request). */
  headers: IncomingHttpHeaders;
  /** Cookies parsed from the `Cookie` header (values URL-decoded). */
  cookies: Record<string, string>;
  /**
   * The socket.io handshake's `auth` object (`io({ auth: { token } })`); sockets only, so
   * `'auth' in input` also tells a handshake from a request.
   */
  auth?: Record<string, unknown>;
  /** Query string parameters. */
  query: Record<string, string | string[] | undefined>;
  /**
   * The underlying Node request: the REST request, or the socket's handshake request.
   * Whatever the host's middleware put on it stays there (e.g. express-session's
   * `request.session`, also on sockets once the host ran `io.engine.use(session)`).
   */
  request: IncomingMessage;
  /** The socket.io handshake, for sockets. */
  handshake?: Handshake;
}

/** An authenticated user as the host knows them. */
export interface HostUser {
  username: string;
  /** Permission groups; used to pick the upload tier. */
  groups: string[];
  /** Display name, when it differs from the username. */
  display_name?: string;
}

/** What `authenticate` may return: a username and, optionally, groups. */
export interface HostUserInput {
  username: string;
  /** Permission groups; used to pick the upload tier. @default [] */
  groups?: string[];
  /** Display name, when it differs from the username. */
  display_name?: string;
}

/** A room as the host knows it. */
export interface HostRoom {
  name: string;
  /** e.g. `group`, `dm`, `federated`. */
  type: string;
  /** For direct-message rooms: the other participant. */
  partner_username?: string | null;
  /**
   * Origins of the peer instances this room spans (federation). When a file's server copy
   * is stored in such a room, the server offers it to each of these origins that is also
   * in `federation.peers`; a peer's messages are accepted only into rooms that list it.
   */
  federated_with?: string[];
}

/** A room a trusted peer instance announced; it has the same id on both instances. */
export interface AnnouncedRoom {
  id: string;
  name: string;
  /** The announcing peer's origin. */
  origin: string;
}

/** What the host does for federation; only needed when `federation.enabled`. */
export interface HostFederationHooks {
  /**
   * A trusted peer announced a room that spans both instances. Create it (so that
   * `getRoom(id)` lists `origin` in `federated_with` and local users can join it), or
   * update it when it exists and already lists `origin`. Return `false` to refuse.
   */
  upsertRoom(room: AnnouncedRoom): boolean | void | Promise<boolean | void>;
}

/** What the host app provides to the SDK. Every method may be async. */
export interface HostAdapter {
  /**
   * Identifies the user behind an HTTP request or a socket handshake; `null` if none.
   */
  authenticate(input: AuthInput): HostUser | null | Promise<HostUser | null>;
  /**
   * Whether `username` belongs to room `roomId`.
   * @default `listRoomIds(username).includes(roomId)` when `listRoomIds` is given
   */
  isMember(username: string, roomId: string): boolean | Promise<boolean>;
  /**
   * The room, or `null` when it does not exist (or was deleted).
   * @default every room exists: `{ name: roomId, type: 'group' }`
   */
  getRoom(roomId: string): HostRoom | null | Promise<HostRoom | null>;
  /**
   * Posts a message as `sender` into the room, delivers it to members, and returns it.
   * Messages from a peer instance come as `<username>@<peer host>`.
   * @default stores nothing; emits `chat:message_received` `{ id, room_id, sender, content, created_at }` to the socket.io room `roomId`
   */
  postMessage(roomId: string, sender: string, content: string): ChatMessage | Promise<ChatMessage>;
  /**
   * Whether `username` administers file storage: an administrator may delete the server
   * copy of any file, as its sharer may.
   * @default nobody is
   */
  isAdmin?(username: string): boolean | Promise<boolean>;
  /** Display name of a user, for listings. Defaults to the username. */
  displayName?(username: string): string | Promise<string>;
  /**
   * Ids of the rooms `username` belongs to. When given, every socket of the user (the
   * page's own and the SDK's) joins the socket.io room of each of them on connect, and
   * file listings use it instead of asking `isMember` once per room.
   */
  listRoomIds?(username: string): string[] | Promise<string[]>;
  /**
   * Federation hooks. Without them this instance still sends to peers, and receives
   * messages for rooms it already has, but refuses rooms that peers announce.
   */
  federation?: HostFederationHooks;
}

/**
 * The adapter a host passes: `authenticate` and either `isMember` or `listRoomIds`; the
 * other hooks have defaults. Every hook may be async.
 */
export interface HostAdapterInput extends Partial<Omit<HostAdapter, 'authenticate'>> {
  /**
   * Identifies the user behind an HTTP request or a socket handshake: a username, or
   * `{ username, groups? }`; `null` (or `''`) when nobody is signed in.
   */
  authenticate(
    input: AuthInput,
  ): HostUserInput | string | null | Promise<HostUserInput | string | null>;
}

/** What the default hooks need from the running server. */
export interface HostDefaultsContext {
  /** The socket.io servers `attach(io)` was called with. */
  ioServers: readonly Pick<SocketIOServer, 'to'>[];
  /** Clock, in epoch milliseconds. */
  now: () => number;
  /** A new message id. */
  newId: () => string;
}

/**
 * Every hook of `host`, own or inherited (an adapter may be a class instance), bound to
 * it; other fields (e.g. `federation`) as they are.
 */
function hooksOf(host: object): Record<string, unknown> {
  const hooks: Record<string, unknown> = {};
  for (let at = host; at && at !== Object.prototype; at = Object.getPrototypeOf(at) as object) {
    for (const key of Object.getOwnPropertyNames(at)) {
      if (key === 'constructor' || Object.hasOwn(hooks, key)) continue;
      const value = (host as Record<string, unknown>)[key];
      hooks[key] = typeof value === 'function' ? value.bind(host) : value;
    }
  }
  return hooks;
}

/**
 * The complete adapter: the host's hooks, plus defaults for those it left out (see each
 * hook's `@default`), with `authenticate`'s answer normalized to a {@link HostUser}.
 */
export function withHostDefaults(
  host: HostAdapterInput,
  context: HostDefaultsContext,
): HostAdapter {
  const listRoomIds = host.listRoomIds?.bind(host);
  const isMember =
    host.isMember?.bind(host) ??
    (async (username: string, roomId: string) => (await listRoomIds!(username)).includes(roomId));
  return {
    ...hooksOf(host),
    async authenticate(input) {
      const answer = await host.authenticate(input);
      if (typeof answer === 'string')
        return answer === '' ? null : { username: answer, groups: [] };
      if (!answer || typeof answer !== 'object') return null;
      return { ...answer, groups: answer.groups ?? [] };
    },
    isMember,
    getRoom: host.getRoom?.bind(host) ?? ((roomId) => ({ name: roomId, type: 'group' })),
    postMessage:
      host.postMessage?.bind(host) ??
      ((roomId, sender, content) => {
        const message: ChatMessage = {
          id: context.newId(),
          room_id: roomId,
          sender,
          content,
          created_at: context.now(),
        };
        for (const io of context.ioServers) io.to(roomId).emit('chat:message_received', message);
        return message;
      }),
  };
}
