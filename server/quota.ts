/**
 * Upload tiers: which permanent-storage limit applies to a user, and how a refusal
 * reads ("Storage limit exceeded. Using 95MB of 100MB (Free tier).").
 */

/** A user's tier. */
export interface Tier {
  /** `Free` for the default tier, otherwise the group name. */
  name: string;
  /** Bytes of permanent storage allowed. */
  limit: number;
}

/** Display name of the `default` tier. */
export const DEFAULT_TIER_NAME = 'Free';

/**
 * The tier of a user: among the groups they belong to that have a tier, the one with the
 * largest limit (even when it is below `default`: a group tier is an explicit choice);
 * `default` when none has.
 */
export function tierFor(groups: readonly string[], tiers: Readonly<Record<string, number>>): Tier {
  let best: Tier | null = null;
  for (const group of groups) {
    if (group === 'default' || !Object.hasOwn(tiers, group)) continue;
    const limit = tiers[group]!;
    if (!best || limit > best.limit) best = { name: group, limit };
  }
  return best ?? { name: DEFAULT_TIER_NAME, limit: tiers.default ?? 0 };
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;

/** Bytes in binary units, compactly: `95MB`, `1.5GB`, `512KB`, `0B`. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const rounded = value >= 10 || unit === 0 ? Math.round(value) : Math.round(value * 10) / 10;
  return `${rounded}${UNITS[unit]}`;
}

/** The message of a refused claim. */
export function quotaExceededMessage(used: number, tier: Tier): string {
  return `Storage limit exceeded. Using ${formatBytes(used)} of ${formatBytes(tier.limit)} (${tier.name} tier).`;
}
