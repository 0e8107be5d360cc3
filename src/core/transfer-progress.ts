/**
 * The snapshots of one transfer as it runs: state changes, byte-level progress advanced
 * per frame, a smoothed rate and time left, the sources serving and how many bytes each
 * transport carried. Frame-level changes are published at most every
 * {@link FRAME_REPORT_MS}; state changes at once. Once settled, only the final snapshot
 * counts, so deliveries still in flight after a cancel cannot resurrect "transferring".
 */
import type { ChatFilesClientError } from './errors.js';
import { isGone } from './discovery.js';
import type { PieceSet } from './pieces.js';
import { progressOf, type TransferSnapshot, type TransportName } from './transfer-state.js';
import type { TransportKind } from './transports/transport.js';

/** Frame progress is published at most this often: smooth to the eye, cheap for the page. */
const FRAME_REPORT_MS = 100;
/** The rate is sampled at most this often... */
const RATE_SAMPLE_MS = 250;
/** ...and smoothed with this weight on the newest sample. */
const RATE_WEIGHT = 0.3;
/** Time left is shown only once the transfer has run this long (a steady rate). */
const ETA_AFTER_MS = 1000;

type Kind = TransportKind | 'federated';

/** Builds and publishes the snapshots of one transfer. */
export class TransferProgress {
  private current: TransferSnapshot;
  private readonly emit: (snapshot: TransferSnapshot) => void;
  private held: PieceSet | null = null;
  private heldBytes = 0;
  private total = 0;
  private resumed = 0;
  private rejectedCount = 0;
  private readonly partial = new Map<number, number>();
  private partialBytes = 0;
  private readonly fetched: Partial<Record<TransportKind, number>> = {};
  private readonly byTransport: Partial<Record<Kind, number>> = {};
  private readonly carriers = new Set<string>();
  private readonly active = new Map<TransportKind, number>();
  private settled = false;
  private frameTimer: ReturnType<typeof setTimeout> | null = null;
  private startedAt = 0;
  private sampleAt = 0;
  private sampleBytes = 0;
  private smoothed: number | null = null;

  constructor(fileId: string, emit: (snapshot: TransferSnapshot) => void) {
    this.emit = emit;
    this.current = { file_id: fileId, state: 'connecting', progress: 0 };
  }

  /** The latest snapshot. */
  get snapshot(): TransferSnapshot {
    return this.current;
  }

  /** Smoothed bytes per second, or `null` before it is known. */
  get rate(): number | null {
    return this.smoothed;
  }

  /** Bytes still to fetch. */
  get bytesLeft(): number {
    return Math.max(0, this.total - this.done);
  }

  private get done(): number {
    return Math.min(this.total, this.heldBytes + this.partialBytes);
  }

  /** Looking for sources; `bytes` of `size` are already held (a resume). */
  connecting(bytes?: number, size?: number): void {
    if (size !== undefined) this.total = size;
    if (bytes !== undefined) this.heldBytes = bytes;
    this.update({ state: 'connecting', waiting_for: undefined, peer: undefined });
  }

  /** The file's pieces are known: `held` of them are already stored, `bytes` in all. */
  begin(held: PieceSet, bytes: number, size: number): void {
    this.held = held;
    this.heldBytes = bytes;
    this.total = size;
    this.resumed = held.count;
    this.update({});
  }

  /** Nobody who holds the file is online; `names` are the users known to hold it. */
  waiting(names: string[]): void {
    this.update({
      state: 'waiting',
      waiting_for: names,
      transport: undefined,
      peer: undefined,
      rate: undefined,
      eta_seconds: undefined,
    });
  }

  /** A source connected. */
  sourceJoined(kind: TransportKind, peer: string): void {
    this.active.set(kind, (this.active.get(kind) ?? 0) + 1);
    this.update({ state: 'transferring', waiting_for: undefined, peer, error: undefined });
  }

  /** A source left. */
  sourceLeft(kind: TransportKind): void {
    const count = (this.active.get(kind) ?? 0) - 1;
    if (count > 0) this.active.set(kind, count);
    else this.active.delete(kind);
    this.update({});
  }

  /** `bytes` of piece `index` have arrived (not yet verified). */
  frame(index: number, bytes: number): void {
    const before = this.partial.get(index) ?? 0;
    if (bytes <= before || this.held?.has(index)) return;
    this.partial.set(index, bytes);
    this.partialBytes += bytes - before;
    this.frameTimer ??= setTimeout(() => {
      this.frameTimer = null;
      this.update({});
    }, FRAME_REPORT_MS);
  }

  /** Partial pieces whose source went away no longer count. */
  forget(indexes: Iterable<number>): void {
    for (const index of indexes) this.dropPartial(index);
  }

  private dropPartial(index: number): void {
    const bytes = this.partial.get(index);
    if (bytes === undefined) return;
    this.partial.delete(index);
    this.partialBytes -= bytes;
  }

