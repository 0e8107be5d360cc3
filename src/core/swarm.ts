/**
 * Which source fetches which piece: the piece picker of a multi-source download.
 *
 * Every connected source gets a feed ({@link PieceFeed}) that hands out, one at a time, the
 * rarest missing piece it holds that nobody is fetching yet, so no piece is fetched twice.
 * A source's queue is sized to its measured throughput and round trip. When every missing
 * piece is already requested (the endgame), a source that has run dry is given a piece
 * another source is still fetching, so one slow source cannot hold back the last pieces.
 * A source that fails gives its pieces back to the others.
 */
import type { PieceSet } from './pieces.js';
import type { PieceFeed, TransportKind } from './transports/transport.js';

/** Pieces a source is asked for before its speed is known: enough to measure it. */
const INITIAL_DEPTH = 2;
/** Most pieces one source keeps requested: bounds the memory of pieces being assembled. */
const MAX_DEPTH = 16;
/**
 * Seconds of a source's measured throughput kept requested beyond its round trip, so it
 * never runs dry while a request travels or a piece is stored, and a slow source does not
 * hoard pieces.
 */
const QUEUE_SECONDS = 0.5;
/** Sources fetching one piece at most, in the endgame. */
const ENDGAME_COPIES = 2;

/** One source taking part in a download. */
export class SwarmMember {
  /** Stable identity, e.g. `webrtc:bob:<socket>`. */
  readonly id: string;
  /** Who serves the bytes (a username, or `__server__`). */
  readonly peer: string;
  /** How the bytes travel. */
  readonly kind: TransportKind;
  /** Pieces it can serve, `null` for all. */
  readonly available: PieceSet | null;
  /** Pieces it is fetching now. */
  readonly inflight = new Set<number>();
  /** Pieces it could not serve after all. */
  readonly skipped = new Set<number>();
  /** Verified bytes it delivered that were needed. */
  bytes = 0;
  /** Tells its source to stop fetching a piece another source delivered. */
  cancel: ((index: number) => void) | null = null;
  private started = 0;
  private roundTrip: number | null = null;
  private readonly swarm: Swarm;

  constructor(
    swarm: Swarm,
    source: { id: string; peer: string; kind: TransportKind; available: PieceSet | null },
  ) {
    this.swarm = swarm;
    this.id = source.id;
    this.peer = source.peer;
    this.kind = source.kind;
    this.available = source.available;
  }

  /** Whether it holds piece `index`. */
  has(index: number): boolean {
    return (this.available === null || this.available.has(index)) && !this.skipped.has(index);
  }

  /** Throughput in bytes per second since its first request, or `null` before a piece. */
  get rate(): number | null {
    if (this.bytes === 0 || this.started === 0) return null;
    const seconds = (performance.now() - this.started) / 1000;
    return seconds > 0 ? this.bytes / seconds : null;
  }

  /** Pieces to keep requested: throughput × (round trip + a margin), within bounds. */
  depth(): number {
    const rate = this.rate;
    if (rate === null) return INITIAL_DEPTH;
    const seconds = (this.roundTrip ?? 0) / 1000 + QUEUE_SECONDS;
    const pieces = Math.ceil((rate * seconds) / this.swarm.pieceSize);
    return Math.max(INITIAL_DEPTH, Math.min(MAX_DEPTH, pieces));
  }

  /** The feed its source fetches from. */
  feed(): PieceFeed {
    return {
      take: () => {
        if (this.started === 0) this.started = performance.now();
        return this.swarm.pick(this);
      },
      depth: () => this.depth(),
      skip: (index) => {
        this.skipped.add(index);
        this.swarm.release(this, index);
      },
    };
  }

  /** Notes the first frame's arrival, which measures the round trip. */
  firstFrame(): void {
    if (this.roundTrip === null && this.started !== 0) {
      this.roundTrip = performance.now() - this.started;
    }
  }
}

/** The piece state of one download across its sources. */
export class Swarm {
  /** Bytes per piece. */
  readonly pieceSize: number;
  /** Pieces verified and stored. */
  readonly held: PieceSet;
  private readonly members = new Set<SwarmMember>();
  private readonly requested = new Map<number, Set<SwarmMember>>();
  /** Usernames that sent a bad copy of a piece, per piece. */
  private readonly badFrom = new Map<number, Set<string>>();
  private listeners = new Set<() => void>();

  constructor(held: PieceSet, pieceSize: number) {
    this.held = held;
    this.pieceSize = pieceSize;
  }

  /** Sources taking part now. */
  get size(): number {
    return this.members.size;
  }

  /** Adds a connected source. */
  join(member: SwarmMember): void {
    this.members.add(member);
  }

