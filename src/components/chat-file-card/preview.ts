/**
 * The inline preview of a downloaded file: image, video, audio, PDF or text. Text is
 * rendered as text, never parsed as HTML.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { fileKind, INLINE_IMAGE_TYPES } from '../shared/file-kind.js';
import type { ChatFilesStrings } from '../shared/strings.js';

/** The most text read for a preview; larger files are cut with a note. */
export const TEXT_PREVIEW_BYTES = 256 * 1024;

/** What the preview shows. */
export interface PreviewContent {
  /** Object URL of the file (images, media, PDF). */
  url?: string;
  /** Text content for text files. */
  text?: string;
  truncated?: boolean;
}

/** Reads what a preview of `file` needs. */
export async function loadPreview(file: Blob, mimeType: string): Promise<PreviewContent> {
  const kind = fileKind(mimeType);
  if (kind === 'text') {
    const text = await file.slice(0, TEXT_PREVIEW_BYTES).text();
    return { text, truncated: file.size > TEXT_PREVIEW_BYTES };
  }
  if (kind === 'image' && !INLINE_IMAGE_TYPES.has(mimeType.toLowerCase())) return {};
  if (kind === 'image' || kind === 'video' || kind === 'audio' || kind === 'pdf') {
    // A typed Blob keeps the browser from sniffing another type out of the bytes.
    const typed = file.type === mimeType ? file : new Blob([file], { type: mimeType });
    return { url: URL.createObjectURL(typed) };
  }
  return {};
}

/** Renders the preview element for the content. */
export function renderPreview(
  content: PreviewContent,
  mimeType: string,
  name: string,
  strings: ChatFilesStrings,
): TemplateResult | typeof nothing {
  const kind = fileKind(mimeType);
  if (content.text !== undefined) {
    return html`<pre part="preview-text" tabindex="0" aria-label=${name}>
${content.text}${content.truncated ? `\n${strings.textTruncated}` : ''}</pre>`;
  }
  if (!content.url) return nothing;
  switch (kind) {
    case 'image':
      return html`<img part="preview-image" src=${content.url} alt=${name} />`;
    case 'video':
      return html`<video
        part="preview-media"
        src=${content.url}
        controls
        preload="metadata"
        aria-label=${name}
      ></video>`;
    case 'audio':
      return html`<audio
        part="preview-media"
        src=${content.url}
        controls
        preload="metadata"
        aria-label=${name}
      ></audio>`;
    case 'pdf':
      return html`<iframe
        part="preview-pdf"
        src=${content.url}
        title=${name}
        sandbox="allow-same-origin"
      ></iframe>`;
    default:
      return nothing;
  }
}
