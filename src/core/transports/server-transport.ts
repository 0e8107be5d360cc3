/**
 * Pieces from the server's copy of a file, as HTTP range requests of whole pieces: the
 * web seed of this swarm: one more source next to the peers when the server holds the file.
 */
import { SERVER_SEEDER } from '../wire/protocol.js';
import { pieceRange } from '../pieces.js';
import type { RestClient } from '../rest-client.js';
import {
  asFeed,
  type FileDescriptor,
  type PieceFeed,
  type PieceSink,
  type PieceSource,
  type SourceFactory,
} from './transport.js';

/**
 * Range requests in flight at once. HTTP/1.1 browsers open six connections per origin;
 * four keep the pipe full on a long fat link while leaving room for the page's own calls.
 */
const PARALLEL_RANGES = 4;

/** Makes the {@link ServerSource} for the server candidate (the server seeds the file). */
export function serverSources(rest: RestClient): SourceFactory {
  return {
    kind: 'server',
    create: (candidate, file) =>
      candidate.kind === 'server' ? new ServerSource(file, rest) : null,
  };
}

/** A {@link PieceSource} backed by `GET /:file_id/download` with `Range`. */
export class ServerSource implements PieceSource {
  readonly kind = 'server' as const;
  readonly peer = SERVER_SEEDER;
  readonly id = 'server';
  readonly available = null;
  private readonly file: FileDescriptor;
  private readonly rest: RestClient;
  private readonly etag: string | null;
  private readonly controller = new AbortController();
  /** Range requests in flight, by piece, so the endgame can call one off. */
  private readonly pieces = new Map<number, AbortController>();
  /** Pieces another source delivered first. */
  private readonly cancelled = new Set<number>();

  /** `sha256`, when the server reported it, makes every range conditional on that content. */
  constructor(file: FileDescriptor, rest: RestClient, sha256: string | null = file.sha256 ?? null) {
    this.file = file;
    this.rest = rest;
    this.etag = sha256 ? `"${sha256}"` : null;
  }

  async open(): Promise<void> {
    // Nothing to set up: each range request stands alone.
  }

  async fetch(
    work: readonly number[] | PieceFeed,
    sink: PieceSink,
    signal: AbortSignal,
  ): Promise<void> {
    const feed = asFeed(work);
    // One failed range stops the others, and fetch() settles only when all have stopped,
    // so no piece is delivered after it returned.
    const stop = new AbortController();
    const combined = AbortSignal.any([signal, this.controller.signal, stop.signal]);
    const worker = async () => {
      try {
        for (let index = feed.take(); index !== undefined; index = feed.take()) {
          combined.throwIfAborted();
          const bytes = await this.range(index, combined);
          combined.throwIfAborted();
          if (bytes) await sink.deliver(index, bytes);
        }
      } catch (error) {
        stop.abort(error);
        throw error;
      }
    };
    const results = await Promise.allSettled(
      Array.from({ length: Math.max(1, Math.min(PARALLEL_RANGES, feed.depth())) }, worker),
    );
    if (stop.signal.aborted) throw stop.signal.reason;
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Piece `index`, or `null` when {@link cancel} called it off (another source had it). */
  private async range(index: number, signal: AbortSignal): Promise<ArrayBuffer | null> {
    if (this.cancelled.has(index)) return null;
    const { start, end } = pieceRange(index, this.file.size, this.file.manifest.piece_size);
    const piece = new AbortController();
    this.pieces.set(index, piece);
    try {
      return await this.rest.range(
        this.file.file_id,
        start,
        end,
        AbortSignal.any([signal, piece.signal]),
        this.etag,
      );
    } catch (error) {
      if (piece.signal.aborted && !signal.aborted) return null;
      throw error;
    } finally {
      this.pieces.delete(index);
    }
  }

  /** Calls off the request for piece `index`: another source delivered it first. */
  cancel(index: number): void {
    this.cancelled.add(index);
    this.pieces.get(index)?.abort(new DOMException('Delivered elsewhere.', 'AbortError'));
  }

  close(): void {
    this.controller.abort(new DOMException('Source closed.', 'AbortError'));
  }
}
