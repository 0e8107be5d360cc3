/**
 * Counts failures per key in a sliding window; past the limit the key is slowed down
 * (429) until the window passes. Used against share-token guessing and password tries.
 */

/** A fixed-window failure counter. */
export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    /** Failures allowed in the window. */
    private readonly limit: number,
    /** Window length in ms. */
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether `key` is currently blocked. */
  blocked(key: string): boolean {
    return this.recent(key).length >= this.limit;
  }

  /** Records a failure for `key`. */
  fail(key: string): void {
    const recent = this.recent(key);
    recent.push(this.now());
    this.failures.set(key, recent);
    if (this.failures.size > 10_000) this.prune();
  }

  /** Seconds until `key` may try again. */
  retryAfterSeconds(key: string): number {
    const oldest = this.recent(key)[0];
    return oldest === undefined
      ? 0
      : Math.max(1, Math.ceil((oldest + this.windowMs - this.now()) / 1000));
  }

  private recent(key: string): number[] {
    const cutoff = this.now() - this.windowMs;
    return (this.failures.get(key) ?? []).filter((at) => at > cutoff);
  }

  private prune(): void {
    for (const key of [...this.failures.keys()]) {
      if (this.recent(key).length === 0) this.failures.delete(key);
    }
  }
}
