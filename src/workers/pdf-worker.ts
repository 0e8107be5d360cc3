/**
 * The PDF worker: renders first pages with pdf.js away from the page, for previews and for
 * the thumbnail a shared PDF carries. It is separate from the file worker so that pdf.js is
 * only loaded when a PDF is previewed or shared.
 */
import { expose, transfer } from 'comlink';
import { renderPdfFirstPage, type PdfPage } from './pdf-render.js';
import { THUMBNAIL_EDGE_PX, thumbnailFromBitmap, type Thumbnail } from './thumbnail.js';

export type { PdfPage };

const api = {
  /** Page 1 of `blob`, longest edge at most `maxEdge` px; the bitmap is transferred. */
  async renderFirstPage(blob: Blob, maxEdge: number): Promise<PdfPage> {
    const page = await renderPdfFirstPage(blob, maxEdge);
    return transfer(page, [page.bitmap]);
  },

  /**
   * Page 1 of `blob` as a thumbnail data URL no longer than `maxChars`, like an image's;
   * `null` when pdf.js cannot open the file or nothing small enough can be produced.
   */
  async firstPageThumbnail(blob: Blob, maxChars: number): Promise<Thumbnail | null> {
    let page: PdfPage;
    try {
      page = await renderPdfFirstPage(blob, THUMBNAIL_EDGE_PX);
    } catch {
      return null; // corrupt, encrypted or unreadable: the share goes on without a thumbnail
    }
    try {
      return await thumbnailFromBitmap(page.bitmap, maxChars);
    } finally {
      page.bitmap.close();
    }
  },
};

/** The API the PDF worker exposes over comlink. */
export type PdfWorkerApi = typeof api;

expose(api);
