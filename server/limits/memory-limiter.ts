/**
 * The one-node limiter backend: fixed windows kept in this process's memory.
 */
import type { LimitDecision, Limiter, LimiterBackend, LimitRule } from './limiter.js';

/** Keys kept before expired windows are swept, so a flood of keys cannot grow memory forever. */
const SWEEP_ABOVE = 50_000;

interface Window {
  start: number;
  spent: number;
}

class MemoryLimiter implements Limiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly rule: LimitRule,
    private readonly now: () => number,
  ) {}

  private current(key: string): Window | undefined {
    const window = this.windows.get(key);
    if (window && this.now() - window.start >= this.rule.windowMs) {
      this.windows.delete(key);
      return undefined;
    }
    return window;
  }

  consume(key: string, points = 1): Promise<LimitDecision> {
    let window = this.current(key);
    if (!window) {
      if (this.windows.size >= SWEEP_ABOVE) this.sweep();
      window = { start: this.now(), spent: 0 };
      this.windows.set(key, window);
    }
    window.spent += points;
    const retryAfterMs = Math.max(0, window.start + this.rule.windowMs - this.now());
    const allowed = window.spent <= this.rule.points;
    return Promise.resolve({
      allowed,
      remaining: Math.max(0, this.rule.points - window.spent),
      consumed: window.spent,
      retryAfterMs,
    });
  }

  consumed(key: string): Promise<number> {
    return Promise.resolve(this.current(key)?.spent ?? 0);
  }

  reset(key: string): Promise<void> {
    this.windows.delete(key);
    return Promise.resolve();
  }

  private sweep(): void {
    for (const key of [...this.windows.keys()]) this.current(key);
  }
}

/** Limiters in this process's memory; counters are not shared with other nodes. */
export function memoryLimiterBackend(now: () => number = Date.now): LimiterBackend {
  return { create: (_name, rule) => new MemoryLimiter(rule, now) };
}
