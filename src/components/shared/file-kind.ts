/**
 * What kind of file a MIME type names, for icons, filters and previews.
 */
import { svg, type SVGTemplateResult } from 'lit';

/** A coarse file category. */
export type FileKind = 'image' | 'video' | 'audio' | 'pdf' | 'text' | 'archive' | 'other';

const TEXT_TYPES = new Set([
  'application/json',
  'application/xml',
  'application/javascript',
  'application/x-yaml',
  'application/yaml',
  'application/x-sh',
  'application/sql',
]);

/** The category of a MIME type. */
export function fileKind(mimeType: string): FileKind {
  const type = mimeType.toLowerCase().split(';')[0]!.trim();
  if (type.startsWith('image/')) return 'image';
  if (type.startsWith('video/')) return 'video';
  if (type.startsWith('audio/')) return 'audio';
  if (type === 'application/pdf') return 'pdf';
  if (type.startsWith('text/') || TEXT_TYPES.has(type)) return 'text';
  if (/zip|tar|gzip|x-7z|rar|compressed/.test(type)) return 'archive';
  return 'other';
}

/** Image types a browser decodes safely inline (never SVG: it can carry script). */
export const INLINE_IMAGE_TYPES = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/avif',
  'image/bmp',
]);

/** Whether the card can show an inline preview of this type. */
export function canPreview(mimeType: string): boolean {
  const kind = fileKind(mimeType);
  if (kind === 'image') return INLINE_IMAGE_TYPES.has(mimeType.toLowerCase());
  return kind === 'video' || kind === 'audio' || kind === 'pdf' || kind === 'text';
}

const ICON_PATHS: Record<FileKind, string> = {
  image: 'M4 5h16v14H4z M7 15l3-4 3 3 2-2 3 3 M9 9.5a1.5 1.5 0 1 0 0 .01',
  video: 'M4 6h11v12H4z M15 10l5-3v10l-5-3',
  audio:
    'M9 17V6l10-2v11 M9 17a2.5 2.5 0 1 1-5 0 2.5 2.5 0 0 1 5 0z M19 15a2.5 2.5 0 1 1-5 0 2.5 2.5 0 0 1 5 0z',
  pdf: 'M6 3h9l4 4v14H6z M15 3v4h4 M8.5 16h7 M8.5 12.5h7',
  text: 'M6 3h9l4 4v14H6z M15 3v4h4 M8.5 11h7 M8.5 14h7 M8.5 17h5',
  archive: 'M5 4h14v16H5z M12 4v2 M12 8v2 M12 12v2 M10.5 15h3v3h-3z',
  other: 'M6 3h9l4 4v14H6z M15 3v4h4',
};

/** A 24×24 outline icon for the kind, decorative (`aria-hidden`). */
export function fileIcon(kind: FileKind): SVGTemplateResult {
  return svg`<svg viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round"><path d=${ICON_PATHS[kind]}></path></svg>`;
}
