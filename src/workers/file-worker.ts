/**
 * The file worker: hashing, thumbnails and the IndexedDB piece cache, off the main thread.
 * Exposed with comlink; the main thread reaches it through `src/core/worker-bridge.ts`,
 * which starts it lazily. One worker serves one cache database.
 */
import { expose } from 'comlink';
import { installErrorTransfer } from '../core/worker-errors.js';
import { createFileWorkerApi } from './file-worker-api.js';

export type { FileWorkerApi, FileWorkerConfig } from './file-worker-api.js';

installErrorTransfer();
expose(createFileWorkerApi());
