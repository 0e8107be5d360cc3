/**
 * First pages of PDFs for previews and thumbnails, drawn by the PDF worker (started on
 * the first PDF, shared by every element on the page). When it cannot render (a broken
 * file, a page whose CSP forbids the worker) the promise rejects and the element offers
 * to open the file instead.
 */
import { wrap, type Remote } from 'comlink';
import type { PdfPage, PdfWorkerApi } from '../../workers/pdf-worker.js';

export type { PdfPage };

let remote: Promise<Remote<PdfWorkerApi>> | null = null;

function worker(): Promise<Remote<PdfWorkerApi>> {
  remote ??= import('../../workers/pdf-worker.ts?worker&inline').then(({ default: PdfWorker }) =>
    wrap<PdfWorkerApi>(new PdfWorker({ name: 'chat-files-pdf' })),
  );
  return remote;
}

/** Renders page 1 of `blob` with its longest edge at most `maxEdge` pixels. */
export async function renderPdfFirstPage(blob: Blob, maxEdge: number): Promise<PdfPage> {
  return (await worker()).renderFirstPage(blob, maxEdge);
}
