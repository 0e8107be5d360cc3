/**
 * Pieces from the server's copy of a file, as HTTP range requests of whole pieces: the
 * web-seed of this swarm. Used when the server seeds the file and no peer could serve it.
 */
import { SERVER_SEEDER } from '../protocol.js';
import { pieceRange } from '../pieces.js';
import type { RestClient } from '../rest-client.js';
import type { FileDescriptor, PieceSink, PieceSource } from './transport.js';

/**
 * Range requests in flight at once. HTTP/1.1 browsers open six connections per origin;
 * four keep the pipe full on a long fat link while leaving room for the page's own calls.
 */
const PARALLEL_RANGES = 4;

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

  /** `sha256`, when the server reported it, makes every range conditional on that content. */
  constructor(file: FileDescriptor, rest: RestClient, sha256?: string | null) {
    this.file = file;
    this.rest = rest;
    this.etag = sha256 ? `"${sha256}"` : null;
  }

  async open(): Promise<void> {
    // Nothing to set up: each range request stands alone.
  }

  async fetch(pieces: readonly number[], sink: PieceSink, signal: AbortSignal): Promise<void> {
    // One failed range stops the others, and fetch() settles only when all have stopped,
    // so no piece is delivered after it returned.
    const stop = new AbortController();
    const combined = AbortSignal.any([signal, this.controller.signal, stop.signal]);
    const queue = [...pieces];
    const { size, manifest } = this.file;
    const worker = async () => {
      try {
        for (let index = queue.shift(); index !== undefined; index = queue.shift()) {
          combined.throwIfAborted();
          const { start, end } = pieceRange(index, size, manifest.piece_size);
          const bytes = await this.rest.range(this.file.file_id, start, end, combined, this.etag);
          combined.throwIfAborted();
          await sink.deliver(index, bytes);
        }
      } catch (error) {
        stop.abort(error);
        throw error;
      }
    };
    const results = await Promise.allSettled(
      Array.from({ length: Math.min(PARALLEL_RANGES, queue.length) }, worker),
    );
    if (stop.signal.aborted) throw stop.signal.reason;
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  close(): void {
    this.controller.abort(new DOMException('Source closed.', 'AbortError'));
  }
}
