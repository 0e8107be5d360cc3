/**
 * Byte ranges per RFC 9110 §14: one `Range: bytes=...` range is served as 206, a range
 * that cannot be satisfied as 416, and anything else (other units, several ranges,
 * malformed specs) is ignored so the whole representation is served.
 */

/** The outcome of reading a `Range` header against a representation of `size` bytes. */
export type RangeRequest =
  { kind: 'none' } | { kind: 'range'; start: number; end: number } | { kind: 'unsatisfiable' };

const SPEC = /^(\d*)-(\d*)$/;

// Digits beyond the safe range still mean "very large", which is all a range needs.
const toNumber = (digits: string) => {
  const value = Number(digits);
  return Number.isSafeInteger(value) ? value : Number.MAX_SAFE_INTEGER;
};

/** Reads a `Range` header. */
export function parseRange(header: string | undefined, size: number): RangeRequest {
  if (header === undefined) return { kind: 'none' };
  const match = /^\s*bytes\s*=\s*(.*)$/i.exec(header);
  if (!match) return { kind: 'none' };
  const specs = match[1]!.split(',').map((spec) => spec.trim());
  // Serving several ranges needs multipart/byteranges; the whole file is the simple answer.
  if (specs.length !== 1) return { kind: 'none' };
  const spec = SPEC.exec(specs[0]!);
  if (!spec) return { kind: 'none' };
  const [, first, last] = spec as unknown as [string, string, string];
  if (first === '' && last === '') return { kind: 'none' };
  if (first === '') {
    const suffix = toNumber(last);
    if (suffix === 0) return { kind: 'unsatisfiable' };
    // §14.1.2: on an empty representation a non-zero suffix is the one satisfiable
    // range, yet no 206 can carry zero bytes; §14.2 lets the server ignore the Range
    // and send the (empty) whole.
    if (size === 0) return { kind: 'none' };
    return { kind: 'range', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = toNumber(first);
  if (last !== '' && toNumber(last) < start) return { kind: 'none' };
  if (start >= size) return { kind: 'unsatisfiable' };
  const end = last === '' ? size - 1 : Math.min(toNumber(last), size - 1);
  return { kind: 'range', start, end };
}

/**
 * Whether an `If-Range` precondition allows serving the range: only a strong ETag that
 * equals the current one does (dates are too coarse for content that can be replaced).
 */
export function ifRangeAllows(header: string | undefined, etag: string): boolean {
  if (header === undefined) return true;
  return header.trim() === etag;
}
