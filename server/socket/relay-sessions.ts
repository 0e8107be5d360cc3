/**
 * Relay sessions: the server forwards relay frames only between the two sockets of a
 * session it opened itself, so a socket cannot push bytes at arbitrary peers by naming
 * their socket id.
 *
 * A session id carries its own proof: an expiry, a random nonce and an HMAC-SHA-256 over
 * (source socket, requester socket, file, expiry, nonce) under a key the nodes share. Any
 * node can therefore check a frame whose two ends live on other nodes, and a forged or
 * expired id is refused everywhere. What a node remembers beside that (activity, closed
 * ids, endpoints for clients that send no id) is a cache that other nodes keep in step
 * through notices; losing it never lets a bad frame through.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** One relay session as a node knows it. */
export interface RelaySession {
  id: string;
  file_id: string;
  source_socket_id: string;
  requester_socket_id: string;
  /** Epoch ms after which the id is refused. */
  expires_at: number;
  /** Known on the node that opened it and from its open notice; absent when only the id was seen. */
  room_id?: string;
  source_username?: string;
  requester_username?: string;
  /** Last frame, ack or other message this node handled for it. */
  last_activity: number;
  /** Whether this node handled a message of the session (only those are swept when idle). */
  active_here: boolean;
}

/** What opening a session needs. */
export interface RelaySessionInput {
  file_id: string;
  room_id: string;
  source_socket_id: string;
  source_username: string;
  requester_socket_id: string;
  requester_username: string;
}

/** What a node tells the others about a session it opened (the id alone proves the rest). */
export type RelaySessionNotice = Pick<
  RelaySession,
  | 'id'
  | 'file_id'
  | 'source_socket_id'
  | 'requester_socket_id'
  | 'expires_at'
  | 'room_id'
  | 'source_username'
  | 'requester_username'
>;

/** Most sessions one socket may request at once; bounds memory per client. */
export const MAX_SESSIONS_PER_SOCKET = 64;

/** A session with no frame, ack or other message for this long is closed. */
export const RELAY_IDLE_TIMEOUT_MS = 120_000;

/**
 * How long a session id stays valid. One session carries one batch of pieces, which takes
 * seconds to minutes even over a slow relay; an hour bounds how long a leaked id is worth
 * anything while leaving any real transfer ample time.
 */
export const RELAY_SESSION_TTL_MS = 60 * 60_000;

/** Bytes of the HMAC key generated when none is given. */
export const RELAY_KEY_BYTES = 32;

const ID_VERSION = 'r1';

// Reference-doc clients name a session by its endpoints and file instead of an id.
const endpointKey = (source: string, requester: string, fileId: string) =>
  `${source}\n${requester}\n${fileId}`;

/** The open relay sessions known to one node, and the key that proves session ids. */
export class RelaySessions {
  private key: Buffer;
  private readonly byId = new Map<string, RelaySession>();
  private readonly byEndpoints = new Map<string, RelaySession>();
  private readonly bySocket = new Map<string, Set<RelaySession>>();
  /** Ids closed before their expiry, kept until they would have expired anyway. */
  private readonly closed = new Map<string, number>();

  /** `key` is shared by every node; without one, a random key good for this process. */
  constructor(key?: Buffer | string) {
    this.key = key === undefined ? randomBytes(RELAY_KEY_BYTES) : toKey(key);
  }

  /** Replaces the key (e.g. once the shared one is loaded); ids issued before stop verifying. */
  useKey(key: Buffer | string): void {
    this.key = toKey(key);
  }

  /** Number of sessions this node knows as open. */
  get size(): number {
    return this.byId.size;
  }

  /** Open sessions a socket requested. */
  countFor(socketId: string): number {
    let count = 0;
    for (const session of this.bySocket.get(socketId) ?? []) {
      if (session.requester_socket_id === socketId) count++;
    }
    return count;
  }

  /** Opens a session with a fresh signed id. */
  open(input: RelaySessionInput, now: number): RelaySession {
    const expiresAt = now + RELAY_SESSION_TTL_MS;
    const nonce = randomBytes(16).toString('base64url');
    const head = `${ID_VERSION}.${expiresAt.toString(36)}.${nonce}`;
    const mac = this.mac(
      head,
      input.source_socket_id,
      input.requester_socket_id,
      input.file_id,
    ).toString('base64url');
    const session: RelaySession = {
      ...input,
      id: `${head}.${mac}`,
      expires_at: expiresAt,
      last_activity: now,
      active_here: true,
    };
    this.remember(session);
    return session;
  }

  /**
   * The session a message belongs to, or `null`: by id when one is given (checked by its
   * HMAC and expiry, so it holds on a node that never saw the session open), otherwise by
   * its two endpoints and file (the reference doc's payloads carry no session id).
   */
  find(
    sessionId: string | undefined,
    sourceSocketId: string,
    requesterSocketId: string,
    fileId: string,
    now: number,
  ): RelaySession | null {
    if (sessionId === undefined) {
      const session = this.byEndpoints.get(endpointKey(sourceSocketId, requesterSocketId, fileId));
      if (!session || session.expires_at <= now) return null;
      return session;
    }
    const known = this.byId.get(sessionId);
    if (known) {
      const matches =
        known.source_socket_id === sourceSocketId &&
        known.requester_socket_id === requesterSocketId &&
        known.file_id === fileId &&
        known.expires_at > now;
      return matches ? known : null;
    }
    const expiresAt = this.verify(sessionId, sourceSocketId, requesterSocketId, fileId, now);
    if (expiresAt === null) return null;
    const session: RelaySession = {
      id: sessionId,
      file_id: fileId,
      source_socket_id: sourceSocketId,
      requester_socket_id: requesterSocketId,
      expires_at: expiresAt,
      last_activity: now,
      active_here: false,
    };
    this.remember(session);
    return session;
  }

