/** pdf.js's parser module, loaded into the PDF worker itself (it ships no types). */
declare module 'pdfjs-dist/build/pdf.worker.mjs' {
  export const WorkerMessageHandler: unknown;
}
