/**
 * Piece manifests: SHA-256 of every piece of a file and a root hash over the piece
 * digests, computed without ever holding more than a few pieces in memory.
 */
import { fromHex, pieceCount, pieceRange, toHex } from '../core/pieces.js';
import type { PieceManifest } from '../core/wire/protocol.js';

/**
 * Pieces read and hashed concurrently while building a manifest. `crypto.subtle.digest`
 * runs off the calling thread in Chromium and Firefox, so a small pipeline keeps disk reads
 * and hashing overlapped; more would only hold more piece buffers at once.
 */
const MANIFEST_PIPELINE_DEPTH = 4;

/** Lower-case hex SHA-256 of `bytes`. */
export async function sha256Hex(bytes: BufferSource): Promise<string> {
  return toHex(await crypto.subtle.digest('SHA-256', bytes));
}

/** The root hash: SHA-256 over the concatenated raw 32-byte piece digests. */
export async function manifestRoot(pieces: readonly string[]): Promise<string> {
  const raw = new Uint8Array(pieces.length * 32);
  pieces.forEach((hex, i) => raw.set(fromHex(hex), i * 32));
  return sha256Hex(raw);
}

/**
 * Builds the manifest of `blob` with pieces of `pieceSize` bytes. `onProgress` receives the
 * number of bytes hashed so far.
 */
export async function computeManifest(
  blob: Blob,
  pieceSize: number,
  onProgress?: (hashedBytes: number) => void,
): Promise<PieceManifest> {
  const count = pieceCount(blob.size, pieceSize);
  const pieces = new Array<string>(count);
  let next = 0;
  let hashed = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      const { start, end } = pieceRange(index, blob.size, pieceSize);
      pieces[index] = await sha256Hex(await blob.slice(start, end).arrayBuffer());
      hashed += end - start;
      onProgress?.(hashed);
    }
  };
  await Promise.all(Array.from({ length: Math.min(MANIFEST_PIPELINE_DEPTH, count) }, worker));
  return { piece_size: pieceSize, pieces, root: await manifestRoot(pieces) };
}

/** True when the manifest's root really is the hash of its piece digests. */
export async function rootMatches(manifest: PieceManifest): Promise<boolean> {
  return (await manifestRoot(manifest.pieces)) === manifest.root;
}
