/**
 * `Content-Disposition` with a file name per RFC 6266: an ASCII `filename` fallback for
 * old clients and the exact name as UTF-8 in `filename*` (RFC 8187).
 */

/** How the browser should treat the response. */
export type DispositionType = 'inline' | 'attachment';

// RFC 8187 attr-char minus what encodeURIComponent leaves alone but attr-char forbids.
const encodeExtValue = (value: string) =>
  encodeURIComponent(value).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );

/** The header value for a name that is already safe as a file name. */
export function contentDisposition(type: DispositionType, filename: string): string {
  // Quoted-string fallback: printable ASCII only, without quote or backslash.
  const fallback = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `${type}; filename="${fallback}"; filename*=UTF-8''${encodeExtValue(filename)}`;
}
