/**
 * One file download: the reference doc's transfer flow with our integrity and resume
 * rules, pulling from every source at once.
 *
 * memory → IndexedDB (complete: done; partial: resume from the pieces held) → ask the seed
 * registry and probe the room together → every seeder that answers joins the swarm as soon
 * as it is known (for each, the source factories are tried in order: WebRTC, then the
 * relay), and the server's copy joins when the peers cannot carry the file well alone →
 * when nobody who holds the file is online, the download waits (`waiting`) and starts by
 * itself when a seeder appears.
 *
 * Which source fetches which piece is the {@link Swarm}'s business. Every piece is
 * verified against the manifest in the worker before it is stored. A bad piece is
 * discarded and wanted again from another source; a peer that sends two bad pieces is
 * dropped for this file. A source lost mid-transfer gives its pieces back to the others.
 */
import type { ChatFilesConfig } from './wire/config.js';
import { Discovery, isGone } from './discovery.js';
import { ChatFilesClientError, toClientError } from './errors.js';
import type { LocalFiles } from './local-files.js';
import { PieceSet } from './pieces.js';
import { SERVER_SEEDER, type PieceManifest } from './wire/protocol.js';
import type { ChatFilesSocket } from './socket-requests.js';
import { Swarm, SwarmMember } from './swarm.js';
import { TransferProgress } from './transfer-progress.js';
import type { TransferSnapshot } from './transfer-state.js';
import type {
  FileDescriptor,
  PieceSink,
  PieceSource,
  PieceVerdict,
  SourceCandidate,
  SourceFactory,
  TransportKind,
} from './transports/transport.js';
import type { CacheRecord, WorkerBridge } from './worker-bridge.js';

/** Bad pieces after which a peer is dropped for the file. */
const STRIKES_TO_DROP = 2;

/**
 * How long peers have to deliver a first piece before the server's copy joins. Live peers
 * answer within a round trip; preferring them spares the server's bandwidth, but not at
 * the price of a slow start.
 */
const SERVER_GRACE_MS = 500;

/**
 * The server's copy joins once the peers, at their measured rate, would need longer than
 * this for what is left: a swarm of slow home uplinks gets the web seed's help.
 */
const SERVER_JOIN_AFTER_SECONDS = 3;

/** Longest single wait; waits end earlier on any event that may bring a source. */
const MAX_WAIT_MS = 2 ** 31 - 1;

/** What a download needs from its client. */
export interface DownloadContext {
  socket: ChatFilesSocket;
  worker: WorkerBridge;
  config: ChatFilesConfig;
  local: LocalFiles;
  /** Ways to reach a source, tried in this order for each candidate. */
  sources: readonly SourceFactory[];
  /** Reports a new snapshot. */
  emit(snapshot: TransferSnapshot): void;
  /** Called once the file is complete and cached (registers the user as a seeder). */
  onComplete(fileId: string, roomId: string): void;
  /** Called for each piece stored, so peers this client serves learn it holds it. */
  onPiece?(fileId: string, index: number): void;
  /** Diagnostics. */
  log(message: string, error?: unknown): void;
}

const unavailable = (message: string, cause?: unknown) =>
  new ChatFilesClientError('ERR_UNAVAILABLE', message, { cause });

const FATAL_CODES = new Set(['ERR_STORAGE_FULL', 'ERR_DESTROYED', 'ERR_WORKER', 'ERR_CANCELLED']);

/** One running download. */
export class Download {
  readonly fileId: string;
  readonly roomId: string;
  /** Settles with the file, or a {@link ChatFilesClientError}. */
  readonly promise: Promise<File>;
  private readonly ctx: DownloadContext;
  private readonly controller = new AbortController();
  private readonly progress: TransferProgress;
  private descriptor: FileDescriptor | null = null;
  private swarm: Swarm | null = null;
  private discovery: Discovery | null = null;
  private readonly strikes = new Map<string, number>();
  private readonly dropped = new Set<string>();
  private readonly storing = new Map<number, Promise<unknown>>();
  private readonly attempts = new Set<AbortController>();
  private fatal: ChatFilesClientError | null = null;
  private peerDelivered = false;
  private writing = false;

  constructor(ctx: DownloadContext, fileId: string, roomId: string) {
    this.ctx = ctx;
    this.fileId = fileId;
    this.roomId = roomId;
    this.progress = new TransferProgress(fileId, ctx.emit);
    this.promise = this.run();
    // The manager hands the promise to callers; an unobserved failure is still reported
    // through the snapshot, so never let it surface as an unhandled rejection.
    this.promise.catch(() => {});
  }

