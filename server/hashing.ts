/**
 * Content identity: SHA-256 and MD5 of a whole file, SHA-256 per piece, and the piece
 * manifest (piece size, piece digests, a root over them) that peers, relay and server
 * all check bytes against. Everything here streams; no file is held whole in memory, and
 * the hashing itself runs in worker threads ({@link HashSession}).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PieceManifest } from '../src/core/wire/protocol.js';
import { ChatFilesError } from './errors.js';
import { HashSession } from './uploads/hash-pool.js';
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
 * A pass-through stream that hashes what flows through it in a worker thread
 * (whole-file SHA-256 and MD5, SHA-256 per piece, all in one pass), keeps the first
 * bytes for type detection, and fails with {@link TooManyBytesError} as soon as more
 * than `maxBytes` have passed, before passing any of the excess on.
 */
export class ContentHasher extends Transform {
  private readonly session: HashSession;
  private size = 0;
  private headParts: Buffer[] = [];
  private headLength = 0;

  constructor(
    pieceSize: number,
    private readonly maxBytes = Number.POSITIVE_INFINITY,
  ) {
    super();
    this.session = new HashSession(pieceSize);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.size + chunk.length > this.maxBytes) {
      // The bytes up to the limit still go on, so the blob stops exactly there.
      const fits = chunk.subarray(0, this.maxBytes - this.size);
      this.size = this.maxBytes;
      if (fits.length > 0) this.push(fits);
      callback(new TooManyBytesError(this.maxBytes));
      return;
    }
    this.size += chunk.length;
    if (this.headLength < SNIFF_BYTES) {
      const part = chunk.subarray(0, SNIFF_BYTES - this.headLength);
      this.headParts.push(Buffer.from(part));
      this.headLength += part.length;
    }
    this.push(chunk);
    this.session.write(chunk, callback);
  }

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    if (error) this.session.cancel();
    callback(error);
  }

  /** The digest; call once, after the stream has finished. */
  async digest(): Promise<ContentDigest> {
    const { sha256, md5, pieces } = await this.session.finish();
    return {
      size: this.size,
      sha256,
      md5,
      manifest: { piece_size: this.session.pieceSize, pieces, root: manifestRoot(pieces) },
      head: Buffer.concat(this.headParts),
    };
  }

  /** Drops the running digest (the stream failed or was abandoned). */
  cancel(): void {
    this.session.cancel();
  }
}

/** Hashes a readable to its end. */
export async function hashStream(source: Readable, pieceSize: number): Promise<ContentDigest> {
  const hasher = new ContentHasher(pieceSize);
  try {
    await pipeline(source, hasher, async (chunks: AsyncIterable<Buffer>) => {
      for await (const _ of chunks) {
        // Draining is the point: the hasher sees every byte on the way through.
      }
    });
  } catch (error) {
    hasher.cancel();
    throw error;
  }
  return hasher.digest();
}

/** Hashes a file on disk. */
export function hashFile(filePath: string, pieceSize: number): Promise<ContentDigest> {
  return hashStream(createReadStream(filePath, { highWaterMark: 1024 * 1024 }), pieceSize);
}