  /** Removes a source; the pieces it was fetching go back to the others. */
  leave(member: SwarmMember): void {
    if (!this.members.delete(member)) return;
    for (const index of [...member.inflight]) this.release(member, index);
    this.changed();
  }

  /** Gives back a piece `member` will not deliver. */
  release(member: SwarmMember, index: number): void {
    member.inflight.delete(index);
    const set = this.requested.get(index);
    set?.delete(member);
    if (set?.size === 0) this.requested.delete(index);
    this.changed();
  }

  /** Records that `member` announced piece `index` (a partial seeder got it meanwhile). */
  announced(member: SwarmMember, index: number): void {
    member.skipped.delete(index);
    if (!this.held.has(index)) this.changed();
  }

  /** Records that `peer` sent a bad copy of `index`; it will not be asked for it again. */
  rejected(member: SwarmMember, index: number): void {
    const from = this.badFrom.get(index) ?? new Set<string>();
    from.add(member.peer);
    this.badFrom.set(index, from);
    this.release(member, index);
  }

  /** Records a stored piece; every source still fetching it is done with it. */
  stored(member: SwarmMember, index: number, bytes: number): boolean {
    const fresh = this.held.add(index);
    if (fresh) member.bytes += bytes;
    const others = [...(this.requested.get(index) ?? [])].filter((other) => other !== member);
    member.inflight.delete(index);
    this.requested.delete(index);
    for (const other of others) {
      other.inflight.delete(index);
      other.cancel?.(index);
    }
    this.changed();
    return fresh;
  }

  /** Whether `member` may be given piece `index` at all. */
  private eligible(member: SwarmMember, index: number): boolean {
    return !this.held.has(index) && member.has(index) && !this.badFrom.get(index)?.has(member.peer);
  }

  /** How many sources hold a piece (rarest first). */
  private availability(index: number): number {
    let count = 0;
    for (const member of this.members) if (member.has(index)) count++;
    return count;
  }

  /** The next piece for `member`, or `undefined` when there is none for it now. */
  pick(member: SwarmMember): number | undefined {
    const index = this.choose(member);
    if (index === -1) return undefined;
    let set = this.requested.get(index);
    const first = !set;
    if (!set) this.requested.set(index, (set = new Set()));
    set.add(member);
    member.inflight.add(index);
    // The last unrequested piece is taken: the endgame begins, and sources that ran dry
    // may now double the pieces still being fetched.
    if (first && !this.unrequestedLeft()) this.changed();
    return index;
  }

  /** Whether {@link pick} would give `member` a piece now. */
  hasWorkFor(member: SwarmMember): boolean {
    return this.choose(member) !== -1;
  }

  /** The piece {@link pick} gives `member`, or -1; changes nothing. */
  private choose(member: SwarmMember): number {
    if (!this.members.has(member) || this.held.complete) return -1;
    let best = -1;
    let bestRarity = Infinity;
    let endgame = -1;
    let endgameCopies = Infinity;
    const partial = this.members.size > 1 && [...this.members].some((m) => m.available !== null);
    for (let index = 0; index < this.held.size; index++) {
      if (!this.eligible(member, index)) continue;
      const fetching = this.requested.get(index);
      if (!fetching || fetching.size === 0) {
        // Rarity only matters when availability differs; otherwise go in order.
        const rarity = partial ? this.availability(index) : 0;
        if (rarity < bestRarity) {
          best = index;
          bestRarity = rarity;
          if (!partial) break;
        }
      } else if (
        best === -1 &&
        !fetching.has(member) &&
        fetching.size < ENDGAME_COPIES &&
        fetching.size < endgameCopies
      ) {
        endgame = index;
        endgameCopies = fetching.size;
      }
    }
    // The endgame applies only once no piece is left that nobody is fetching.
    if (best !== -1) return best;
    return this.unrequestedLeft() ? -1 : endgame;
  }

  private unrequestedLeft(): boolean {
    for (let index = 0; index < this.held.size; index++) {
      if (this.held.has(index) || this.requested.has(index)) continue;
      for (const member of this.members) if (this.eligible(member, index)) return true;
    }
    return false;
  }

  /** Missing pieces that no connected source can provide (they need a new source). */
  unservable(): number {
    let count = 0;
    for (let index = 0; index < this.held.size; index++) {
      if (this.held.has(index)) continue;
      let servable = false;
      for (const member of this.members) {
        if (this.eligible(member, index)) {
          servable = true;
          break;
        }
      }
      if (!servable) count++;
    }
    return count;
  }

  /** Resolves at the next change (a piece stored or given back, a source leaving). */
  nextChange(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        this.listeners.delete(done);
        reject(signal.reason);
      };
      if (signal.aborted) return reject(signal.reason);
      this.listeners.add(done);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private changed(): void {
    const listeners = this.listeners;
    this.listeners = new Set();
    for (const listener of listeners) listener();
  }
}