  /** The latest snapshot. */
  get snapshot(): TransferSnapshot {
    return this.progress.snapshot;
  }

  /** Stops the download; pieces already stored stay cached for a later resume. */
  cancel(reason: ChatFilesClientError): void {
    this.controller.abort(reason);
  }

  /** Looks for sources again at once (a waiting download retries now). */
  retry(): void {
    this.discovery?.poke();
  }

  private async run(): Promise<File> {
    try {
      return await this.cascade();
    } catch (thrown) {
      const error = toClientError(thrown, 'ERR_INTERNAL', 'The download failed.');
      this.progress.fail(error);
      throw error;
    } finally {
      for (const attempt of this.attempts) attempt.abort();
      if (this.writing) {
        this.writing = false;
        await this.ctx.worker.endWrite(this.fileId).catch(() => {});
      }
    }
  }

  private async fromCache(record: CacheRecord): Promise<File | null> {
    const blobs = await this.ctx.worker.getPieceBlobs(this.fileId);
    if (!blobs) return null;
    const file = new File(blobs, record.name, { type: record.mime_type });
    this.ctx.local.set({
      file_id: this.fileId,
      room_id: record.room_id,
      file,
      manifest: record.manifest,
    });
    return file;
  }

  private async cascade(): Promise<File> {
    const { ctx, fileId } = this;
    const signal = this.controller.signal;

    const local = ctx.local.get(fileId);
    if (local) return this.progress.complete(local.file, 'memory');

    let record = await ctx.worker.getRecord(fileId);
    if (record?.complete) {
      const file = await this.fromCache(record);
      if (file) {
        ctx.onComplete(fileId, this.roomId);
        return this.progress.complete(file, 'cache');
      }
    }
    this.progress.connecting(record?.bytes ?? 0, record?.size ?? 0);

    const discovery = new Discovery(ctx.socket, fileId, this.roomId);
    this.discovery = discovery;
    try {
      await discovery.round(record !== null);
      signal.throwIfAborted();
      const meta = await this.resolveMeta(record, discovery);
      record = await ctx.worker.beginWrite(meta);
      this.writing = true;
      this.descriptor = {
        file_id: fileId,
        room_id: meta.room_id,
        size: meta.size,
        manifest: meta.manifest,
        sha256: discovery.file?.sha256 ?? null,
      };
      const held = new PieceSet(meta.manifest.pieces.length, record.held);
      this.swarm = new Swarm(held, meta.manifest.piece_size);
      this.progress.begin(held, record.bytes, meta.size);

      await this.fetchMissing(discovery);

      this.writing = false;
      await ctx.worker.endWrite(fileId);
      const stored = await ctx.worker.getRecord(fileId);
      const file = stored ? await this.fromCache(stored) : null;
      if (!file) throw new ChatFilesClientError('ERR_INTERNAL', 'The cached file is incomplete.');
      ctx.onComplete(fileId, this.roomId);
      return this.progress.complete(file, this.progress.transportOfSwarm());
    } finally {
      discovery.dispose();
      this.discovery = null;
    }
  }

  /** The file's metadata and a manifest that is consistent (root and size checked). */
  private async resolveMeta(record: CacheRecord | null, discovery: Discovery) {
    const remote = discovery.file;
    let manifest: PieceManifest | null = null;
    if (remote?.manifest && (await this.ctx.worker.checkManifest(remote.manifest, remote.size))) {
      manifest = remote.manifest;
    } else if (!remote && record) {
      // The registry could not be asked (offline server); the cached manifest was checked
      // when it was first stored.
      manifest = record.manifest;
    }
    if (!manifest) {
      throw unavailable(
        remote?.manifest
          ? 'The file’s integrity manifest is inconsistent; it cannot be downloaded safely.'
          : 'The file has no integrity manifest yet; it cannot be downloaded safely.',
      );
    }
    return {
      file_id: this.fileId,
      room_id: remote?.room_id ?? record?.room_id ?? this.roomId,
      name: remote?.name ?? record?.name ?? this.fileId,
      size: remote?.size ?? record!.size,
      mime_type: remote?.mime_type || record?.mime_type || 'application/octet-stream',
      manifest,
    };
  }

