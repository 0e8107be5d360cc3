/**
 * The socket relay: pieces travel as binary socket.io events through the chat server,
 * which forwards them only inside a relay session it opened between two members of the
 * file's room. Used when WebRTC is unavailable or fails.
 *
 * Flow control is a sliding window: the source keeps at most `relay_batch_size` frames
 * unacknowledged; the requester acknowledges every half window, and holds its
 * acknowledgements back while stored pieces lag behind, so a slow disk slows the sender
 * instead of filling memory.
 */
import { ChatFilesClientError } from '../errors.js';
import type { PieceSet } from '../pieces.js';
import { request, type ChatFilesSocket } from '../socket-requests.js';
import type { ServerToClientEvents } from '../wire/protocol.js';
import { frameCount, PieceAssembler, RelayCursor } from './frames.js';
import {
  asFeed,
  whenAborted,
  type FileDescriptor,
  type PieceFeed,
  type PieceProvider,
  type PieceSink,
  type PieceSource,
  type SourceFactory,
} from './transport.js';
import type { UploadBudget } from './upload-budget.js';

/**
 * A session with no frame (requester) or acknowledgement (source) for this long is
 * considered lost. Long enough for a busy server, short enough that a vanished peer does
 * not hold a download for long before the next source is tried.
 */
export const RELAY_STALL_TIMEOUT_MS = 20_000;

/**
 * Pieces received but not yet stored before the requester stops acknowledging. Four 1 MiB
 * pieces keep the worker busy without letting memory grow with the sender's speed.
 */
const MAX_UNSTORED_PIECES = 4;

type ChunkEvent = Parameters<ServerToClientEvents['chat:file:relay_chunk']>[0];
type AckEvent = Parameters<ServerToClientEvents['chat:file:relay_ack']>[0];
type RequestEvent = Parameters<ServerToClientEvents['chat:file:relay_request']>[0];
type CancelEvent = Parameters<ServerToClientEvents['chat:file:relay_cancel']>[0];

interface RequesterSession {
  onChunk(event: ChunkEvent): void;
  onComplete(): void;
  onCancel(reason: string): void;
}

interface SourceSession {
  onAck(event: AckEvent): void;
  onCancel(reason: string): void;
}

/** Options of {@link RelayHub}. */
export interface RelayHubOptions {
  socket: ChatFilesSocket;
  /** Where served pieces come from. */
  provider: PieceProvider;
  /** Payload bytes per frame (`chunk_size`). */
  chunkSize: number;
  /** Frames in flight before an acknowledgement (`relay_batch_size`). */
  windowFrames: number;
  /** Files this client will not serve (revoked). */
  refuse?: (fileId: string) => boolean;
  /** The client's upload rate and concurrency limits. @default unlimited */
  budget?: UploadBudget;
  /** Called when a peer asks for a file over the relay (authorizes it for other transports too). */
  onServed?: (fileId: string, requesterSocketId: string) => void;
}

/**
 * Routes relay events of one socket to the sessions they belong to, on both sides: the
 * downloads this client asked for and the uploads it serves.
 */
export class RelayHub {
  /** Options the hub was built with. */
  readonly options: RelayHubOptions;
  private readonly requesting = new Map<string, RequesterSession>();
  private readonly serving = new Map<string, SourceSession>();
  private readonly detach: Array<() => void> = [];
  private destroyed = false;

  constructor(options: RelayHubOptions) {
    this.options = options;
    const { socket } = options;
    const on = <E extends keyof ServerToClientEvents>(
      event: E,
      listener: ServerToClientEvents[E],
    ) => {
      socket.on(event, listener as never);
      this.detach.push(() => socket.off(event, listener as never));
    };
    on('chat:file:relay_chunk', (event) => this.requesting.get(event.session_id)?.onChunk(event));
    on('chat:file:relay_complete', (event) => this.requesting.get(event.session_id)?.onComplete());
    on('chat:file:relay_ack', (event) => this.serving.get(event.session_id)?.onAck(event));
    on('chat:file:relay_cancel', (event: CancelEvent) => {
      this.requesting.get(event.session_id)?.onCancel(event.reason);
      this.serving.get(event.session_id)?.onCancel(event.reason);
    });
    on('chat:file:relay_request', (event) => void this.serve(event));
    const onDisconnect = () => {
      // Sessions are bound to this socket id; after a reconnect they no longer exist.
      for (const session of [...this.requesting.values()]) session.onCancel('disconnected');
      for (const session of [...this.serving.values()]) session.onCancel('disconnected');
    };
    socket.on('disconnect', onDisconnect);
    this.detach.push(() => socket.off('disconnect', onDisconnect));
  }

