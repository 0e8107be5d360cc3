/**
 * Finding who can provide a file: the room is probed (`chat:file:probe`, answers arrive as
 * `chat:file:probe_response`) and the seed registry asked (`chat:file:request_peers`, which
 * also returns the file record with its manifest and whether the server holds a copy).
 * While a download waits for a seeder, `chat:file:seeder_available`, `chat:file:server_cached`,
 * `chat:room_peer_joined`, a reconnect and a retry wake it.
 */
import { ChatFilesClientError } from './errors.js';
import { PieceSet } from './pieces.js';
import type { FileRecord, SeederInfo, ServerToClientEvents } from './wire/protocol.js';
import { request, type ChatFilesSocket } from './socket-requests.js';
import type { SourceCandidate } from './transports/transport.js';

/** A peer that answered a probe. */
export interface ProbeAnswer {
  username: string;
  socketId: string;
  /** Pieces held, or null for the whole file. */
  pieces: number[] | null;
}

/** A place to fetch from. */
export type Candidate = SourceCandidate;

type ProbeResponse = Parameters<ServerToClientEvents['chat:file:probe_response']>[0];

/** Discovery state of one download. */
export class Discovery {
  /** The file record from the registry, once it answered. */
  file: FileRecord | null = null;
  /** Whether the server holds a copy the user may download. */
  serverAvailable = false;
  /**
   * Whether something happened since the last round that only a new round can see (a new
   * seeder, the server caching the file, a peer joining, a reconnect, a retry). A probe
   * answer does not count: it is already among the candidates.
   */
  stale = false;
  private seeders: SeederInfo[] = [];
  private readonly answers = new Map<string, ProbeAnswer>();
  private readonly socket: ChatFilesSocket;
  private readonly fileId: string;
  private readonly roomId: string;
  private wakers = new Set<() => void>();
  private readonly detach: Array<() => void> = [];

  constructor(socket: ChatFilesSocket, fileId: string, roomId: string) {
    this.socket = socket;
    this.fileId = fileId;
    this.roomId = roomId;
    const onProbeResponse = (answer: ProbeResponse) => {
      if (answer.file_id !== fileId || !answer.has_file) return;
      if (answer.responder_socket_id === socket.id) return;
      this.answers.set(answer.responder_socket_id, {
        username: answer.responder_username,
        socketId: answer.responder_socket_id,
        pieces: Array.isArray(answer.pieces) ? answer.pieces : null,
      });
      this.wake();
    };
    const onSeeder = (event: { file_id: string }) => {
      if (event.file_id === fileId) this.wake(true);
    };
    const onPeerJoined = (event: { room_id: string }) => {
      if (event.room_id === roomId) this.wake(true);
    };
    const onConnect = () => this.wake(true);
    socket.on('chat:file:probe_response', onProbeResponse);
    socket.on('chat:file:seeder_available', onSeeder);
    socket.on('chat:file:server_cached', onSeeder);
    socket.on('chat:room_peer_joined', onPeerJoined);
    socket.on('connect', onConnect);
    this.detach.push(
      () => socket.off('chat:file:probe_response', onProbeResponse),
      () => socket.off('chat:file:seeder_available', onSeeder),
      () => socket.off('chat:file:server_cached', onSeeder),
      () => socket.off('chat:room_peer_joined', onPeerJoined),
      () => socket.off('connect', onConnect),
    );
  }

  /** Wakes whoever waits for a change (a retry asked for by the user). */
  poke(): void {
    this.wake(true);
  }

  private wake(stale = false): void {
    if (stale) this.stale = true;
    const wakers = this.wakers;
    this.wakers = new Set();
    for (const wake of wakers) wake();
  }

  /**
   * Probes the room and asks the registry, concurrently. Resolves with the registry's
   * answer; probe answers keep arriving afterwards. Rejects with the registry's error
   * (`ERR_NOT_FOUND` when the file is gone) unless `tolerateRegistryFailure`.
   */
  async round(tolerateRegistryFailure: boolean): Promise<void> {
    this.stale = false;
    this.answers.clear();
    const probe = request(this.socket, 'chat:file:probe', {
      file_id: this.fileId,
      room_id: this.roomId,
    }).catch(() => undefined);
    try {
      const reply = await request(this.socket, 'chat:file:request_peers', {
        file_id: this.fileId,
        room_id: this.roomId,
      });
      this.file = reply.file;
      this.seeders = reply.seeders;
      this.serverAvailable = Boolean(reply.server_available);
    } catch (error) {
      if (!tolerateRegistryFailure || isGone(error)) throw error;
      this.seeders = [];
    }
    // The probe's acknowledgement is not waited for: its answers wake whoever waits.
    void probe;
  }

  /** Whether anyone other than the probe could serve right now. */
  get hasRegistryCandidates(): boolean {
    return this.seeders.length > 0 || this.serverAvailable;
  }

  /** Whether any peer answered the probe. */
  get hasProbeAnswers(): boolean {
    return this.answers.size > 0;
  }

  /**
   * Everyone to try, best first: peers that answered the probe with the whole file, then
   * those with part of it, then registered seeders that did not answer, then the server.
   */
  candidates(pieceTotal: number): Candidate[] {
    const out: Candidate[] = [];
    const seen = new Set<string>();
    const answers = [...this.answers.values()].sort(
      (a, b) => Number(a.pieces !== null) - Number(b.pieces !== null),
    );
    for (const answer of answers) {
      seen.add(answer.socketId);
      out.push({
        kind: 'peer',
        username: answer.username,
        socketId: answer.socketId,
        pieces: answer.pieces ? PieceSet.of(pieceTotal, answer.pieces) : null,
      });
    }
    for (const seeder of this.seeders) {
      for (const socketId of seeder.socket_ids) {
        if (seen.has(socketId) || socketId === this.socket.id) continue;
        seen.add(socketId);
        out.push({ kind: 'peer', username: seeder.username, socketId, pieces: null });
      }
    }
    if (this.serverAvailable) out.push({ kind: 'server' });
    return out;
  }

  /**
   * Resolves `true` when something happened that may bring a new source (a probe answer,
   * a new seeder, a peer joining the room, a reconnect), `false` after `ms`.
   */
  waitForChange(ms: number, signal: AbortSignal): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      const done = (value: boolean) => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      };
      const wake = () => done(true);
      const onAbort = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        reject(signal.reason);
      };
      const timer = setTimeout(() => done(false), ms);
      this.wakers.add(wake);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Stops listening. */
  dispose(): void {
    for (const off of this.detach) off();
    this.wakers.clear();
  }
}

/** True for errors meaning the file no longer exists for this user. */
export function isGone(error: unknown): boolean {
  return (
    error instanceof ChatFilesClientError &&
    (error.code === 'ERR_NOT_FOUND' || error.code === 'ERR_GONE')
  );
}
