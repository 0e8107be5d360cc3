/**
 * Readiness of one node for a load balancer: the metadata store and blob storage answer
 * a real round trip each. The host adds its own services (its database, the adapter's
 * broker) and says "not ready" while it drains.
 */
import type { ServerContext } from './context.js';

/** What {@link checkReadiness} found. */
export interface ReadinessReport {
  ready: boolean;
  /** Per dependency: true when it answered. */
  checks: { storage: boolean; store: boolean; blobs: boolean };
}

/**
 * Looked up in the store and blob storage: well-formed, but never issued (ids come from
 * `crypto`), so the lookup is a real round trip that finds nothing.
 */
const PROBE_ID = '0'.repeat(32);

/** Longest wait for one dependency. */
const CHECK_TIMEOUT_MS = 2000;

async function answers(check: () => Promise<unknown>): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), CHECK_TIMEOUT_MS);
  });
  const result = check().then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([result, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Asks the store and blob storage for something small; never throws. */
export async function checkReadiness(ctx: ServerContext): Promise<ReadinessReport> {
  const [storage, store, blobs] = await Promise.all([
    answers(() => ctx.ready),
    answers(() => ctx.store.files.get(PROBE_ID)),
    answers(() => ctx.blobs.size(PROBE_ID)),
  ]);
  return { ready: storage && store && blobs, checks: { storage, store, blobs } };
}