  /**
   * The session with this id when `socketId` is one of its ends, checked like {@link find}:
   * messages that name only the id (cancel) say nothing else to check it against.
   */
  forSocket(sessionId: string, socketId: string, now: number): RelaySession | null {
    const session = this.byId.get(sessionId);
    if (!session || session.expires_at <= now) return null;
    if (session.source_socket_id !== socketId && session.requester_socket_id !== socketId) {
      return null;
    }
    return session;
  }

  /** Records that this node handled a message of the session. */
  touch(session: RelaySession, now: number): void {
    session.last_activity = now;
    session.active_here = true;
  }

  /** Records a session another node opened, unless its id does not verify or it is closed. */
  learn(notice: RelaySessionNotice, now: number): void {
    if (this.byId.has(notice.id)) return;
    const expiresAt = this.verify(
      notice.id,
      notice.source_socket_id,
      notice.requester_socket_id,
      notice.file_id,
      now,
    );
    if (expiresAt === null) return;
    this.remember({
      id: notice.id,
      file_id: notice.file_id,
      source_socket_id: notice.source_socket_id,
      requester_socket_id: notice.requester_socket_id,
      expires_at: expiresAt,
      room_id: notice.room_id,
      source_username: notice.source_username,
      requester_username: notice.requester_username,
      last_activity: now,
      active_here: false,
    });
  }

  /** Closes a session (known here or not); returns it when this node knew it as open. */
  close(sessionId: string): RelaySession | null {
    const expiresAt = expiryOf(sessionId);
    if (expiresAt !== null) this.closed.set(sessionId, expiresAt);
    const session = this.byId.get(sessionId);
    if (!session) return null;
    this.forget(session);
    return session;
  }

  /** Closes every session a socket takes part in and returns them. */
  closeForSocket(socketId: string): RelaySession[] {
    const sessions = [...(this.bySocket.get(socketId) ?? [])];
    for (const session of sessions) this.close(session.id);
    return sessions;
  }

  /**
   * Closes and returns sessions this node carried messages for and that have been idle
   * since before `cutoff`, or that expired; forgets expired closed ids.
   */
  closeIdle(cutoff: number, now: number): RelaySession[] {
    const ended: RelaySession[] = [];
    for (const session of this.byId.values()) {
      if (session.expires_at <= now) {
        this.forget(session);
        if (session.active_here) ended.push(session);
      } else if (session.active_here && session.last_activity < cutoff) {
        this.close(session.id);
        ended.push(session);
      }
    }
    for (const [id, expiresAt] of this.closed) if (expiresAt <= now) this.closed.delete(id);
    return ended;
  }

  /** Forgets everything. */
  clear(): void {
    this.byId.clear();
    this.byEndpoints.clear();
    this.bySocket.clear();
    this.closed.clear();
  }

  /** The expiry of a well-formed, authentic, unexpired and unclosed id, else `null`. */
  private verify(
    sessionId: string,
    sourceSocketId: string,
    requesterSocketId: string,
    fileId: string,
    now: number,
  ): number | null {
    if (this.closed.has(sessionId)) return null;
    const expiresAt = expiryOf(sessionId);
    if (expiresAt === null || expiresAt <= now) return null;
    const dot = sessionId.lastIndexOf('.');
    const given = Buffer.from(sessionId.slice(dot + 1), 'base64url');
    const expected = this.mac(sessionId.slice(0, dot), sourceSocketId, requesterSocketId, fileId);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    return expiresAt;
  }

  private mac(head: string, source: string, requester: string, fileId: string): Buffer {
    // Lengths first, so no two field lists encode to the same bytes.
    const fields = [head, source, requester, fileId];
    const hmac = createHmac('sha256', this.key);
    for (const field of fields) hmac.update(`${Buffer.byteLength(field)}:${field};`);
    return hmac.digest();
  }

  private remember(session: RelaySession): void {
    this.byId.set(session.id, session);
    this.byEndpoints.set(
      endpointKey(session.source_socket_id, session.requester_socket_id, session.file_id),
      session,
    );
    for (const socketId of [session.source_socket_id, session.requester_socket_id]) {
      let set = this.bySocket.get(socketId);
      if (!set) this.bySocket.set(socketId, (set = new Set()));
      set.add(session);
    }
  }

  private forget(session: RelaySession): void {
    this.byId.delete(session.id);
    const key = endpointKey(session.source_socket_id, session.requester_socket_id, session.file_id);
    if (this.byEndpoints.get(key) === session) this.byEndpoints.delete(key);
    for (const socketId of [session.source_socket_id, session.requester_socket_id]) {
      const set = this.bySocket.get(socketId);
      set?.delete(session);
      if (set?.size === 0) this.bySocket.delete(socketId);
    }
  }
}

/** The expiry written in a session id, or `null` when the id is not one of ours. */
function expiryOf(sessionId: string): number | null {
  const parts = sessionId.split('.');
  if (parts.length !== 4 || parts[0] !== ID_VERSION) return null;
  if (!/^[0-9a-z]{1,12}$/.test(parts[1]!)) return null;
  const expiresAt = parseInt(parts[1]!, 36);
  return Number.isSafeInteger(expiresAt) ? expiresAt : null;
}

function toKey(key: Buffer | string): Buffer {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  if (bytes.length < 16) {
    throw new TypeError('relay session key: pass at least 16 bytes (32 random bytes are best)');
  }
  return bytes;
}
