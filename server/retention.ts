/**
 * Retention of server copies: unclaimed uploads expire after `temp_cache_minutes`, the
 * server cap evicts unclaimed copies in eviction order, and leftovers of crashes (partial
 * writes, blobs without a record, records without bytes) are cleaned up. Claimed
 * (permanent) copies are never removed here.
 *
 * Every job runs under a lease of the store, so on many nodes sharing one database only
 * one node runs it at a time. Reconciliation never drops a record because one node
 * cannot see its bytes: it only drops records whose blob is absent from the listing of
 * the *shared* blob storage (the one every node writes to) and was recorded more than
 * {@link LEFTOVER_GRACE_MS} ago, so a write still in progress on another node is safe.
 */
import { completeRemoval, type ServerContext } from './context.js';
import { dropBlobs, dropServerCopy, emptyRemoval, evict } from './server-copies.js';
import type { MetadataStore, RemovalResult } from './store/metadata-store.js';

/** Leftover files (and records without bytes) younger than this may belong to a write still in progress. */
export const LEFTOVER_GRACE_MS = 60 * 60 * 1000;

/** Name of the lease the retention job runs under. */
export const RETENTION_LEASE = 'retention';

// setInterval treats delays above 2^31-1 ms as 1 ms; longer periods are clamped.
const MAX_TIMER_DELAY = 2 ** 31 - 1;

/** What one cleanup run did. */
export interface CleanupReport {
  /** Unclaimed copies removed because their temp-cache window ended. */
  expired: number;
  /** Unclaimed copies evicted to get under `max_total_storage_bytes`. */
  evicted: number;
  /** Partial writes and unreferenced blob files deleted. */
  leftovers: number;
  /** Records dropped because their bytes were missing. */
  missing: number;
  /** False when another node held the lease, so this one did nothing. */
  ran: boolean;
}

/** The time before which an unclaimed copy cached is expired, or `null` when copies never expire. */
export function expiryCutoff(now: number, tempCacheMinutes: number | false): number | null {
  return tempCacheMinutes === false ? null : now - tempCacheMinutes * 60_000;
}

/** Removes every unclaimed server copy cached before `cutoff`. */
export function expireUnclaimed(
  store: MetadataStore,
  cutoff: number,
  now: number,
): Promise<RemovalResult> {
  return store.transaction(async (tx) => {
    const result = emptyRemoval();
    await tx.copies.lockStorage();
    for (const fileId of await tx.copies.unclaimedCachedBefore(cutoff)) {
      await dropServerCopy(tx, fileId, now, result);
    }
    return result;
  });
}

/** Evicts unclaimed copies in eviction order until all blobs fit in `maxTotalBytes`. */
export function enforceCap(
  store: MetadataStore,
  maxTotalBytes: number,
  now: number,
): Promise<RemovalResult> {
  return store.transaction(async (tx) => {
    const result = emptyRemoval();
    await tx.copies.lockStorage();
    const { total_bytes: total } = await tx.copies.usage();
    // When the cap was lowered below what claimed files use, evicting every unclaimed
    // copy is still the closest the store can get to it.
    if (total > maxTotalBytes) await evict(tx, total - maxTotalBytes, now, result, false);
    return result;
  });
}

/**
 * Reconciles blob storage with the store: deletes partial writes and blob files no record
 * refers to, and drops records whose bytes are absent from blob storage; both only past
 * {@link LEFTOVER_GRACE_MS}. Call it under the retention lease.
 */
export async function reconcileStorage(
  ctx: ServerContext,
): Promise<Pick<CleanupReport, 'leftovers' | 'missing'>> {
  let leftovers = await ctx.blobs.sweepIncomplete(LEFTOVER_GRACE_MS);
  const known = new Set(await ctx.store.copies.blobIds());
  for (const id of await ctx.blobs.list(LEFTOVER_GRACE_MS)) {
    if (!known.has(id)) {
      await ctx.blobs.delete(id);
      leftovers++;
    }
  }
  const settled = await ctx.store.copies.blobIds({ createdBefore: ctx.now() - LEFTOVER_GRACE_MS });
  // One listing rather than a request per blob: on object storage that is a page of a
  // thousand keys per request instead of a HEAD per file. Listed after the store was
  // read, so every blob the store knew of and still has is in it.
  const present = new Set(await ctx.blobs.list());
  const missing = settled.filter((id) => !present.has(id));
  if (missing.length > 0) {
    ctx.logger.warn(`${missing.length} stored file(s) lost their bytes; their records are dropped`);
    await completeRemoval(ctx, await dropBlobs(ctx.store, missing, ctx.now()), 'removed');
  }
  return { leftovers, missing: missing.length };
}

/** Runs start-up reconciliation under the retention lease (skipped while another node runs it). */
export async function reconcileOnce(ctx: ServerContext): Promise<void> {
  await countedRun(ctx, 'reconcile', () =>
    ctx.store.withLease(RETENTION_LEASE, () => reconcileStorage(ctx)),
  );
}

/** Runs a leased job and counts the run in the node's metrics (ok, skipped or error). */
async function countedRun<T extends { ran: boolean }>(
  ctx: ServerContext,
  job: string,
  run: () => Promise<T>,
): Promise<T> {
  try {
    const result = await run();
    ctx.metrics.jobRun(job, result.ran ? 'ok' : 'skipped');
    return result;
  } catch (error) {
    ctx.metrics.jobRun(job, 'error');
    throw error;
  }
}

/** Runs every retention rule once, unless another node is running them right now. */
export async function runCleanup(ctx: ServerContext): Promise<CleanupReport> {
  await ctx.ready;
  const lease = await countedRun(ctx, 'cleanup', () =>
    ctx.store.withLease(RETENTION_LEASE, async () => {
      const now = ctx.now();
      const { temp_cache_minutes: minutes, max_total_storage_bytes: cap } =
        ctx.config.server_seeding;
      let expired = 0;
      const cutoff = expiryCutoff(now, minutes);
      if (cutoff !== null) {
        const result = await expireUnclaimed(ctx.store, cutoff, now);
        expired = result.removed.length;
        await completeRemoval(ctx, result, 'expired');
      }
      const eviction = await enforceCap(ctx.store, cap, now);
      await completeRemoval(ctx, eviction, 'evicted');
      const { leftovers, missing } = await reconcileStorage(ctx);
      return { expired, evicted: eviction.removed.length, leftovers, missing, ran: true };
    }),
  );
  return lease.ran ? lease.value : { expired: 0, evicted: 0, leftovers: 0, missing: 0, ran: false };
}

/**
 * Starts the periodic cleanup every `cleanup_interval_hours`. The timer is `unref`ed so
 * it never keeps a process alive. The returned function stops it and waits for a run in
 * progress, so the store can be closed safely afterwards.
 */
export function startCleanupJob(ctx: ServerContext): () => Promise<void> {
  const period = Math.max(
    1,
    Math.min(ctx.config.server_seeding.cleanup_interval_hours * 3_600_000, MAX_TIMER_DELAY),
  );
  let running: Promise<void> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    running = runCleanup(ctx)
      .then(() => undefined)
      .catch((error: unknown) => ctx.logger.error('cleanup job failed', error))
      .finally(() => {
        running = null;
      });
  }, period);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
