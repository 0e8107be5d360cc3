/**
 * Clears what a crashed process left in blob storage, at start rather than an hour later:
 * partial writes and committed blobs that no record refers to. Another node may be
 * uploading into the same storage right now, so only leftovers untouched for the stale
 * window go: a running upload writes at least every `upload_idle_timeout_seconds` (a body
 * idle for longer is cut off and its partial removed), and a blob gets its record right
 * after its last byte. The window is twice the idle timeout plus a margin for clock skew
 * between nodes sharing a directory. The sweep runs when the server starts and once more
 * when that window has passed, which catches the leftovers of a crash moments before.
 */
import type { ServerContext } from './context.js';

/** Added to twice the idle timeout: slack for slow disks and clocks of nodes apart. */
const STALE_MARGIN_MS = 5_000;

/** Leftovers untouched this long belong to no running upload on any node. */
export function staleWriteMs(ctx: Pick<ServerContext, 'config'>): number {
  return 2 * ctx.config.server_seeding.upload_idle_timeout_seconds * 1000 + STALE_MARGIN_MS;
}

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
  staleMs: number = staleWriteMs(ctx),
): Promise<SweepReport> {
  const partials = await ctx.blobs.sweepIncomplete(staleMs);
  // Blobs are listed after the ids are read, so a blob recorded in between is not taken
  // for an orphan (it is too young to be listed anyway).
  const known = new Set(await ctx.store.copies.blobIds());
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
 * Sweeps now and once more after the stale window. Returns a function that cancels the
 * second sweep (and waits for one that is running).
 */
export function startStartupSweep(ctx: ServerContext): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  const sweep = () => {
    running = sweepCrashLeftovers(ctx).catch((error: unknown) =>
      ctx.logger.warn(`cannot sweep leftovers of an earlier run: ${String(error)}`),
    );
  };
  sweep();
  const timer = setTimeout(sweep, staleWriteMs(ctx));
  timer.unref();
  return async () => {
    clearTimeout(timer);
    await running;
  };
}
