import { describe, expect, it } from 'vitest';
import { FailureLimiter } from '../../../../server/federation/rate-limiter.js';

describe('FailureLimiter', () => {
  it('blocks a key after the limit until the window passes', () => {
    let now = 1_000_000;
    const limiter = new FailureLimiter(3, 60_000, () => now);
    for (let i = 0; i < 3; i += 1) {
      expect(limiter.blocked('ip')).toBe(false);
      limiter.fail('ip');
    }
    expect(limiter.blocked('ip')).toBe(true);
    expect(limiter.blocked('other')).toBe(false);
    expect(limiter.retryAfterSeconds('ip')).toBe(60);
    now += 60_001;
    expect(limiter.blocked('ip')).toBe(false);
  });
});
