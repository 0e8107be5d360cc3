/**
 * The wire units below a piece. A piece (default 1 MiB) is what gets hashed and cached; a
 * frame is what one data-channel message or one relay event carries.
 *
 * Data channel: binary frames are an 8-byte header (piece index, byte offset in the piece,
 * both unsigned 32-bit big-endian) followed by at most `chunk_size` bytes of the piece;
 * text messages are small JSON control messages ({@link ChannelMessage}).
 *
 * Relay: `chunk_data` is the raw bytes with no header; `chunk_index` numbers the frames of
 * one session from 0, and the requester maps them onto the requested pieces in order (the
 * server forwards a session's frames in the order they were sent).
 */
import { pieceLength } from '../pieces.js';
import type { PieceManifest } from '../wire/protocol.js';

/** Bytes of the binary frame header on a data channel. */
export const FRAME_HEADER_BYTES = 8;

/** Payload bytes per frame: `chunk_size`, shrunk if the channel cannot carry that much. */
export function framePayloadBytes(chunkSize: number, maxMessageSize?: number | null): number {
  const limit =
    maxMessageSize && Number.isFinite(maxMessageSize) && maxMessageSize > FRAME_HEADER_BYTES
      ? maxMessageSize - FRAME_HEADER_BYTES
      : chunkSize;
  return Math.max(1, Math.min(chunkSize, limit));
}

/**
 * Writes a binary data-channel frame (header, then a copy of `payload`) into `target` and
 * returns the view to send. Reusing one `target` per channel is safe because
 * `RTCDataChannel.send()` copies the bytes before it returns; it saves allocating (and
 * collecting) a buffer per frame.
 */
export function writeFrame(
  target: Uint8Array<ArrayBuffer>,
  index: number,
  offset: number,
  payload: Uint8Array,
): Uint8Array<ArrayBuffer> {
  const view = new DataView(target.buffer, target.byteOffset, FRAME_HEADER_BYTES);
  view.setUint32(0, index);
  view.setUint32(4, offset);
  target.set(payload, FRAME_HEADER_BYTES);
  return target.subarray(0, FRAME_HEADER_BYTES + payload.byteLength);
}

/** One binary data-channel frame in a buffer of its own. */
export function encodeFrame(index: number, offset: number, payload: Uint8Array): ArrayBuffer {
  const out = new Uint8Array(FRAME_HEADER_BYTES + payload.byteLength);
  writeFrame(out, index, offset, payload);
  return out.buffer;
}

/** Splits a binary data-channel frame; `null` when it is too short to have a header. */
export function decodeFrame(
  frame: ArrayBuffer,
): { index: number; offset: number; payload: Uint8Array } | null {
  if (frame.byteLength < FRAME_HEADER_BYTES) return null;
  const view = new DataView(frame);
  return {
    index: view.getUint32(0),
    offset: view.getUint32(4),
    payload: new Uint8Array(frame, FRAME_HEADER_BYTES),
  };
}

/** Text control messages on a file's data channel. */
export type ChannelMessage =
  /** requester → seeder: send these pieces (appended to what was asked before). */
  | { t: 'want'; pieces: number[] }
  /** requester → seeder: stop sending these pieces (another source delivered them). */
  | { t: 'cancel'; pieces: number[] }
  /** seeder → requester: these pieces cannot be served (not held). */
  | { t: 'missing'; pieces: number[] }
  /** seeder → requester: a partial seeder now holds these pieces too. */
  | { t: 'have'; pieces: number[] }
  /** seeder → requester: the seeder will not serve this channel at all. */
  | { t: 'error'; code: string; message: string };

const isIndexList = (value: unknown): value is number[] =>
  Array.isArray(value) && value.every((i) => Number.isSafeInteger(i) && i >= 0);

