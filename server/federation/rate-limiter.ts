/**
 * Failure counters with growing delays, against guessing (share tokens, share passwords).
 * A key may fail `free` times per window without cost; each failure past that doubles
 * the delay asked of the next attempt, up to `maxDelayMs`. Counters live in a
 * {@link Limiter}, so several nodes count one key's failures together.
 */
import type { Limiter, LimiterBackend } from '../limits/limiter.js';

/** Options of {@link FailureThrottle}. */
export interface FailureThrottleOptions {
  /** Failures per window that cost nothing. */
  free: number;
  /** Window after which a key's failures are forgotten, in ms. */
  windowMs: number;
  /** Delay after the first failure past `free`, in ms. @default 250 */
  baseDelayMs?: number;
  /** Longest delay, in ms. @default 30000 */
  maxDelayMs?: number;
}

/** Most failures counted per key; far above what any delay needs, so the counter cannot overflow. */
const MAX_COUNTED = 1_000_000;

/** The delay after `failures` failures, of which `free` cost nothing. */
export function growingDelayMs(
  failures: number,
  free: number,
  baseDelayMs: number,
  maxDelayMs: number,
): number {
  const over = failures - free;
  if (over <= 0) return 0;
  // 2^30 already exceeds any sensible cap; bounding the exponent keeps the number finite.
  return Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(over - 1, 30));
}

/** Counts failures per key and turns them into the delay owed by the next attempt. */
export class FailureThrottle {
  private readonly failures: Limiter;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(
    backend: LimiterBackend,
    name: string,
    private readonly options: FailureThrottleOptions,
  ) {
    this.failures = backend.create(name, { points: MAX_COUNTED, windowMs: options.windowMs });
    this.baseDelayMs = options.baseDelayMs ?? 250;
    this.maxDelayMs = options.maxDelayMs ?? 30_000;
  }

  /** Milliseconds the next attempt for `key` should wait (0 while failures are free). */
  async delayMs(key: string): Promise<number> {
    const failures = await this.failures.consumed(key);
    return growingDelayMs(failures, this.options.free, this.baseDelayMs, this.maxDelayMs);
  }

  /** Records a failure for `key`; resolves to the delay now owed by its next attempt. */
  async fail(key: string): Promise<number> {
    const { consumed } = await this.failures.consume(key);
    return growingDelayMs(consumed, this.options.free, this.baseDelayMs, this.maxDelayMs);
  }
}
