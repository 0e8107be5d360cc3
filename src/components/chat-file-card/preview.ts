/**
 * The inline preview of a downloaded file: an image (opens the lightbox), a video with its
 * first frame as poster, audio with its duration, the first page of a PDF drawn by the PDF
 * worker (or an "Open" fallback), or text, shown as text and never parsed as HTML, folded
 * after a few lines. Every source is the file's own bytes as an object URL: a preview
 * never fetches anything from the network.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { formatClock, type ChatFilesStrings } from '../shared/strings.js';
import { fileKind, INLINE_IMAGE_TYPES } from '../shared/file-kind.js';
import { renderPdfFirstPage } from '../../core/pdf-pages.js';

/** The most text read for a preview; larger files are cut with a note. */
export const TEXT_PREVIEW_BYTES = 256 * 1024;
/** Text longer than this is folded behind "Show more". */
export const TEXT_FOLD_CHARS = 600;
/** Text with more lines than this is folded behind "Show more". */
export const TEXT_FOLD_LINES = 10;
/** Longest edge of a PDF page preview, in CSS pixels at 2x density. */
const PDF_PREVIEW_EDGE_PX = 640;

/** What the preview shows. */
export interface PreviewContent {
  /** Object URL of the file (images, media, PDF). */
  url?: string;
  /** Text content for text files. */
  text?: string;
  truncated?: boolean;
  /** The first page of a PDF, drawn. */
  pdfPage?: ImageBitmap;
  /** Pages of a PDF. */
  pdfPages?: number;
  /** The PDF could not be drawn: offer to open it instead. */
  pdfFailed?: boolean;
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
    const content: PreviewContent = { url: URL.createObjectURL(typed) };
    if (kind === 'pdf') {
      try {
        const page = await renderPdfFirstPage(typed, PDF_PREVIEW_EDGE_PX);
        content.pdfPage = page.bitmap;
        content.pdfPages = page.pages;
      } catch {
        content.pdfFailed = true;
      }
    }
    return content;
  }
  return {};
}

/** Frees what a preview holds. */
export function releasePreview(content: PreviewContent | null): void {
  if (content?.url) URL.revokeObjectURL(content.url);
  content?.pdfPage?.close();
}

/** Whether text is long enough to fold. */
export function foldsText(text: string): boolean {
  return (
    text.length > TEXT_FOLD_CHARS || text.split('\n', TEXT_FOLD_LINES + 2).length > TEXT_FOLD_LINES
  );
}

/** How the card reacts to the preview. */
export interface PreviewHandlers {
  openImage: () => void;
  textExpanded: boolean;
  toggleText: () => void;
  onMediaMetadata: (event: Event) => void;
}

/** Renders the preview element for the content. */
export function renderPreview(
  content: PreviewContent,
  mimeType: string,
  name: string,
  strings: ChatFilesStrings,
  handlers: PreviewHandlers,
): TemplateResult | typeof nothing {
  const kind = fileKind(mimeType);
  if (content.text !== undefined) {
    const folds = foldsText(content.text);
    const folded = folds && !handlers.textExpanded;
    return html`<div class="card__text ${folded ? 'card__text--folded' : ''}">
        <pre part="preview-text" tabindex="0" aria-label=${name}>
${content.text}${content.truncated && !folded ? `\n${strings.textTruncated}` : ''}</pre>
      </div>
      ${
        folds
          ? html`<button
              type="button"
              class="card__more"
              aria-expanded=${handlers.textExpanded ? 'true' : 'false'}
              @click=${handlers.toggleText}
            >
              ${handlers.textExpanded ? strings.showLess : strings.showMore}
            </button>`
          : nothing
      }`;
  }
  if (!content.url) return nothing;
  switch (kind) {
    case 'image':
      return html`<button
        type="button"
        class="card__image"
        aria-label=${`${strings.lightboxLabel}: ${name}`}
        @click=${handlers.openImage}
      >
        <img part="preview-image" src=${content.url} alt=${name} />
      </button>`;
    case 'video':
      // The bytes are local: loading them all lets the browser show the first frame as the
      // poster. (A `#t=` fragment would too, but its seek is mirrored to the room.)
      return html`<video
        part="preview-media"
        src=${content.url}
        controls
        preload="auto"
        aria-label=${name}
        @loadedmetadata=${handlers.onMediaMetadata}
      ></video>`;
    case 'audio':
      return html`<audio
        part="preview-media"
        src=${content.url}
        controls
        preload="metadata"
        aria-label=${name}
        @loadedmetadata=${handlers.onMediaMetadata}
      ></audio>`;
    case 'pdf':
      return content.pdfPage
        ? html`<canvas
            part="preview-pdf"
            class="card__pdf"
            role="img"
            aria-label=${name}
            width=${content.pdfPage.width}
            height=${content.pdfPage.height}
          ></canvas>`
        : html`<p class="card__preview-note">${strings.previewFailed}</p>`;
    default:
      return nothing;
  }
}

/** "0:07" for a media element's duration, or empty while unknown. */
export function mediaDuration(event: Event): string {
  const media = event.currentTarget as HTMLMediaElement;
  return Number.isFinite(media.duration) ? formatClock(media.duration) : '';
}