  /** Number of sessions this client serves right now. */
  get servingCount(): number {
    return this.serving.size;
  }

  /** Registers a download session (used by {@link RelaySource}). */
  register(sessionId: string, session: RequesterSession): () => void {
    this.requesting.set(sessionId, session);
    return () => this.requesting.delete(sessionId);
  }

  private cancel(sessionId: string, reason: string): void {
    if (this.options.socket.connected) {
      this.options.socket.emit('chat:file:relay_cancel', { session_id: sessionId, reason });
    }
  }

  /** Serves one relay session: frames of the requested pieces, within the window. */
  private async serve(event: RequestEvent): Promise<void> {
    const { socket, provider, chunkSize, windowFrames } = this.options;
    const { session_id: sessionId, file_id: fileId, requester_socket_id: requester } = event;
    if (this.destroyed || this.options.refuse?.(fileId)) return this.cancel(sessionId, 'refused');
    const held = await provider.lookup(fileId).catch(() => null);
    if (!held || held.room_id !== event.room_id) return this.cancel(sessionId, 'not_held');
    const all = held.manifest.pieces.length;
    const pieces = event.pieces ?? Array.from({ length: all }, (_, i) => i);
    if (pieces.some((i) => i >= all || (held.pieces !== null && !held.pieces.has(i)))) {
      return this.cancel(sessionId, 'missing_pieces');
    }
    const budget = this.options.budget;
    const release = budget ? budget.acquire() : () => {};
    if (!release) return this.cancel(sessionId, 'busy');
    this.options.onServed?.(fileId, requester);

    const total = frameCount(pieces, held.size, held.manifest.piece_size, chunkSize);
    let acked = -1;
    let wake: (() => void) | null = null;
    let stopped: string | null = null;
    let lastProgress = Date.now();
    const session: SourceSession = {
      onAck: (ack) => {
        if (ack.received_through > acked) acked = ack.received_through;
        lastProgress = Date.now();
        wake?.();
      },
      onCancel: (reason) => {
        stopped = reason;
        wake?.();
      },
    };
    this.serving.set(sessionId, session);
    const waitForWindow = async (seq: number) => {
      while (stopped === null && seq > acked + windowFrames) {
        // Woken by an acknowledgement, or once a second to check for a stall.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, 1000);
          function done() {
            clearTimeout(timer);
            wake = null;
            resolve();
          }
          wake = done;
        });
        if (Date.now() - lastProgress > RELAY_STALL_TIMEOUT_MS) stopped = 'stalled';
      }
    };
    try {
      let seq = 0;
      let next = provider.readPiece(fileId, pieces[0]);
      for (let p = 0; p < pieces.length; p++) {
        const bytes = await next;
        // Read the next piece while this one is on the wire.
        if (p + 1 < pieces.length) next = provider.readPiece(fileId, pieces[p + 1]);
        if (!bytes) throw new Error('piece vanished from the cache');
        for (let offset = 0; offset < bytes.byteLength; offset += chunkSize) {
          await waitForWindow(seq);
          const paced = this.options.budget?.spend(Math.min(chunkSize, bytes.byteLength - offset));
          if (paced) await paced;
          if (stopped !== null) return;
          socket.emit('chat:file:relay_chunk', {
            session_id: sessionId,
            requester_socket_id: requester,
            file_id: fileId,
            chunk_index: seq++,
            chunk_data: bytes.slice(offset, offset + chunkSize),
            total_chunks: total,
          });
        }
      }
      socket.emit('chat:file:relay_complete', {
        session_id: sessionId,
        requester_socket_id: requester,
        file_id: fileId,
      });
    } catch {
      if (stopped === null) this.cancel(sessionId, 'read_failed');
    } finally {
      if (stopped === 'stalled') this.cancel(sessionId, 'stalled');
      this.serving.delete(sessionId);
      release();
    }
  }

  /** Stops every session and listener. Idempotent. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const [id, session] of [...this.serving]) {
      session.onCancel('destroyed');
      this.cancel(id, 'destroyed');
    }
    for (const session of [...this.requesting.values()]) session.onCancel('destroyed');
    for (const off of this.detach) off();
  }
}

/** Options of {@link RelaySource}. */
export interface RelaySourceOptions {
  hub: RelayHub;
  file: FileDescriptor;
  /** The seeder. */
  username: string;
  /** One of the seeder's sockets; the server picks one when absent. */
  socketId?: string;
  /** Pieces the seeder advertised, or null for all. */
  available?: PieceSet | null;
  /**
   * How long to wait for the first frame: a live seeder answers a relay request at once,
   * so a silent one is given up sooner than a session that stalls midway.
   * @default RELAY_STALL_TIMEOUT_MS
   */
  startTimeoutMs?: number;
}

