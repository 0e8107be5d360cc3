/**
 * The PDF preview worker: renders first pages with pdf.js away from the page. It is
 * separate from the file worker so that pdf.js is only loaded when a PDF is previewed.
 */
import { expose, transfer } from 'comlink';
import { renderPdfFirstPage, type PdfPage } from './pdf-render.js';

export type { PdfPage };

const api = {
  /** Page 1 of `blob`, longest edge at most `maxEdge` px; the bitmap is transferred. */
  async renderFirstPage(blob: Blob, maxEdge: number): Promise<PdfPage> {
    const page = await renderPdfFirstPage(blob, maxEdge);
    return transfer(page, [page.bitmap]);
  },
};

/** The API the PDF worker exposes over comlink. */
export type PdfWorkerApi = typeof api;

expose(api);
