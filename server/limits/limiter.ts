/**
 * Counters that limit how often something may happen per key. The interface is small so
 * the same policy runs on one node (memory) or many (Redis, shared counters).
 */

/** A budget: `points` per `windowMs`, refilled when the window ends. */
export interface LimitRule {
  /** Points available per window. */
  points: number;
  /** Length of the window, in milliseconds. */
  windowMs: number;
}

/** The answer to taking points from a key's budget. */
export interface LimitDecision {
  /** True when the points were available and are now spent. */
  allowed: boolean;
  /** Points left in the current window (0 when refused). */
  remaining: number;
  /** Points spent in the current window, this call included. */
  consumed: number;
  /** Milliseconds until the window ends and the budget refills. */
  retryAfterMs: number;
}

/** One named budget, applied per key. */
export interface Limiter {
  /** Spends `points` (default 1) of `key`'s budget, or reports when it refills. */
  consume(key: string, points?: number): Promise<LimitDecision>;
  /** Points spent by `key` in the current window, without spending any. */
  consumed(key: string): Promise<number>;
  /** Forgets `key`'s spending (its budget is full again). */
  reset(key: string): Promise<void>;
}

/** Makes limiters; one backend per server, shared by every rule. */
export interface LimiterBackend {
  /** A limiter for `rule`; `name` keeps its keys apart from other rules' keys. */
  create(name: string, rule: LimitRule): Limiter;
}
