/**
 * Test data: deterministic pseudo-random files built in slices (never one big buffer),
 * and byte-for-byte comparison of Blobs without loading them whole.
 */

/** Bytes per slice when building or comparing large test files. */
const SLICE = 1024 * 1024;

/** Fills `out` with a cheap deterministic stream seeded by `seed` and the absolute offset. */
function fill(out: Uint8Array, seed: number, offset: number): void {
  // xorshift32 per 4-byte word, keyed by position, so any slice can be generated alone.
  const words = new Uint32Array(out.buffer, out.byteOffset, out.byteLength >>> 2);
  let x = (seed ^ (offset / 4 + 0x9e3779b9)) >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    words[i] = x;
  }
  for (let i = words.length * 4; i < out.length; i++) out[i] = (seed + offset + i) & 0xff;
}

/** A File of `size` pseudo-random bytes, built slice by slice. */
export function makeTestFile(
  size: number,
  seed = 1,
  name = `test-${seed}.bin`,
  type = 'application/octet-stream',
): File {
  const parts: Blob[] = [];
  for (let offset = 0; offset < size; offset += SLICE) {
    const slice = new Uint8Array(Math.min(SLICE, size - offset));
    fill(slice, seed, offset);
    parts.push(new Blob([slice]));
  }
  return new File(parts, name, { type });
}

/** Index of the first differing byte of two Blobs, or -1 when they are equal. */
export async function firstDifference(a: Blob, b: Blob): Promise<number> {
  if (a.size !== b.size) return Math.min(a.size, b.size);
  for (let offset = 0; offset < a.size; offset += SLICE) {
    const [x, y] = await Promise.all([
      a.slice(offset, offset + SLICE).arrayBuffer(),
      b.slice(offset, offset + SLICE).arrayBuffer(),
    ]);
    const left = new Uint8Array(x);
    const right = new Uint8Array(y);
    for (let i = 0; i < left.length; i++) if (left[i] !== right[i]) return offset + i;
  }
  return -1;
}

/** Lower-case hex SHA-256 of a (small) Blob, computed on the main thread for comparison. */
export async function sha256OfBlob(blob: Blob): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** A unique IndexedDB name for one test's cache. */
export const uniqueCacheName = (label: string) =>
  `chat-files-test-${label}-${Math.random().toString(36).slice(2, 10)}`;