  /** A piece failed verification and was discarded. */
  rejected(index: number): void {
    this.rejectedCount++;
    this.dropPartial(index);
    this.update({});
  }

  /** A piece was verified and stored; `fetched` when it came over the wire (not the cache). */
  stored(index: number, length: number, kind: TransportKind, source: string, fetched: boolean) {
    this.dropPartial(index);
    this.heldBytes += length;
    this.byTransport[kind] = (this.byTransport[kind] ?? 0) + length;
    this.carriers.add(source);
    if (fetched) this.fetched[kind] = (this.fetched[kind] ?? 0) + 1;
    this.update({ state: 'transferring' });
  }

  /** Bytes of a transfer that has no pieces (federated), as they arrive. */
  streamed(loaded: number, total: number, kind: Kind): void {
    this.total = total;
    this.heldBytes = loaded;
    this.byTransport[kind] = loaded;
    this.update({ state: 'transferring', transport: kind as TransportName });
  }

  /** How the bytes arrived: `swarm` when more than one source carried them. */
  transportOfSwarm(): TransportName {
    if (this.carriers.size > 1) return 'swarm';
    let best: TransportName = 'cache';
    let most = 0;
    for (const [kind, bytes] of Object.entries(this.byTransport) as [Kind, number][]) {
      if (bytes > most) {
        most = bytes;
        best = kind;
      }
    }
    return best;
  }

  /** Publishes the final `complete` snapshot and returns `file`. */
  complete(file: File, transport: TransportName): File {
    if (this.total === 0) this.total = file.size;
    this.heldBytes = this.total;
    this.partial.clear();
    this.partialBytes = 0;
    this.update(
      {
        state: 'complete',
        progress: 100,
        transport,
        peer: undefined,
        error: undefined,
        waiting_for: undefined,
        rate: undefined,
        eta_seconds: undefined,
      },
      true,
    );
    return file;
  }

  /** Publishes the final snapshot of a failed or cancelled transfer. */
  fail(error: ChatFilesClientError): void {
    const common = { peer: undefined, rate: undefined, eta_seconds: undefined };
    if (error.code === 'ERR_CANCELLED' || error.code === 'ERR_DESTROYED') {
      this.update({ ...common, state: 'available', transport: undefined, error: undefined }, true);
    } else if (error.code === 'ERR_UNAVAILABLE' || isGone(error)) {
      this.update({ ...common, state: 'unavailable', error: error.toJSON() }, true);
    } else {
      this.update({ ...common, state: 'error', error: error.toJSON() }, true);
    }
  }

  private sampleRate(now: number): void {
    const done = this.done;
    if (this.startedAt === 0) {
      this.startedAt = this.sampleAt = now;
      this.sampleBytes = done;
      return;
    }
    const elapsed = now - this.sampleAt;
    if (elapsed < RATE_SAMPLE_MS) return;
    const instant = ((done - this.sampleBytes) / elapsed) * 1000;
    this.smoothed =
      this.smoothed === null ? instant : this.smoothed + RATE_WEIGHT * (instant - this.smoothed);
    this.sampleAt = now;
    this.sampleBytes = done;
  }

  private update(patch: Partial<TransferSnapshot>, final = false): void {
    if (this.settled) return;
    if (final) {
      this.settled = true;
      if (this.frameTimer !== null) clearTimeout(this.frameTimer);
      this.frameTimer = null;
    }
    const next: TransferSnapshot = { ...this.current, ...patch };
    const transferring = next.state === 'transferring';
    const now = performance.now();
    if (transferring) this.sampleRate(now);
    const done = this.done;
    next.bytes_done = done;
    next.bytes_total = this.total;
    if (next.state !== 'complete') next.progress = progressOf(done, this.total);
    next.bytes_by_transport = { ...this.byTransport };
    let sources = 0;
    for (const count of this.active.values()) sources += count;
    next.sources = final ? this.carriers.size : sources;
    if (transferring) {
      next.transport = sources > 1 ? 'swarm' : ([...this.active.keys()][0] ?? next.transport);
      if (this.smoothed !== null) {
        next.rate = Math.round(this.smoothed);
        next.eta_seconds =
          now - this.startedAt >= ETA_AFTER_MS && this.smoothed > 0
            ? Math.ceil((this.total - done) / this.smoothed)
            : undefined;
      }
    }
    if (this.held) {
      next.total_pieces = this.held.size;
      next.held_pieces = this.held.count;
      next.resumed_pieces = this.resumed;
      next.fetched = { ...this.fetched };
      next.rejected_pieces = this.rejectedCount;
    }
    for (const key of Object.keys(next) as (keyof TransferSnapshot)[]) {
      if (next[key] === undefined) delete next[key];
    }
    this.current = next;
    this.emit(next);
  }
}
