/**
 * The first page of a PDF drawn with pdf.js onto an `OffscreenCanvas`, inside a worker.
 * pdf.js runs its parser in this same worker (no second worker, no network): fonts are
 * drawn as paths and no CMap or standard-font data is fetched, so a preview never loads
 * anything but the file's own bytes.
 */
import * as pdfjs from 'pdfjs-dist';
import * as pdfjsWorker from 'pdfjs-dist/build/pdf.worker.mjs';

/** A rendered first page. */
export interface PdfPage {
  /** The page, ready to draw onto a canvas. */
  bitmap: ImageBitmap;
  /** Pages in the document. */
  pages: number;
}

/** Largest document parsed for a preview; bigger files show the "Open" fallback. */
export const PDF_PREVIEW_MAX_BYTES = 64 * 1024 * 1024;

// pdf.js looks for its parser here before trying to start a worker of its own.
(globalThis as { pdfjsWorker?: unknown }).pdfjsWorker = pdfjsWorker;

interface CanvasAndContext {
  canvas: OffscreenCanvas | null;
  context: OffscreenCanvasRenderingContext2D | null;
}

/** pdf.js's canvas factory, with `OffscreenCanvas` instead of `document.createElement`. */
class OffscreenCanvasFactory {
  create(width: number, height: number): CanvasAndContext {
    if (width <= 0 || height <= 0) throw new Error('Invalid canvas size');
    const canvas = new OffscreenCanvas(width, height);
    return { canvas, context: canvas.getContext('2d', { willReadFrequently: true }) };
  }
  reset(entry: CanvasAndContext, width: number, height: number): void {
    if (!entry.canvas) throw new Error('Canvas is not specified');
    entry.canvas.width = width;
    entry.canvas.height = height;
  }
  destroy(entry: CanvasAndContext): void {
    if (entry.canvas) entry.canvas.width = entry.canvas.height = 0;
    entry.canvas = null;
    entry.context = null;
  }
}

/** pdf.js's SVG filter factory, which needs a document; previews need no filters. */
class NoFilterFactory {
  addFilter(): string {
    return 'none';
  }
  addHCMFilter(): string {
    return 'none';
  }
  addAlphaFilter(): string {
    return 'none';
  }
  addLuminosityFilter(): string {
    return 'none';
  }
  addHighlightHCMFilter(): string {
    return 'none';
  }
  destroy(): void {}
}

/** Draws page 1 of `blob` so that its longest edge is at most `maxEdge` pixels. */
export async function renderPdfFirstPage(blob: Blob, maxEdge: number): Promise<PdfPage> {
  if (blob.size > PDF_PREVIEW_MAX_BYTES) throw new Error('The PDF is too large to preview.');
  const data = new Uint8Array(await blob.arrayBuffer());
  const task = pdfjs.getDocument({
    data,
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    isOffscreenCanvasSupported: true,
    stopAtErrors: false,
    verbosity: 0,
    CanvasFactory: OffscreenCanvasFactory,
    FilterFactory: NoFilterFactory,
  } as Parameters<typeof pdfjs.getDocument>[0]);
  try {
    const document = await task.promise;
    const page = await document.getPage(1);
    const base = page.getViewport({ scale: 1 });
    const scale = Math.min(4, maxEdge / Math.max(base.width, base.height));
    const viewport = page.getViewport({ scale });
    const canvas = new OffscreenCanvas(Math.ceil(viewport.width), Math.ceil(viewport.height));
    const context = canvas.getContext('2d')!;
    // Pages have no background of their own; paper is white.
    context.fillStyle = '#fff';
    context.fillRect(0, 0, canvas.width, canvas.height);
    await page.render({
      canvas: canvas as unknown as HTMLCanvasElement,
      canvasContext: context as unknown as CanvasRenderingContext2D,
      viewport,
    }).promise;
    return { bitmap: canvas.transferToImageBitmap(), pages: document.numPages };
  } finally {
    await task.destroy();
  }
}
