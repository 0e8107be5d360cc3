/**
 * Content types: normalizing what clients declare, the allow-list of
 * `server_seeding.allowed_mime_types`, magic-byte detection of common formats, and which
 * types are safe to show inline.
 */

import { GENERIC_TYPE } from '../src/core/wire/mime.js';

export { GENERIC_TYPE, isAllowedType, normalizeMimeType } from '../src/core/wire/mime.js';

/** A format recognised by its first bytes, and the declared types that may describe it. */
interface Format {
  name: string;
  matches(head: Buffer): boolean;
  declaredAs(mime: string): boolean;
}

const ascii = (head: Buffer, offset: number, text: string) =>
  head.length >= offset + text.length &&
  head.subarray(offset, offset + text.length).toString('latin1') === text;

const bytes = (head: Buffer, offset: number, values: number[]) =>
  head.length >= offset + values.length && values.every((v, i) => head[offset + i] === v);

const oneOf =
  (...types: string[]) =>
  (mime: string) =>
    types.includes(mime);

// MPEG audio frame header: 11 sync bits, then version and layer; layer 0 is ADTS (AAC).
const mpegFrame = (head: Buffer, adts: boolean) =>
  head.length >= 2 &&
  head[0] === 0xff &&
  (head[1]! & 0xe0) === 0xe0 &&
  (((head[1]! >> 1) & 0x03) === 0) === adts;

/** Formats checked by magic bytes, in the order they are tried. */
const FORMATS: readonly Format[] = [
  {
    name: 'png',
    matches: (h) => bytes(h, 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    declaredAs: oneOf('image/png', 'image/apng'),
  },
  {
    name: 'jpeg',
    matches: (h) => bytes(h, 0, [0xff, 0xd8, 0xff]),
    declaredAs: oneOf('image/jpeg', 'image/jpg', 'image/pjpeg'),
  },
  {
    name: 'gif',
    matches: (h) => ascii(h, 0, 'GIF87a') || ascii(h, 0, 'GIF89a'),
    declaredAs: oneOf('image/gif'),
  },
  {
    name: 'webp',
    matches: (h) => ascii(h, 0, 'RIFF') && ascii(h, 8, 'WEBP'),
    declaredAs: oneOf('image/webp'),
  },
  {
    name: 'wav',
    matches: (h) => ascii(h, 0, 'RIFF') && ascii(h, 8, 'WAVE'),
    declaredAs: oneOf('audio/wav', 'audio/x-wav', 'audio/wave', 'audio/vnd.wave'),
  },
  {
    name: 'pdf',
    matches: (h) => ascii(h, 0, '%PDF-'),
    declaredAs: oneOf('application/pdf', 'application/x-pdf'),
  },
  {
    name: 'zip',
    matches: (h) =>
      bytes(h, 0, [0x50, 0x4b, 0x03, 0x04]) ||
      bytes(h, 0, [0x50, 0x4b, 0x05, 0x06]) ||
      bytes(h, 0, [0x50, 0x4b, 0x07, 0x08]),
    // Office documents, EPUB, JAR and APK are zip archives too.
    declaredAs: (mime) =>
      oneOf('application/zip', 'application/x-zip-compressed', 'application/x-zip')(mime) ||
      mime.endsWith('+zip') ||
      mime.startsWith('application/vnd.openxmlformats-officedocument.') ||
      mime.startsWith('application/vnd.oasis.opendocument.') ||
      oneOf('application/java-archive', 'application/vnd.android.package-archive')(mime),
  },
  {
    name: 'mp4',
    matches: (h) => ascii(h, 4, 'ftyp'),
    // The ISO base media format also carries QuickTime, M4A, 3GP, AVIF and HEIF.
    declaredAs: (mime) =>
      /^(video|audio)\/(mp4|x-m4a|m4a|x-m4v|quicktime|3gpp|3gpp2)$/.test(mime) ||
      oneOf('image/avif', 'image/heic', 'image/heif')(mime),
  },
  {
    name: 'webm',
    matches: (h) => bytes(h, 0, [0x1a, 0x45, 0xdf, 0xa3]),
    declaredAs: oneOf('video/webm', 'audio/webm', 'video/x-matroska', 'audio/x-matroska'),
  },
  {
    name: 'ogg',
    matches: (h) => ascii(h, 0, 'OggS'),
    declaredAs: oneOf('audio/ogg', 'video/ogg', 'application/ogg', 'audio/opus', 'audio/vorbis'),
  },
  {
    name: 'mp3',
    matches: (h) => ascii(h, 0, 'ID3') || mpegFrame(h, false),
    declaredAs: oneOf('audio/mpeg', 'audio/mp3', 'audio/mpeg3', 'audio/x-mpeg-3', 'audio/x-mp3'),
  },
  {
    name: 'aac',
    matches: (h) => mpegFrame(h, true),
    declaredAs: oneOf('audio/aac', 'audio/x-aac', 'audio/aacp'),
  },
];

/** The format the first bytes show, by name (`png`, `zip`, ...), or `null`. */
export function detectFormat(head: Buffer): string | null {
  return FORMATS.find((format) => format.matches(head))?.name ?? null;
}

/**
 * Whether content starting with `head` may be described as `declared`: content of a
 * known format must be declared as that format, and a type that names a known format
 * must have its magic bytes. Other pairs (e.g. `text/csv`) cannot be checked and pass;
 * so does {@link GENERIC_TYPE}, which claims nothing.
 */
export function contentMatchesType(declared: string, head: Buffer): boolean {
  if (declared === GENERIC_TYPE) return true;
  const detected = FORMATS.find((format) => format.matches(head));
  if (detected) return detected.declaredAs(declared);
  return !FORMATS.some((format) => format.declaredAs(declared));
}

// Types a browser renders without running anything. HTML, SVG and XML are never on it:
// they can carry script that would run with the host's origin.
const INLINE_SAFE = new Set([
  'image/png',
  'image/apng',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/avif',
  'image/bmp',
  'audio/mpeg',
  'audio/ogg',
  'audio/wav',
  'audio/webm',
  'audio/mp4',
  'audio/aac',
  'audio/flac',
  'video/mp4',
  'video/webm',
  'video/ogg',
  'text/plain',
]);

/** Whether a type may be served `inline`; everything else is an attachment. */
export function isInlineSafe(mime: string): boolean {
  return INLINE_SAFE.has(mime);
}