  /** Whether the server's copy should join the sources now. */
  private serverWanted(running: Map<string, Promise<void>>, startedAt: number): boolean {
    const swarm = this.swarm!;
    const peers = [...running.keys()].filter((key) => key !== SERVER_SEEDER).length;
    if (peers === 0) return true;
    if (swarm.unservable() > 0) return true;
    if (!this.peerDelivered) return performance.now() - startedAt >= SERVER_GRACE_MS;
    const rate = this.progress.rate;
    const left = this.progress.bytesLeft;
    return rate !== null && rate > 0 && left / rate > SERVER_JOIN_AFTER_SECONDS;
  }

  private async fetchMissing(discovery: Discovery): Promise<void> {
    const { ctx } = this;
    const signal = this.controller.signal;
    const swarm = this.swarm!;
    const held = swarm.held;
    const running = new Map<string, Promise<void>>();
    /** Candidates that were tried and ended since the last discovery round. */
    const spent = new Set<string>();
    const startedAt = performance.now();
    let probeWaited = false;
    let heldAtRound = held.count;

    const start = (key: string, candidate: SourceCandidate) => {
      const run = this.runCandidate(candidate).finally(() => {
        running.delete(key);
        spent.add(key);
      });
      running.set(key, run);
    };

    while (!held.complete) {
      signal.throwIfAborted();
      if (this.fatal) throw this.fatal;
      let server: SourceCandidate | null = null;
      for (const candidate of discovery.candidates(held.size)) {
        if (candidate.kind === 'server') {
          server = candidate;
          continue;
        }
        if (this.dropped.has(candidate.username)) continue;
        if (running.has(candidate.socketId) || spent.has(candidate.socketId)) continue;
        start(candidate.socketId, candidate);
      }
      if (
        server &&
        !running.has(SERVER_SEEDER) &&
        !spent.has(SERVER_SEEDER) &&
        this.serverWanted(running, startedAt)
      ) {
        start(SERVER_SEEDER, server);
      }

      if (running.size === 0) {
        if (!probeWaited && !discovery.hasProbeAnswers) {
          // Nobody registered is online: give probe answers their documented time.
          probeWaited = true;
          await discovery.waitForChange(ctx.config.probe_timeout, signal);
          if (discovery.stale) await this.rediscover(discovery);
          continue;
        }
        if (held.count > heldAtRound) {
          // Sources were lost midway; they (or others) may be reachable again at once.
          heldAtRound = held.count;
          spent.clear();
          await this.rediscover(discovery);
          continue;
        }
        this.progress.waiting(this.waitingFor(discovery));
        // Woken by a new seeder, the server caching the file or a retry; and every
        // peer_wait_timeout it looks again anyway, in case a notice was missed.
        await discovery.waitForChange(ctx.config.peer_wait_timeout, signal);
        spent.clear();
        heldAtRound = held.count;
        this.progress.connecting();
        await this.rediscover(discovery);
        continue;
      }
      if (swarm.size === running.size && !server && swarm.unservable() > 0) {
        // Connected sources cannot provide the rest: say so while looking for more.
        this.progress.waiting(this.waitingFor(discovery));
      }

      // Sleep until something changes: a piece, a source ending, someone new, a deadline.
      const iteration = new AbortController();
      const wake = AbortSignal.any([signal, iteration.signal]);
      const graceLeft = this.peerDelivered ? 0 : SERVER_GRACE_MS - (performance.now() - startedAt);
      const timer =
        server && graceLeft > 0 ? new Promise((resolve) => setTimeout(resolve, graceLeft)) : null;
      try {
        await Promise.race([
          swarm.nextChange(wake),
          Promise.race(running.values()),
          discovery.waitForChange(MAX_WAIT_MS, wake),
          ...(timer ? [timer] : []),
        ]);
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        throw error;
      } finally {
        iteration.abort();
      }
      if (discovery.stale) {
        spent.clear();
        await this.rediscover(discovery);
      }
    }
    if (this.fatal) throw this.fatal;
  }

  /** Who to wait for: seeders known to hold the file, at least its sender. */
  private waitingFor(discovery: Discovery): string[] {
    const names = new Set<string>();
    const sender = discovery.file?.sender;
    if (sender && !this.dropped.has(sender)) names.add(sender);
    return [...names];
  }

  /** A new discovery round; only "the file is gone" is fatal. */
  private async rediscover(discovery: Discovery): Promise<void> {
    await discovery.round(true).catch((error: unknown) => {
      if (isGone(error)) throw error;
    });
    this.controller.signal.throwIfAborted();
  }

