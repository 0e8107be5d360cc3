/**
 * The one sanitizer for file names that enter the system: local shares, uploads and
 * federated file objects all go through {@link cleanDisplayName}, and every name used as
 * a file name on disk or in `Content-Disposition` through {@link sanitizeFileName}.
 * Names are display text only: blobs are named by random ids, never by these. Shared by
 * the server and the browser, so a name looks the same wherever it came from.
 */

/**
 * Longest display name, in characters. Longer names are truncated (keeping the
 * extension) rather than refused: a user dropping a file with a long name expects the
 * share to work, and 255 is what most filesystems allow anyway.
 */
export const MAX_NAME_LENGTH = 255;

/** Longest `sanitized_name`, in UTF-8 bytes (the usual filesystem limit). */
export const MAX_SANITIZED_BYTES = 255;

/** Longest name accepted from the wire before cleaning; longer input is refused, not cut. */
export const MAX_RAW_NAME_LENGTH = 4096;

/** Longest extension kept intact when a name is truncated. */
const MAX_KEPT_EXTENSION = 16;

// C0 and C1 controls (NUL included) never belong in a name; bidi overrides let a name
// like "gnp.exe" display as "exe.png", and invisible characters (zero-width space, word
// joiner, byte-order mark) hide what a name really is, so they go too.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/g;
const BIDI_CONTROLS = /[\u061c\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]/g;
// Characters that are separators or reserved on Windows, macOS or Linux.
const RESERVED_CHARS = /[<>:"/\\|?*]+/g;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;

const utf8 = new TextEncoder();

const splitExtension = (name: string): [string, string] => {
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || name.length - dot > MAX_KEPT_EXTENSION + 1) return [name, ''];
  return [name.slice(0, dot), name.slice(dot)];
};

/** Truncates by a measure of length, keeping the extension when there is room for it. */
function truncate(name: string, fits: (s: string) => boolean): string {
  if (fits(name)) return name;
  const [base, extension] = splitExtension(name);
  const points = Array.from(base);
  // Binary search for the longest base that fits with its extension.
  let low = 0;
  let high = points.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(points.slice(0, mid).join('') + extension)) low = mid;
    else high = mid - 1;
  }
  const kept = points.slice(0, low).join('') + extension;
  if (fits(kept) && low > 0) return kept;
  // The extension alone is too long: cut the whole name.
  const all = Array.from(name);
  let end = all.length;
  while (end > 0 && !fits(all.slice(0, end).join(''))) end--;
  return all.slice(0, end).join('');
}

/**
 * The display name: control and bidi-override characters removed, whitespace trimmed,
 * truncated to {@link MAX_NAME_LENGTH} characters keeping the extension; `file` when
 * nothing is left.
 */
export function cleanDisplayName(raw: string): string {
  const cleaned = raw.replace(CONTROL_CHARS, '').replace(BIDI_CONTROLS, '').trim();
  if (cleaned === '') return 'file';
  return truncate(cleaned, (s) => Array.from(s).length <= MAX_NAME_LENGTH);
}

/**
 * A name safe to save under on any common filesystem: no separators, no reserved
 * characters or device names, no leading dots (so never `.` or `..` or hidden), at most
 * {@link MAX_SANITIZED_BYTES} UTF-8 bytes.
 */
export function sanitizeFileName(raw: string): string {
  let name = cleanDisplayName(raw)
    .replace(RESERVED_CHARS, '_')
    .replace(/^[.\s]+/, '')
    .replace(/[.\s]+$/, '');
  if (name === '') name = 'file';
  if (WINDOWS_RESERVED.test(name)) name = `_${name}`;
  return truncate(name, (s) => utf8.encode(s).byteLength <= MAX_SANITIZED_BYTES);
}
