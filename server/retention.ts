/**
 * Retention of server copies: unclaimed uploads expire after `temp_cache_minutes`, the
 * server cap evicts unclaimed copies oldest-first, and leftovers of crashes (partial
 * writes, blobs without a record, records without bytes) are cleaned up. Claimed
 * (permanent) copies are never removed here.
 */
import { completeRemoval, type ServerContext } from './context.js';

/** Leftover files younger than this may belong to a write still in progress elsewhere. */
export const LEFTOVER_GRACE_MS = 60 * 60 * 1000;

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
}

/**
 * Reconciles blob storage with the store: deletes partial writes and blob files no record
 * refers to (older than {@link LEFTOVER_GRACE_MS}), and drops records whose bytes are gone.
 */
export async function reconcileStorage(
  ctx: ServerContext,
): Promise<Pick<CleanupReport, 'leftovers' | 'missing'>> {
  let leftovers = await ctx.blobs.sweepIncomplete(LEFTOVER_GRACE_MS);
  const known = new Set(await ctx.store.blobIds());
  for (const id of await ctx.blobs.list(LEFTOVER_GRACE_MS)) {
    if (!known.has(id)) {
      await ctx.blobs.delete(id);
      leftovers++;
    }
  }
  // One listing rather than a request per blob: on object storage that is a page of a
  // thousand keys per request instead of a HEAD per file. Listed after the store was
  // read, so every blob the store knew of and still has is in it.
  const present = new Set(await ctx.blobs.list());
  const missing = [...known].filter((id) => !present.has(id));
  if (missing.length > 0) {
    ctx.logger.warn(`${missing.length} stored file(s) lost their bytes; their records are dropped`);
    await completeRemoval(ctx, await ctx.store.dropBlobs(missing), 'removed');
  }
  return { leftovers, missing: missing.length };
}

/** Runs every retention rule once. */
export async function runCleanup(ctx: ServerContext): Promise<CleanupReport> {
  await ctx.ready;
  const { temp_cache_minutes: minutes, max_total_storage_bytes: cap } = ctx.config.server_seeding;
  let expired = 0;
  if (minutes !== false) {
    const result = await ctx.store.expireUnclaimed(ctx.now() - minutes * 60_000);
    expired = result.removed.length;
    await completeRemoval(ctx, result, 'expired');
  }
  const eviction = await ctx.store.enforceCap(cap);
  await completeRemoval(ctx, eviction, 'evicted');
  const { leftovers, missing } = await reconcileStorage(ctx);
  return { expired, evicted: eviction.removed.length, leftovers, missing };
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
