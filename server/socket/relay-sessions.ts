/**
 * Relay sessions: the server forwards relay frames only between the two sockets of a
 * session it opened itself, so a socket cannot push bytes at arbitrary peers by naming
 * their socket id. Sessions live in this process's memory; they end on completion,
 * cancellation, a disconnect of either end, or when idle too long.
 */
import { randomBytes } from 'node:crypto';

/** One open relay session. */
export interface RelaySession {
  id: string;
  file_id: string;
  room_id: string;
  source_socket_id: string;
  source_username: string;
  requester_socket_id: string;
  requester_username: string;
  opened_at: number;
  last_activity: number;
}

/** Most sessions one socket may take part in at once; bounds memory per client. */
export const MAX_SESSIONS_PER_SOCKET = 64;

/** A session with no frame, ack or other message for this long is closed. */
export const RELAY_IDLE_TIMEOUT_MS = 120_000;

// Reference-doc clients name a session by its endpoints and file instead of an id.
const endpointKey = (source: string, requester: string, fileId: string) =>
  `${source}\n${requester}\n${fileId}`;

/** The open relay sessions of one server. */
export class RelaySessions {
  private readonly byId = new Map<string, RelaySession>();
  private readonly byEndpoints = new Map<string, RelaySession>();
  private readonly bySocket = new Map<string, Set<RelaySession>>();

  /** Number of open sessions. */
  get size(): number {
    return this.byId.size;
  }

  /** Sessions a socket takes part in. */
  countFor(socketId: string): number {
    return this.bySocket.get(socketId)?.size ?? 0;
  }

  /** Opens a session with a fresh 128-bit id. */
  open(input: Omit<RelaySession, 'id' | 'opened_at' | 'last_activity'>, now: number): RelaySession {
    const session: RelaySession = {
      ...input,
      id: randomBytes(16).toString('hex'),
      opened_at: now,
      last_activity: now,
    };
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
    return session;
  }

  /**
   * The session a message belongs to: by id when one is given, otherwise by its two
   * endpoints and file (the reference doc's payloads carry no session id).
   */
  find(
    sessionId: string | undefined,
    sourceSocketId: string,
    requesterSocketId: string,
    fileId: string,
  ): RelaySession | null {
    const session =
      sessionId !== undefined
        ? this.byId.get(sessionId)
        : this.byEndpoints.get(endpointKey(sourceSocketId, requesterSocketId, fileId));
    if (
      !session ||
      session.source_socket_id !== sourceSocketId ||
      session.requester_socket_id !== requesterSocketId ||
      session.file_id !== fileId
    ) {
      return null;
    }
    return session;
  }

  /** A session by id. */
  get(sessionId: string): RelaySession | null {
    return this.byId.get(sessionId) ?? null;
  }

  /** Closes a session; returns it when it was open. */
  close(sessionId: string): RelaySession | null {
    const session = this.byId.get(sessionId);
    if (!session) return null;
    this.byId.delete(sessionId);
    const key = endpointKey(session.source_socket_id, session.requester_socket_id, session.file_id);
    if (this.byEndpoints.get(key) === session) this.byEndpoints.delete(key);
    for (const socketId of [session.source_socket_id, session.requester_socket_id]) {
      const set = this.bySocket.get(socketId);
      set?.delete(session);
      if (set?.size === 0) this.bySocket.delete(socketId);
    }
    return session;
  }

  /** Closes every session a socket takes part in and returns them. */
  closeForSocket(socketId: string): RelaySession[] {
    const sessions = [...(this.bySocket.get(socketId) ?? [])];
    for (const session of sessions) this.close(session.id);
    return sessions;
  }

  /** Closes and returns sessions idle since before `cutoff`. */
  closeIdle(cutoff: number): RelaySession[] {
    const idle = [...this.byId.values()].filter((s) => s.last_activity < cutoff);
    for (const session of idle) this.close(session.id);
    return idle;
  }

  /** Closes everything. */
  clear(): void {
    this.byId.clear();
    this.byEndpoints.clear();
    this.bySocket.clear();
  }
}
