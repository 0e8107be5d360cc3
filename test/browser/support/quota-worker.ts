/**
 * A file worker for tests whose cache is a {@link QuotaFailingCache}, with one more
 * method, `failNextCommits(count)`, that a test calls through its own comlink wrap.
 */
import { expose } from 'comlink';
import { installErrorTransfer } from '../../../src/core/worker-errors.js';
import { createFileWorkerApi } from '../../../src/workers/file-worker-api.js';
import { QuotaFailingCache } from './quota-failing-cache.js';

installErrorTransfer();

let cache: QuotaFailingCache | null = null;

expose({
  ...createFileWorkerApi((options) => (cache = new QuotaFailingCache(options))),
  /** The next `count` cache commits fail with a full quota. */
  failNextCommits(count: number): void {
    if (!cache) throw new Error('the worker has no cache yet');
    cache.failures = count;
  },
});

/** The extra control of this worker. */
export interface QuotaWorkerControl {
  failNextCommits(count: number): void;
}