/** Makes {@link RelaySource}s for peer candidates. */
export function relaySources(hub: RelayHub, startTimeoutMs: number): SourceFactory {
  return {
    kind: 'relay',
    create: (candidate, file) =>
      candidate.kind === 'peer'
        ? new RelaySource({
            hub,
            file,
            username: candidate.username,
            socketId: candidate.socketId,
            available: candidate.pieces,
            startTimeoutMs,
          })
        : null,
  };
}

/** A {@link PieceSource} that downloads through the socket relay. */
export class RelaySource implements PieceSource {
  readonly kind = 'relay' as const;
  readonly peer: string;
  readonly id: string;
  readonly available: PieceSet | null;
  private readonly options: RelaySourceOptions;
  private readonly controller = new AbortController();
  /** Pieces another source delivered first: dropped when they arrive here. */
  private readonly cancelled = new Set<number>();
  /** Running sessions, told about each cancelled piece (one may then end early). */
  private readonly cancelListeners = new Set<() => void>();

  constructor(options: RelaySourceOptions) {
    this.options = options;
    this.peer = options.username;
    this.id = `relay:${options.username}:${options.socketId ?? '*'}`;
    this.available = options.available ?? null;
  }

  async open(): Promise<void> {
    if (!this.options.hub.options.socket.connected) {
      throw new ChatFilesClientError('ERR_NETWORK', 'Not connected to the chat server.');
    }
  }

  async fetch(
    work: readonly number[] | PieceFeed,
    sink: PieceSink,
    signal: AbortSignal,
  ): Promise<void> {
    const feed = asFeed(work);
    // One session per batch (a session's pieces are fixed when it opens). The next session
    // is asked for as soon as the current one reaches its last piece, so the relay never
    // drains between batches; at most two run at once, and together they never have more
    // pieces requested than the feed's depth.
    const stop = new AbortController();
    const combined = AbortSignal.any([signal, stop.signal]);
    const running = new Map<Promise<void>, { atLast: boolean }>();
    let requested = 0;
    let failure: { error: unknown } | null = null;
    const next = (): void => {
      if (failure || combined.aborted) return;
      const sessions = [...running.values()];
      if (sessions.length >= 2 || sessions.some((session) => !session.atLast)) return;
      const batch: number[] = [];
      const size = feed.depth() - requested;
      while (batch.length < size) {
        const index = feed.take();
        if (index === undefined) break;
        batch.push(index);
      }
      if (batch.length === 0) return;
      requested += batch.length;
      const state = { atLast: false };
      const run: Promise<void> = this.session(batch, sink, combined, {
        atLastPiece: () => {
          state.atLast = true;
          next();
        },
        received: () => {
          requested--;
          next();
        },
      })
        .catch((error: unknown) => {
          if (failure) return;
          failure = { error };
          stop.abort(error);
        })
        .finally(() => {
          running.delete(run);
          next();
        });
      running.set(run, state);
    };
    next();
    while (running.size > 0) await Promise.race(running.keys());
    if (failure) throw (failure as { error: unknown }).error;
  }

