/**
 * First pages of PDFs for previews and thumbnails, drawn by the PDF worker (started on
 * the first PDF, shared by every element on the page). When it cannot render (a broken
 * file, a page whose CSP forbids the worker) the promise rejects and the element offers
 * to open the file instead.
 */
import { wrap, type Remote } from 'comlink';
import type { PdfPage, PdfWorkerApi } from '../workers/pdf-worker.js';
import type { Thumbnail } from '../workers/thumbnail.js';

export type { PdfPage };

/**
 * Largest PDF given a thumbnail when shared. pdf.js needs the whole document in memory
 * while the share reads it again to hash it, and the share waits for the thumbnail: past
 * this size the card shows the PDF icon until the file is downloaded, as before.
 */
export const PDF_THUMBNAIL_MAX_BYTES = 16 * 1024 * 1024;
/** Longest wait for a shared PDF's thumbnail; a slower first page is left out. */
export const PDF_THUMBNAIL_TIMEOUT_MS = 4000;

let remote: Promise<Remote<PdfWorkerApi>> | null = null;

function worker(): Promise<Remote<PdfWorkerApi>> {
  remote ??= import('../workers/pdf-worker.ts?worker&inline').then(({ default: PdfWorker }) =>
    wrap<PdfWorkerApi>(new PdfWorker({ name: 'chat-files-pdf' })),
  );
  return remote;
}

/** Renders page 1 of `blob` with its longest edge at most `maxEdge` pixels. */
export async function renderPdfFirstPage(blob: Blob, maxEdge: number): Promise<PdfPage> {
  return (await worker()).renderFirstPage(blob, maxEdge);
}

/**
 * The thumbnail a shared PDF carries: its first page as a data URL no longer than
 * `maxChars`, in the same format as an image's. Resolves `null`, never rejects, when the
 * file is too large, pdf.js cannot open it, the worker cannot start, or the page takes
 * longer than {@link PDF_THUMBNAIL_TIMEOUT_MS}.
 */
export async function makePdfThumbnail(blob: Blob, maxChars: number): Promise<Thumbnail | null> {
  if (blob.size > PDF_THUMBNAIL_MAX_BYTES || typeof OffscreenCanvas === 'undefined') return null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), PDF_THUMBNAIL_TIMEOUT_MS);
  });
  const thumbnail = worker()
    .then((api) => api.firstPageThumbnail(blob, maxChars))
    .catch(() => null);
  try {
    return await Promise.race([thumbnail, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