/** Parses a text control message; `null` for anything malformed. */
export function parseChannelMessage(text: string): ChannelMessage | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const message = raw as Record<string, unknown>;
  if (
    (message.t === 'want' ||
      message.t === 'missing' ||
      message.t === 'cancel' ||
      message.t === 'have') &&
    isIndexList(message.pieces)
  ) {
    return { t: message.t, pieces: message.pieces };
  }
  if (message.t === 'error' && typeof message.code === 'string') {
    return { t: 'error', code: message.code, message: String(message.message ?? '') };
  }
  return null;
}

/**
 * Reassembles pieces from frames. Holds one buffer per piece in progress, which is why the
 * requester bounds the pieces it asks for at once.
 */
export class PieceAssembler {
  private readonly size: number;
  private readonly pieceSize: number;
  private readonly pieceCount: number;
  private readonly partial = new Map<number, { bytes: Uint8Array; received: number }>();

  constructor(size: number, manifest: PieceManifest) {
    this.size = size;
    this.pieceSize = manifest.piece_size;
    this.pieceCount = manifest.pieces.length;
  }

  /** Pieces with frames received but not yet complete. */
  get inProgress(): number {
    return this.partial.size;
  }

  /**
   * Adds a frame. Returns the whole piece when this frame completed it, `null` when more
   * is needed; throws on a frame that cannot belong to the file (a protocol violation).
   */
  add(index: number, offset: number, payload: Uint8Array): ArrayBuffer | null {
    if (!Number.isInteger(index) || index < 0 || index >= this.pieceCount) {
      throw new RangeError(`frame for piece ${index}, which the file does not have`);
    }
    const length = pieceLength(index, this.size, this.pieceSize);
    if (offset < 0 || offset + payload.byteLength > length) {
      throw new RangeError(`frame at ${offset}+${payload.byteLength} overruns piece ${index}`);
    }
    let entry = this.partial.get(index);
    if (!entry) {
      entry = { bytes: new Uint8Array(length), received: 0 };
      this.partial.set(index, entry);
    }
    entry.bytes.set(payload, offset);
    entry.received += payload.byteLength;
    if (entry.received < length) return null;
    this.partial.delete(index);
    return entry.bytes.buffer as ArrayBuffer;
  }

  /** Bytes of piece `index` received so far (0 when none, or once it completed). */
  receivedOf(index: number): number {
    return this.partial.get(index)?.received ?? 0;
  }

  /** Forgets a piece in progress (its source went away). */
  drop(index: number): void {
    this.partial.delete(index);
  }

  /** Forgets every piece in progress. */
  clear(): void {
    this.partial.clear();
  }
}

/**
 * Maps the frames of a relay session onto its pieces: frame `k` carries the next bytes of
 * the requested pieces in order. Both ends may use different frame sizes; only the order
 * and the byte counts matter.
 */
export class RelayCursor {
  private readonly pieces: readonly number[];
  private readonly size: number;
  private readonly pieceSize: number;
  private position = 0;
  private offset = 0;

  constructor(pieces: readonly number[], size: number, pieceSize: number) {
    this.pieces = pieces;
    this.size = size;
    this.pieceSize = pieceSize;
  }

  /** True once every requested piece has been covered. */
  get done(): boolean {
    return this.position >= this.pieces.length;
  }

  /** Where the next `length` bytes go; throws if they would cross a piece boundary. */
  next(length: number): { index: number; offset: number } {
    if (this.done) throw new RangeError('frame after the last requested piece');
    const index = this.pieces[this.position];
    const pieceBytes = pieceLength(index, this.size, this.pieceSize);
    if (length <= 0 || this.offset + length > pieceBytes) {
      throw new RangeError(`relay frame of ${length} bytes crosses the end of piece ${index}`);
    }
    const at = { index, offset: this.offset };
    this.offset += length;
    if (this.offset === pieceBytes) {
      this.position++;
      this.offset = 0;
    }
    return at;
  }
}

/** Number of frames of `payloadBytes` needed to send `pieces` of a file. */
export function frameCount(
  pieces: readonly number[],
  size: number,
  pieceSize: number,
  payloadBytes: number,
): number {
  let total = 0;
  for (const index of pieces)
    total += Math.ceil(pieceLength(index, size, pieceSize) / payloadBytes);
  return total;
}
