/**
 * The one interface every way of moving bytes implements, so the transfer manager does not
 * care whether pieces come over a WebRTC data channel, the socket relay or the server's
 * HTTP range downloads (WebTorrent's web seed idea). A source is asked for pieces and hands
 * each one to a sink as it completes; the sink verifies and stores it and says whether it
 * was good. Sources never decide what is valid.
 */
import type { PieceSet } from '../pieces.js';
import type { PieceManifest } from '../wire/protocol.js';

/** How a source moves bytes. */
export type TransportKind = 'webrtc' | 'relay' | 'server';

/** What a source needs to know about the file it fetches. */
export interface FileDescriptor {
  file_id: string;
  room_id: string;
  size: number;
  manifest: PieceManifest;
  /** SHA-256 of the whole content, when known (makes server ranges conditional on it). */
  sha256?: string | null;
}

/** The sink's verdict on a delivered piece. */
export type PieceVerdict = 'ok' | 'bad';

/** Receives pieces from a source. */
export interface PieceSink {
  /**
   * Takes ownership of `bytes` (it may be transferred to the worker) and resolves once the
   * piece is verified and stored (`ok`) or rejected (`bad`). Sources wait for this before
   * asking for more, which bounds the memory a fast source can fill.
   */
  deliver(index: number, bytes: ArrayBuffer): Promise<PieceVerdict>;
  /** Called as frames arrive, with the bytes of piece `index` received so far (progress). */
  received?(index: number, bytes: number): void;
}

/**
 * The pieces a source is asked for, handed out one at a time as it has room for them, so a
 * swarm can give each source work sized to its speed and move work between sources.
 */
export interface PieceFeed {
  /** The next piece to fetch, or `undefined` when there is none for this source now. */
  take(): number | undefined;
  /** How many pieces the source should keep requested at once. */
  depth(): number;
  /** The source cannot get `index` (its seeder does not hold it). */
  skip(index: number): void;
}

/** Pieces requested at once from a fixed list, when no swarm sizes the queue. */
const LIST_FEED_DEPTH = 16;

/** A feed over a fixed list of pieces, in order. */
export function feedOf(pieces: readonly number[], depth = LIST_FEED_DEPTH): PieceFeed {
  const queue = [...pieces];
  return { take: () => queue.shift(), depth: () => depth, skip: () => {} };
}

/** A feed for `work`, which is either a feed already or a fixed list of pieces. */
export function asFeed(work: readonly number[] | PieceFeed): PieceFeed {
  return Array.isArray(work) ? feedOf(work) : (work as PieceFeed);
}

/** One place that can provide a file's pieces. */
export interface PieceSource {
  /** The transport used. */
  readonly kind: TransportKind;
  /** Who serves the bytes: a username, or `__server__`. */
  readonly peer: string;
  /** Stable identity for logs and for remembering failures, e.g. `webrtc:bob:<socket>`. */
  readonly id: string;
  /** Pieces this source can serve, or `null` when it has them all. */
  readonly available: PieceSet | null;
  /**
   * Connects. Rejects as soon as the failure is known (no WebRTC in one browser, ICE
   * failed, the peer refused), not only at the timeout.
   */
  open(signal: AbortSignal): Promise<void>;
  /**
   * Fetches `pieces` (a list, or a feed it takes pieces from as it has room), delivering
   * each to `sink` in any order. Resolves when every piece taken was delivered and the feed
   * has nothing more for it; rejects when the source is lost or `signal` aborts. Pieces
   * delivered before a failure stay delivered.
   */
  fetch(pieces: readonly number[] | PieceFeed, sink: PieceSink, signal: AbortSignal): Promise<void>;
  /**
   * Stops fetching a piece of the running fetch that another source delivered (the
   * endgame); frames of it that still arrive are ignored. Optional: a source without it
   * simply delivers the piece again, which the sink ignores.
   */
  cancel?(index: number): void;
  /**
   * Set by the download before {@link open}: called when a partial seeder announces a
   * piece it now holds (after adding it to {@link available}). Optional: a source without
   * announcements serves what it held when it was found.
   */
  onAvailable?: ((index: number) => void) | null;
  /** Releases the connection. Idempotent. */
  close(): void;
}

/** Someone who may serve a file: a peer socket (with the pieces it announced) or the server. */
export type SourceCandidate =
  | { kind: 'peer'; username: string; socketId: string; pieces: PieceSet | null }
  | { kind: 'server' };

/**
 * Makes sources of one transport. A download tries the factories it was given in order
 * for each candidate, so a new way of moving bytes is one more factory in the list.
 */
export interface SourceFactory {
  /** The transport of the sources it makes. */
  readonly kind: TransportKind;
  /** A source for `candidate`, or `null` when this transport cannot reach it. */
  create(candidate: SourceCandidate, file: FileDescriptor): PieceSource | null;
}

/** A file this client can serve to others, as the seeding side sees it. */
export interface HeldFile {
  file_id: string;
  room_id: string;
  size: number;
  manifest: PieceManifest;
  /** Pieces held, or `null` when all are. */
  pieces: PieceSet | null;
}

/** Where the seeding side reads what it serves: memory first, then the cache. */
export interface PieceProvider {
  /** The file, if this client holds any of it; `null` otherwise. */
  lookup(fileId: string): Promise<HeldFile | null>;
  /** The bytes of one piece, or `null` when it is not held. */
  readPiece(fileId: string, index: number): Promise<ArrayBuffer | null>;
}

/** A promise that rejects with `signal.reason` when it aborts (never resolves). */
export function whenAborted(signal: AbortSignal): Promise<never> {
  return new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
