/**
 * One file download: the reference doc's transfer flow with our integrity and resume rules.
 *
 * memory → IndexedDB (complete: done; partial: resume from the pieces held) → probe the
 * room and ask the seed registry (together; the registry also gives the manifest) → for
 * each candidate peer WebRTC, then the relay; then the server's HTTP ranges when it seeds
 * the file → wait for a new seeder up to `peer_wait_timeout` → `unavailable`.
 *
 * Every piece is verified against the manifest in the worker before it is stored. A bad
 * piece is discarded and wanted again from another source; a peer that sends two bad
 * pieces is dropped for this file. A source lost mid-transfer hands over to the next one,
 * which is only asked for the pieces still missing.
 */
import type { ChatFilesConfig } from './config.js';
import { Discovery, isGone, type Candidate } from './discovery.js';
import { ChatFilesClientError, toClientError } from './errors.js';
import type { LocalFiles } from './local-files.js';
import { PieceSet } from './pieces.js';
import type { PieceManifest } from './protocol.js';
import type { RestClient } from './rest-client.js';
import type { ChatFilesSocket } from './socket-requests.js';
import { progressOf, type TransferSnapshot, type TransportName } from './transfer-state.js';
import { RelaySource, type RelayHub } from './transports/relay-transport.js';
import { ServerSource } from './transports/server-transport.js';
import type {
  FileDescriptor,
  PieceSink,
  PieceSource,
  PieceVerdict,
  TransportKind,
} from './transports/transport.js';
import { WebRtcSource, type PeerLinks } from './transports/webrtc-transport.js';
import type { CacheRecord, WorkerBridge } from './worker-bridge.js';

/**
 * How long to wait for probe answers when only the server is known to have the file. Live
 * peers answer within a round trip; preferring them spares the server's bandwidth, but
 * not at the price of the full probe_timeout before every server download.
 */
const PROBE_GRACE_WITH_SERVER_MS = 300;

/** Bad pieces after which a peer is dropped for the file. */
const STRIKES_TO_DROP = 2;

/** What a download needs from its client. */
export interface DownloadContext {
  socket: ChatFilesSocket;
  worker: WorkerBridge;
  config: ChatFilesConfig;
  rest: RestClient;
  links: PeerLinks;
  relay: RelayHub;
  local: LocalFiles;
  /** Reports a new snapshot. */
  emit(snapshot: TransferSnapshot): void;
  /** Called once the file is complete and cached (registers the user as a seeder). */
  onComplete(fileId: string, roomId: string): void;
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
  private current: TransferSnapshot;
  private descriptor: FileDescriptor | null = null;
  private held: PieceSet | null = null;
  private heldBytes = 0;
  private resumed = 0;
  private rejected = 0;
  private readonly fetched: Partial<Record<TransportKind, number>> = {};
  private readonly strikes = new Map<string, number>();
  private readonly dropped = new Set<string>();
  private readonly badFrom = new Map<number, Set<string>>();
  private writing = false;
  private settled = false;

  constructor(ctx: DownloadContext, fileId: string, roomId: string) {
    this.ctx = ctx;
    this.fileId = fileId;
    this.roomId = roomId;
    this.current = { file_id: fileId, state: 'connecting', progress: 0 };
    this.promise = this.run();
    // The manager hands the promise to callers; an unobserved failure is still reported
    // through the snapshot, so never let it surface as an unhandled rejection.
    this.promise.catch(() => {});
  }

  /** The latest snapshot. */
  get snapshot(): TransferSnapshot {
    return this.current;
  }

  /** Stops the download; pieces already stored stay cached for a later resume. */
  cancel(reason: ChatFilesClientError): void {
    this.controller.abort(reason);
  }

  /**
   * Publishes a change. Once the download has settled only the final snapshot counts:
   * piece deliveries still in flight after a cancel must not resurrect "transferring".
   */
  private update(patch: Partial<TransferSnapshot>, final = false): void {
    if (this.settled && !final) return;
    if (final) this.settled = true;
    const next: TransferSnapshot = { ...this.current, ...patch, file_id: this.fileId };
    if (this.held) {
      next.total_pieces = this.held.size;
      next.held_pieces = this.held.count;
      next.resumed_pieces = this.resumed;
      next.fetched = { ...this.fetched };
      next.rejected_pieces = this.rejected;
    }
    this.current = next;
    this.ctx.emit(next);
  }