  private async session(
    pieces: readonly number[],
    sink: PieceSink,
    signal: AbortSignal,
    progress: { atLastPiece(): void; received(): void },
  ): Promise<void> {
    const lastPiece = pieces[pieces.length - 1];
    let reachedLast = false;
    const { hub, file, username, socketId } = this.options;
    const startTimeout = Math.min(
      this.options.startTimeoutMs ?? RELAY_STALL_TIMEOUT_MS,
      RELAY_STALL_TIMEOUT_MS,
    );
    const { socket, windowFrames } = hub.options;
    const combined = AbortSignal.any([signal, this.controller.signal]);
    combined.throwIfAborted();
    const reply = await Promise.race([
      request(socket, 'chat:file:relay_request', {
        file_id: file.file_id,
        room_id: file.room_id,
        source_username: username,
        ...(socketId ? { source_socket_id: socketId } : {}),
        pieces: [...pieces],
      }),
      whenAborted(combined),
    ]);
    const sessionId = reply.session_id;
    const sourceSocketId = reply.source_socket_id;

    const cursor = new RelayCursor(pieces, file.size, file.manifest.piece_size);
    const assembler = new PieceAssembler(file.size, file.manifest);
    const ackEvery = Math.max(1, Math.floor(windowFrames / 2));
    let expected = 0;
    let lastAcked = -1;
    let unstored = 0;
    /** Pieces of this session not yet received in full. */
    const outstanding = new Set(pieces);

    return new Promise<void>((resolve, reject) => {
      let settled = false;
      let stallTimer: ReturnType<typeof setTimeout> | null = null;
      let unregister = () => {};
      const finish = (error?: unknown) => {
        if (settled) return;
        settled = true;
        if (stallTimer !== null) clearTimeout(stallTimer);
        combined.removeEventListener('abort', onAbort);
        unregister();
        assembler.clear();
        this.cancelListeners.delete(settleIfDone);
        if (error === undefined) resolve();
        else reject(error);
      };
      // The session is done once every delivery has settled and every piece still to come
      // was delivered by another source (none left, or the endgame): then it is ended
      // rather than streamed on for nothing.
      const settleIfDone = () => {
        if (settled || unstored > 0) return;
        for (const index of outstanding) if (!this.cancelled.has(index)) return;
        if (outstanding.size > 0 && socket.connected) {
          socket.emit('chat:file:relay_cancel', { session_id: sessionId, reason: 'not_needed' });
        }
        for (let i = 0; i < outstanding.size; i++) progress.received();
        finish();
      };
      const fail = (error: unknown, reason: string) => {
        if (socket.connected) {
          socket.emit('chat:file:relay_cancel', { session_id: sessionId, reason });
        }
        finish(error);
      };
      const armStall = () => {
        if (stallTimer !== null) clearTimeout(stallTimer);
        stallTimer = null;
        // While acknowledgements are held back for the disk, silence is our own doing.
        if (unstored >= MAX_UNSTORED_PIECES || settled) return;
        const started = expected > 0;
        stallTimer = setTimeout(
          () =>
            fail(
              new ChatFilesClientError(
                'ERR_TIMEOUT',
                started ? 'The relay stalled.' : 'The seeder did not answer over the relay.',
              ),
              'stalled',
            ),
          started ? RELAY_STALL_TIMEOUT_MS : startTimeout,
        );
      };
      const maybeAck = (force: boolean) => {
        const through = expected - 1;
        if (settled || through <= lastAcked || unstored >= MAX_UNSTORED_PIECES) return;
        if (!force && through - lastAcked < ackEvery) return;
        lastAcked = through;
        socket.emit('chat:file:relay_ack', {
          session_id: sessionId,
          source_socket_id: sourceSocketId,
          file_id: file.file_id,
          received_through: through,
        });
      };
      const onAbort = () =>
        fail(combined.reason ?? new DOMException('Aborted.', 'AbortError'), 'cancelled');

      const onChunk = (event: ChunkEvent) => {
        if (settled) return;
        const data = event.chunk_data as unknown;
        const bytes =
          data instanceof ArrayBuffer
            ? new Uint8Array(data)
            : ArrayBuffer.isView(data)
              ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
              : null;
        if (!bytes || event.chunk_index !== expected) {
          return fail(
            new ChatFilesClientError('ERR_PROTOCOL', 'The relay sent a frame out of order.'),
            'protocol',
          );
        }
        let piece: ArrayBuffer | null;
        let index: number;
        try {
          const at = cursor.next(bytes.byteLength);
          index = at.index;
          if (!reachedLast && index === lastPiece) {
            reachedLast = true;
            queueMicrotask(() => progress.atLastPiece());
          }
          piece = assembler.add(at.index, at.offset, bytes);
          if (!piece) sink.received?.(index, assembler.receivedOf(index));
        } catch (error) {
          return fail(
            new ChatFilesClientError('ERR_PROTOCOL', (error as Error).message),
            'protocol',
          );
        }
        expected++;
        if (piece) {
          queueMicrotask(() => progress.received());
          outstanding.delete(index);
          unstored++;
          const delivered = this.cancelled.has(index)
            ? Promise.resolve()
            : sink.deliver(index, piece);
          delivered.then(
            () => {
              unstored--;
              if (outstanding.size > 0) {
                maybeAck(true);
                armStall();
              }
              settleIfDone();
            },
            (error: unknown) => fail(error, 'store_failed'),
          );
        }
        maybeAck(cursor.done);
        armStall();
      };

      unregister = hub.register(sessionId, {
        onChunk,
        onComplete: () => {
          // Completion is judged by the bytes received, not by this message.
        },
        onCancel: (reason) =>
          finish(new ChatFilesClientError('ERR_NETWORK', `The relay session ended: ${reason}.`)),
      });
      combined.addEventListener('abort', onAbort, { once: true });
      this.cancelListeners.add(settleIfDone);
      // Pieces may have arrived elsewhere while the session was being opened.
      settleIfDone();
      armStall();
    });
  }

  /** Drops piece `index` when it arrives: another source delivered it first. */
  cancel(index: number): void {
    this.cancelled.add(index);
    for (const listener of [...this.cancelListeners]) listener();
  }

  close(): void {
    this.controller.abort(new DOMException('Source closed.', 'AbortError'));
  }
}
