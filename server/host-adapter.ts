/**
 * The adapter through which the SDK asks the host chat app about users, rooms and
 * messages. The SDK owns none of these; the host answers for them.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'socket.io';
import type { ChatMessage } from '../src/core/protocol.js';

/** The handshake of a connecting socket. */
export type Handshake = Socket['handshake'];

/** An authenticated user as the host knows them. */
export interface HostUser {
  username: string;
  /** Permission groups; used to pick the upload tier. */
  groups: string[];
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
  /** Identifies the user behind an HTTP request or a socket handshake; `null` if none. */
  authenticate(source: IncomingMessage | Handshake): HostUser | null | Promise<HostUser | null>;
  /** Whether `username` belongs to room `roomId`. */
  isMember(username: string, roomId: string): boolean | Promise<boolean>;
  /** The room, or `null` when it does not exist (or was deleted). */
  getRoom(roomId: string): HostRoom | null | Promise<HostRoom | null>;
  /**
   * Posts a message as `sender` into the room, delivers it to members, and returns it.
   * Messages from a peer instance come as `<username>@<peer host>`.
   */
  postMessage(roomId: string, sender: string, content: string): ChatMessage | Promise<ChatMessage>;
  /** Display name of a user, for listings. Defaults to the username. */
  displayName?(username: string): string | Promise<string>;
  /**
   * Ids of the rooms `username` belongs to. Optional: without it, file listings ask
   * `isMember` once per room that has files, which is slower on large servers.
   */
  listRoomIds?(username: string): string[] | Promise<string[]>;
  /**
   * Federation hooks. Without them this instance still sends to peers, and receives
   * messages for rooms it already has, but refuses rooms that peers announce.
   */
  federation?: HostFederationHooks;
}