  private async run(): Promise<File> {
    try {
      return await this.cascade();
    } catch (thrown) {
      const error = toClientError(thrown, 'ERR_INTERNAL', 'The download failed.');
      if (error.code === 'ERR_CANCELLED' || error.code === 'ERR_DESTROYED') {
        this.update(
          { state: 'available', transport: undefined, peer: undefined, error: undefined },
          true,
        );
      } else if (error.code === 'ERR_UNAVAILABLE' || isGone(error)) {
        this.update({ state: 'unavailable', peer: undefined, error: error.toJSON() }, true);
      } else {
        this.update({ state: 'error', peer: undefined, error: error.toJSON() }, true);
      }
      throw error;
    } finally {
      if (this.writing) {
        this.writing = false;
        await this.ctx.worker.endWrite(this.fileId).catch(() => {});
      }
    }
  }

  private complete(file: File, transport: TransportName): File {
    this.update(
      { state: 'complete', progress: 100, transport, peer: undefined, error: undefined },
      true,
    );
    return file;
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
    if (local) return this.complete(local.file, 'memory');

    let record = await ctx.worker.getRecord(fileId);
    if (record?.complete) {
      const file = await this.fromCache(record);
      if (file) {
        ctx.onComplete(fileId, this.roomId);
        return this.complete(file, 'cache');
      }
    }
    this.update({
      state: 'connecting',
      progress: record ? progressOf(record.bytes, record.size) : 0,
    });

    const discovery = new Discovery(ctx.socket, fileId, this.roomId);
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
      };
      this.held = new PieceSet(meta.manifest.pieces.length, record.held);
      this.heldBytes = record.bytes;
      this.resumed = this.held.count;
      this.update({ progress: progressOf(this.heldBytes, meta.size) });

      await this.fetchMissing(discovery, discovery.file?.sha256 ?? null);

