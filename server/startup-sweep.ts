/**
 * Clears what a crashed process left in blob storage, at start rather than an hour later:
 * partial writes and committed blobs that no record refers to. Another node may be
 * uploading into the same storage right now, so only leftovers untouched for
 * {@link STALE_WRITE_MS} go: a running upload writes far more often than that (a request
 * body idle for longer is cut off), and a blob gets its record right after its last byte.
 * The sweep runs when the server starts and once more when that window has passed, which
 * catches the leftovers of a crash moments before the restart.
 */
import type { ServerContext } from './context.js';

/** Leftovers untouched this long belong to no running upload on any node. */
export const STALE_WRITE_MS = 2 * 60_000;

/** What one sweep removed. */
export interface SweepReport {
  /** Partial writes deleted. */
  partials: number;
  /** Complete blobs without a record deleted. */
  orphans: number;
}

/** Deletes stale partial writes and blobs without a record. */
export async function sweepCrashLeftovers(
  ctx: ServerContext,
  staleMs: number = STALE_WRITE_MS,
): Promise<SweepReport> {
  const partials = await ctx.blobs.sweepIncomplete(staleMs);
  // Blobs are listed after the ids are read, so a blob recorded in between is not taken
  // for an orphan (it is too young to be listed anyway).
  const known = new Set(await ctx.store.blobIds());
  let orphans = 0;
  for (const id of await ctx.blobs.list(staleMs)) {
    if (known.has(id)) continue;
    await ctx.blobs.delete(id);
    orphans++;
  }
  if (partials + orphans > 0) {
    ctx.logger.info(
      `removed ${partials} partial upload(s) and ${orphans} unrecorded blob(s) left by an earlier run`,
    );
  }
  return { partials, orphans };
}

/**
 * Sweeps now and once more after {@link STALE_WRITE_MS}. Returns a function that cancels
 * the second sweep (and waits for one that is running).
 */
export function startStartupSweep(ctx: ServerContext): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  const sweep = () => {
    running = sweepCrashLeftovers(ctx).catch((error: unknown) =>
      ctx.logger.warn(`cannot sweep leftovers of an earlier run: ${String(error)}`),
    );
  };
  sweep();
  const timer = setTimeout(sweep, STALE_WRITE_MS);
  timer.unref();
  return async () => {
    clearTimeout(timer);
    await running;
  };
}