  /** Connects to a candidate with the first source factory that works, and fetches from it. */
  private async runCandidate(candidate: SourceCandidate): Promise<void> {
    for (const factory of this.ctx.sources) {
      if (this.swarm!.held.complete || this.controller.signal.aborted || this.fatal) return;
      if (candidate.kind === 'peer' && this.dropped.has(candidate.username)) return;
      const source = factory.create(candidate, this.descriptor!);
      if (!source) continue;
      await this.useSource(source);
    }
  }

  private async useSource(source: PieceSource): Promise<void> {
    const { ctx } = this;
    const swarm = this.swarm!;
    const attempt = new AbortController();
    this.attempts.add(attempt);
    const signal = AbortSignal.any([this.controller.signal, attempt.signal]);
    const member = new SwarmMember(swarm, source);
    member.cancel = source.cancel ? (index) => source.cancel!(index) : null;
    source.onAvailable = (index) => swarm.announced(member, index);
    const sink = this.sinkFor(member, attempt);
    try {
      await source.open(signal);
      swarm.join(member);
      this.progress.sourceJoined(source.kind, source.peer);
      while (!swarm.held.complete) {
        await source.fetch(member.feed(), sink, signal);
        if (swarm.held.complete) break;
        // Nothing for this source now: wait until pieces are given back or the end.
        if (!swarm.hasWorkFor(member)) await swarm.nextChange(signal);
      }
    } catch (thrown) {
      if (this.controller.signal.aborted || swarm.held.complete) return;
      const error = toClientError(thrown, 'ERR_NETWORK', 'The source failed.');
      if (FATAL_CODES.has(error.code)) {
        this.fatal ??= error;
        return;
      }
      ctx.log(`${source.id} failed for ${this.fileId}: ${error.message}`);
    } finally {
      this.attempts.delete(attempt);
      attempt.abort();
      this.progress.forget(member.inflight);
      swarm.leave(member);
      this.progress.sourceLeft(member.kind);
      source.close();
    }
  }

  private sinkFor(member: SwarmMember, attempt: AbortController): PieceSink {
    const { ctx } = this;
    const swarm = this.swarm!;
    const kind: TransportKind = member.kind;
    return {
      received: (index, bytes) => {
        member.firstFrame();
        this.progress.frame(index, bytes);
      },
      // Deliveries may finish after the source was given up; a verified piece is kept anyway.
      deliver: async (index, bytes): Promise<PieceVerdict> => {
        member.firstFrame();
        if (this.dropped.has(member.peer)) return 'bad';
        if (swarm.held.has(index)) {
          swarm.stored(member, index, 0);
          return 'ok';
        }
        const pending = this.storing.get(index);
        if (pending) {
          // Another source's copy is being verified; keep ours only if that one was bad.
          await pending.catch(() => {});
          if (swarm.held.has(index)) {
            swarm.stored(member, index, 0);
            return 'ok';
          }
        }
        const length = bytes.byteLength;
        const put = ctx.worker.putPiece(this.fileId, index, bytes);
        this.storing.set(index, put);
        let result: Awaited<typeof put>;
        try {
          result = await put;
        } finally {
          if (this.storing.get(index) === put) this.storing.delete(index);
        }
        if (result === 'bad') {
          swarm.rejected(member, index);
          this.progress.rejected(index);
          ctx.log(`piece ${index} of ${this.fileId} from ${member.id} failed verification`);
          const strikes = (this.strikes.get(member.peer) ?? 0) + 1;
          this.strikes.set(member.peer, strikes);
          if (strikes >= STRIKES_TO_DROP && member.peer !== SERVER_SEEDER) {
            this.dropped.add(member.peer);
            attempt.abort(
              new ChatFilesClientError('ERR_INTEGRITY', `${member.peer} sent corrupted pieces.`),
            );
          }
          return 'bad';
        }
        const fresh = swarm.stored(member, index, length);
        if (fresh) {
          if (kind !== 'server') this.peerDelivered = true;
          this.progress.stored(index, length, kind, member.id, result === 'stored');
          try {
            ctx.onPiece?.(this.fileId, index);
          } catch (error) {
            // Telling the peers is a courtesy; the piece is stored either way.
            ctx.log(`announcing piece ${index} of ${this.fileId} failed`, error);
          }
        }
        return 'ok';
      },
    };
  }
}