      this.writing = false;
      await ctx.worker.endWrite(fileId);
      const stored = await ctx.worker.getRecord(fileId);
      const file = stored ? await this.fromCache(stored) : null;
      if (!file) throw new ChatFilesClientError('ERR_INTERNAL', 'The cached file is incomplete.');
      ctx.onComplete(fileId, this.roomId);
      return this.complete(file, this.mainTransport());
    } finally {
      discovery.dispose();
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

  private mainTransport(): TransportName {
    let best: TransportName = 'cache';
    let most = 0;
    for (const [kind, count] of Object.entries(this.fetched) as [TransportKind, number][]) {
      if (count > most) {
        most = count;
        best = kind;
      }
    }
    return best;
  }

  private missingFor(peer: string, available: PieceSet | null): number[] {
    const held = this.held!;
    const out: number[] = [];
    for (let i = 0; i < held.size; i++) {
      if (held.has(i)) continue;
      if (available && !available.has(i)) continue;
      if (this.badFrom.get(i)?.has(peer)) continue;
      out.push(i);
    }
    return out;
  }

  private async fetchMissing(discovery: Discovery, sha256: string | null): Promise<void> {
    const { ctx } = this;
    const signal = this.controller.signal;
    const held = this.held!;
    const pieceTotal = held.size;
    let waitDeadline: number | null = null;
    let probeWaited = false;
    const tried = new Set<string>();

    while (!held.complete) {
      signal.throwIfAborted();
      const candidates = discovery
        .candidates(pieceTotal)
        .filter((c) => c.kind === 'server' || !this.dropped.has(c.username));
      if (
        !probeWaited &&
        !discovery.hasProbeAnswers &&
        !candidates.some((c) => c.kind === 'peer')
      ) {
        // No registered seeder online: give probe answers time to arrive, the documented
        // probe_timeout, or only a moment when the server can serve anyway.
        probeWaited = true;
        const wait = discovery.serverAvailable
          ? Math.min(PROBE_GRACE_WITH_SERVER_MS, ctx.config.probe_timeout)
          : ctx.config.probe_timeout;
        await discovery.waitForChange(wait, signal);
        continue;
      }
      let progressed = false;
      for (const candidate of candidates) {
        if (held.complete) break;
        const before = held.count;
        await this.tryCandidate(candidate, tried, sha256);
        if (held.count > before) progressed = true;
      }
      if (held.complete) break;
      if (progressed) {
        // A source was lost midway but others (or it, reconnected) may still serve the
        // rest: look again at once rather than wait for someone new.
        waitDeadline = null;
        tried.clear();
        await this.rediscover(discovery);
        continue;
      }

      // Everyone reachable was tried; wait for someone new.
      waitDeadline ??= Date.now() + ctx.config.peer_wait_timeout;
      const remaining = waitDeadline - Date.now();
      if (remaining <= 0) break;
      this.update({ state: 'connecting', peer: undefined, transport: undefined });
      const woke = await discovery.waitForChange(remaining, signal);
      if (!woke) break;
      tried.clear();
      await this.rediscover(discovery);
    }
    if (!held.complete) {
      throw unavailable(
        this.dropped.size > 0
          ? 'Only peers sending corrupted data have this file right now.'
          : 'Nobody who has this file is online right now.',
      );
    }
  }

  /** A new discovery round; only "the file is gone" is fatal. */
  private async rediscover(discovery: Discovery): Promise<void> {
    await discovery.round(true).catch((error: unknown) => {
      if (isGone(error)) throw error;
    });
    this.controller.signal.throwIfAborted();
  }

  /** Tries one candidate: a peer over WebRTC then the relay, or the server. */
  private async tryCandidate(candidate: Candidate, tried: Set<string>, sha256: string | null) {
    const { ctx } = this;
    const file = this.descriptor!;
    const kinds: TransportKind[] = candidate.kind === 'server' ? ['server'] : ['webrtc', 'relay'];
    for (const kind of kinds) {
      const peer = candidate.kind === 'server' ? 'server' : candidate.username;
      if (this.held!.complete || this.dropped.has(peer)) return;
      const key = `${kind}:${candidate.kind === 'server' ? 'server' : candidate.socketId}`;
      if (tried.has(key)) continue;
      tried.add(key);
      const available = candidate.kind === 'server' ? null : candidate.pieces;
      const wanted = this.missingFor(peer, available);
      if (wanted.length === 0) continue;
      let source: PieceSource;
      if (candidate.kind === 'server') {
        source = new ServerSource(file, ctx.rest, sha256);
      } else if (kind === 'webrtc') {
        if (!ctx.links.supported) continue; // no WebRTC here: straight to the relay
        source = new WebRtcSource({
          links: ctx.links,
          file,
          username: candidate.username,
          socketId: candidate.socketId,
          available,
          timeoutMs: ctx.config.webrtc_timeout,
        });
      } else {
        source = new RelaySource({
          hub: ctx.relay,
          file,
          username: candidate.username,
          socketId: candidate.socketId,
          available,
          startTimeoutMs: ctx.config.webrtc_timeout,
        });
      }
      await this.useSource(source, peer, wanted);
    }
  }

  private async useSource(source: PieceSource, peer: string, wanted: number[]): Promise<void> {
    const { ctx } = this;
    const attempt = new AbortController();
    const signal = AbortSignal.any([this.controller.signal, attempt.signal]);
    const sink: PieceSink = {
      // Deliveries may finish after the source was given up; a verified piece is kept anyway.
      deliver: async (index, bytes): Promise<PieceVerdict> => {
        const length = bytes.byteLength;
        const result = await ctx.worker.putPiece(this.fileId, index, bytes);
        if (result === 'bad') {
          this.rejected++;
          const from = this.badFrom.get(index) ?? new Set<string>();
          from.add(peer);
          this.badFrom.set(index, from);
          const strikes = (this.strikes.get(peer) ?? 0) + 1;
          this.strikes.set(peer, strikes);
          ctx.log(`piece ${index} of ${this.fileId} from ${source.id} failed verification`);
          if (strikes >= STRIKES_TO_DROP) {
            this.dropped.add(peer);
            attempt.abort(
              new ChatFilesClientError('ERR_INTEGRITY', `${peer} sent corrupted pieces.`),
            );
          }
          this.update({});
          return 'bad';
        }
        if (this.held!.add(index)) {
          this.heldBytes += length;
          if (result === 'stored') this.fetched[source.kind] = (this.fetched[source.kind] ?? 0) + 1;
          this.update({
            state: 'transferring',
            transport: source.kind,
            peer,
            progress: progressOf(this.heldBytes, this.descriptor!.size),
          });
        }
        return 'ok';
      },
    };
    try {
      this.update({ state: 'connecting', transport: source.kind, peer });
      await source.open(signal);
      this.update({ state: 'transferring', transport: source.kind, peer });
      await source.fetch(wanted, sink, signal);
    } catch (thrown) {
      const error = toClientError(thrown, 'ERR_NETWORK', 'The source failed.');
      if (this.controller.signal.aborted) throw this.controller.signal.reason;
      if (FATAL_CODES.has(error.code)) throw error;
      ctx.log(`${source.id} failed for ${this.fileId}: ${error.message}`);
    } finally {
      source.close();
    }
  }
}
