/**
 * A test client whose file worker's cache can be told to fail commits as a full browser
 * quota does (see {@link QuotaFailingCache}).
 */
import { wrap } from 'comlink';
import { makeClient, type MakeClientOptions } from './clients.js';
import type { QuotaWorkerControl } from './quota-worker.js';

/** Makes a client on the quota-failing worker; `failNextCommits(n)` fails its next n commits. */
export async function quotaClient(label: string, options: MakeClientOptions = {}) {
  let worker: Worker | null = null;
  const made = await makeClient(label, {
    ...options,
    fileWorker: () =>
      (worker = new Worker(new URL('./quota-worker.ts', import.meta.url), { type: 'module' })),
  });
  // Starts the worker (and its cache) so that it can be reached.
  await made.client.cache.record('none');
  const control = wrap<QuotaWorkerControl>(worker!);
  return { ...made, failNextCommits: (count: number) => control.failNextCommits(count) };
}
