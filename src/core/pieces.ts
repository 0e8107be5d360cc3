/**
 * Piece arithmetic shared by the main thread and the file worker: how a file of a given
 * size splits into pieces, the set of pieces a cache or peer holds, and the hex codec
 * the manifest uses.
 */
import type { PieceManifest } from './wire/protocol.js';

/** Number of pieces of a file; a zero-byte file has none. */
export function pieceCount(size: number, pieceSize: number): number {
  return size === 0 ? 0 : Math.ceil(size / pieceSize);
}

/** Byte range `[start, end)` of piece `index`. */
export function pieceRange(
  index: number,
  size: number,
  pieceSize: number,
): { start: number; end: number } {
  const start = index * pieceSize;
  return { start, end: Math.min(size, start + pieceSize) };
}

/** Length in bytes of piece `index`. */
export function pieceLength(index: number, size: number, pieceSize: number): number {
  const { start, end } = pieceRange(index, size, pieceSize);
  return end - start;
}

/** Lower-case hex of raw bytes. */
export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let out = '';
  for (const byte of view) out += byte.toString(16).padStart(2, '0');
  return out;
}

/** Raw bytes of a hex string (no validation beyond even length). */
export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >>> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * True when a manifest has the shape the protocol requires for a file of `size` bytes:
 * positive piece size, one lower-case hex digest per piece, a hex root. The root itself is
 * checked against the digests by the worker (it needs hashing).
 */
export function manifestFitsSize(manifest: unknown, size: number): manifest is PieceManifest {
  if (typeof manifest !== 'object' || manifest === null) return false;
  const { piece_size, pieces, root } = manifest as Partial<PieceManifest>;
  if (typeof piece_size !== 'number' || !Number.isSafeInteger(piece_size) || piece_size <= 0)
    return false;
  if (!Array.isArray(pieces) || pieces.length !== pieceCount(size, piece_size)) return false;
  if (typeof root !== 'string' || !SHA256_HEX.test(root)) return false;
  return pieces.every((p) => typeof p === 'string' && SHA256_HEX.test(p));
}

/**
 * A fixed-size set of piece indexes stored as a bitmap, so a record of which of a 500-piece
 * file's pieces are held costs 63 bytes and survives `structuredClone` into IndexedDB.
 */
export class PieceSet {
  /** Number of pieces the set can hold. */
  readonly size: number;
  /** The bitmap; bit `i % 8` of byte `i >> 3` is piece `i`. */
  readonly bits: Uint8Array;
  private held: number;

  constructor(size: number, bits?: Uint8Array) {
    this.size = size;
    this.bits = new Uint8Array(Math.ceil(size / 8));
    if (bits) this.bits.set(bits.subarray(0, this.bits.length));
    this.held = 0;
    for (let i = 0; i < size; i++) if (this.has(i)) this.held++;
  }

  /** A set with the given indexes. */
  static of(size: number, indexes: Iterable<number>): PieceSet {
    const set = new PieceSet(size);
    for (const i of indexes) set.add(i);
    return set;
  }

  /** Number of pieces in the set. */
  get count(): number {
    return this.held;
  }

  /** True when every piece is in the set. */
  get complete(): boolean {
    return this.held === this.size;
  }

  /** Whether piece `index` is in the set. */
  has(index: number): boolean {
    if (index < 0 || index >= this.size) return false;
    return (this.bits[index >> 3] & (1 << (index & 7))) !== 0;
  }

  /** Adds piece `index`; returns false when it was already there. */
  add(index: number): boolean {
    if (index < 0 || index >= this.size || this.has(index)) return false;
    this.bits[index >> 3] |= 1 << (index & 7);
    this.held++;
    return true;
  }

  /** Removes piece `index`; returns false when it was not there. */
  delete(index: number): boolean {
    if (!this.has(index)) return false;
    this.bits[index >> 3] &= ~(1 << (index & 7));
    this.held--;
    return true;
  }

  /** The indexes in the set, ascending. */
  indexes(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.size; i++) if (this.has(i)) out.push(i);
    return out;
  }

  /** The indexes not in the set, ascending. */
  missing(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.size; i++) if (!this.has(i)) out.push(i);
    return out;
  }
}
