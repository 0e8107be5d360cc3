/**
 * Content identity: SHA-256 and MD5 of a whole file, SHA-256 per piece, and the piece
 * manifest (piece size, piece digests, a root over them) that peers, relay and server
 * all check bytes against. Everything here streams; no file is held whole in memory.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PieceManifest } from '../src/core/protocol.js';
import { ChatFilesError } from './errors.js';
import type { Fields } from './validate.js';

/** Smallest piece size a manifest may use; smaller pieces only inflate the manifest. */
export const MIN_PIECE_SIZE = 1024;
/** Largest piece size a manifest may use; a piece is verified in one go, so keep it bounded. */
export const MAX_PIECE_SIZE = 256 * 1024 * 1024;
/** Most pieces a manifest may list, which bounds its size on the wire and in SQL (~4 MiB of hex). */
export const MAX_PIECES = 65_536;
/** Bytes kept from the start of a file for magic-byte detection. */
export const SNIFF_BYTES = 64;

const HEX_SHA256 = /^[0-9a-f]{64}$/;

/** SHA-256 of the empty input, the root of a zero-byte file's manifest. */
export const EMPTY_SHA256 = createHash('sha256').digest('hex');

/** What hashing a stream yields. */
export interface ContentDigest {
  size: number;
  sha256: string;
  md5: string;
  /** The derived manifest at the piece size that was hashed. */
  manifest: PieceManifest;
  /** The first {@link SNIFF_BYTES} bytes, for type detection. */
  head: Buffer;
}

/** The manifest root: SHA-256 over the raw 32-byte piece digests, in order. */
export function manifestRoot(pieceDigests: readonly string[]): string {
  const hash = createHash('sha256');
  for (const digest of pieceDigests) hash.update(Buffer.from(digest, 'hex'));
  return hash.digest('hex');
}

/** Number of pieces a file of `size` bytes has at `pieceSize` (zero for an empty file). */
export function pieceCount(size: number, pieceSize: number): number {
  return Math.ceil(size / pieceSize);
}

/**
 * Validates a manifest from a client against the declared size and returns it in
 * canonical form (lower-case hex). Throws `ERR_VALIDATION` saying what is wrong.
 */
export function parseManifest(input: unknown, size: number): PieceManifest {
  const bad = (message: string): never => {
    throw new ChatFilesError('ERR_VALIDATION', `manifest: ${message}`);
  };
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return bad('must be an object { piece_size, pieces, root }.');
  }
  const { piece_size: pieceSize, pieces, root } = input as Fields;
  if (
    typeof pieceSize !== 'number' ||
    !Number.isSafeInteger(pieceSize) ||
    pieceSize < MIN_PIECE_SIZE ||
    pieceSize > MAX_PIECE_SIZE
  ) {
    return bad(`piece_size must be an integer from ${MIN_PIECE_SIZE} to ${MAX_PIECE_SIZE}.`);
  }
  const expected = pieceCount(size, pieceSize);
  if (expected > MAX_PIECES) {
    return bad(`${expected} pieces is more than ${MAX_PIECES}; use a larger piece_size.`);
  }
  if (!Array.isArray(pieces) || pieces.length !== expected) {
    return bad(`pieces must list ${expected} digests for ${size} bytes at ${pieceSize} per piece.`);
  }
  const normalized = pieces.map((digest) =>
    typeof digest === 'string' ? digest.toLowerCase() : '',
  );
  if (!normalized.every((digest) => HEX_SHA256.test(digest))) {
    return bad('every piece must be a hex SHA-256 digest.');
  }
  if (typeof root !== 'string' || root.toLowerCase() !== manifestRoot(normalized)) {
    return bad('root must be the SHA-256 of the concatenated piece digests.');
  }
  return { piece_size: pieceSize, pieces: normalized, root: root.toLowerCase() };
}

/** True when two manifests describe the same content at the same piece size. */
export function sameManifest(a: PieceManifest, b: PieceManifest): boolean {
  return (
    a.piece_size === b.piece_size &&
    a.root === b.root &&
    a.pieces.length === b.pieces.length &&
    a.pieces.every((digest, i) => digest === b.pieces[i])
  );
}

/** Raised by {@link ContentHasher} when more bytes arrive than allowed. */
export class TooManyBytesError extends Error {
  constructor(readonly limit: number) {
    super(`more than ${limit} bytes`);
    this.name = 'TooManyBytesError';
  }
}

/**
 * A pass-through stream that hashes what flows through it (whole-file SHA-256 and MD5,
 * SHA-256 per piece), keeps the first bytes for type detection, and fails with
 * {@link TooManyBytesError} as soon as more than `maxBytes` have passed.
 */
export class ContentHasher extends Transform {
  private readonly sha256 = createHash('sha256');
  private readonly md5 = createHash('md5');
  private readonly pieces: string[] = [];
  private piece: Hash = createHash('sha256');
  private pieceFill = 0;
  private size = 0;
  private headParts: Buffer[] = [];
  private headLength = 0;

  constructor(
    private readonly pieceSize: number,
    private readonly maxBytes = Number.POSITIVE_INFINITY,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      callback(new TooManyBytesError(this.maxBytes));
      return;
    }
    this.sha256.update(chunk);
    this.md5.update(chunk);
    if (this.headLength < SNIFF_BYTES) {
      const part = chunk.subarray(0, SNIFF_BYTES - this.headLength);
      this.headParts.push(Buffer.from(part));
      this.headLength += part.length;
    }
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(this.pieceSize - this.pieceFill, chunk.length - offset);
      this.piece.update(chunk.subarray(offset, offset + take));
      this.pieceFill += take;
      offset += take;
      if (this.pieceFill === this.pieceSize) this.closePiece();
    }
    callback(null, chunk);
  }

  private closePiece(): void {
    this.pieces.push(this.piece.digest('hex'));
    this.piece = createHash('sha256');
    this.pieceFill = 0;
  }

  /** The digest; call once, after the stream has finished. */
  digest(): ContentDigest {
    if (this.pieceFill > 0) this.closePiece();
    return {
      size: this.size,
      sha256: this.sha256.digest('hex'),
      md5: this.md5.digest('hex'),
      manifest: {
        piece_size: this.pieceSize,
        pieces: this.pieces,
        root: manifestRoot(this.pieces),
      },
      head: Buffer.concat(this.headParts),
    };
  }
}

/** Hashes a readable to its end. */
export async function hashStream(source: Readable, pieceSize: number): Promise<ContentDigest> {
  const hasher = new ContentHasher(pieceSize);
  await pipeline(source, hasher, async (chunks: AsyncIterable<Buffer>) => {
    for await (const _ of chunks) {
      // Draining is the point: the hasher sees every byte on the way through.
    }
  });
  return hasher.digest();
}

/** Hashes a file on disk. */
export function hashFile(filePath: string, pieceSize: number): Promise<ContentDigest> {
  return hashStream(createReadStream(filePath), pieceSize);
}
