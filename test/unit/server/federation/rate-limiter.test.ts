import { describe, expect, it } from 'vitest';
import { FailureThrottle, growingDelayMs } from '../../../../server/federation/rate-limiter.js';
import { memoryLimiterBackend } from '../../../../server/limits/memory-limiter.js';

describe('growingDelayMs', () => {
  it('costs nothing up to the free failures, then doubles up to the cap', () => {
    const delays = [0, 1, 2, 3, 4, 5, 6, 7, 40, 10_000].map((n) => growingDelayMs(n, 3, 100, 1000));
    expect(delays).toEqual([0, 0, 0, 0, 100, 200, 400, 800, 1000, 1000]);
  });
});

describe('FailureThrottle', () => {
  it('asks a growing delay of a key past its free failures, and forgets them after the window', async () => {
    let now = 1_000_000;
    const throttle = new FailureThrottle(
      memoryLimiterBackend(() => now),
      'test',
      {
        free: 2,
        windowMs: 60_000,
        baseDelayMs: 100,
        maxDelayMs: 10_000,
      },
    );
    expect(await throttle.fail('ip')).toBe(0);
    expect(await throttle.fail('ip')).toBe(0);
    expect(await throttle.fail('ip')).toBe(100);
    expect(await throttle.fail('ip')).toBe(200);
    expect(await throttle.delayMs('ip')).toBe(200);
    expect(await throttle.delayMs('other')).toBe(0);
    now += 60_001;
    expect(await throttle.delayMs('ip')).toBe(0);
  });
});
