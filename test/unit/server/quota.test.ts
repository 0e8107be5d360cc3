import { describe, expect, it } from 'vitest';
import { formatBytes, quotaExceededMessage, tierFor } from '../../../server/quota.js';

describe('quota', () => {
  const tiers = { default: 100 * 1024 ** 2, pro: 5 * 1024 ** 3, enterprise: 100 * 1024 ** 3 };

  it('picks the most generous tier among the user groups, else default', () => {
    expect(tierFor([], tiers)).toEqual({ name: 'Free', limit: 100 * 1024 ** 2 });
    expect(tierFor(['staff', 'pro'], tiers)).toEqual({ name: 'pro', limit: 5 * 1024 ** 3 });
    expect(tierFor(['pro', 'enterprise'], tiers)).toEqual({
      name: 'enterprise',
      limit: 100 * 1024 ** 3,
    });
    expect(tierFor(['default'], tiers).name).toBe('Free');
    expect(tierFor(['toString'], tiers).name).toBe('Free');
    expect(tierFor(['small'], { default: 100, small: 10 })).toEqual({ name: 'small', limit: 10 });
  });

  it('writes the refusal the reference doc shows', () => {
    expect(quotaExceededMessage(95 * 1024 ** 2, { name: 'Free', limit: 100 * 1024 ** 2 })).toBe(
      'Storage limit exceeded. Using 95MB of 100MB (Free tier).',
    );
    expect(formatBytes(0)).toBe('0B');
    expect(formatBytes(1536)).toBe('1.5KB');
    expect(formatBytes(5 * 1024 ** 3)).toBe('5GB');
  });
});
