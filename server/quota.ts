/**
 * Upload tiers and quota: which permanent-storage limit applies to a user, how a refusal
 * reads ("Storage limit exceeded. Using 95MB of 100MB (Free tier)."), and the arithmetic
 * of claiming and releasing a server copy, done in one transaction with the user's quota
 * row locked, so concurrent claims on any number of nodes cannot overshoot a tier.
 */
import { formatBytes as formatSize } from '../src/core/wire/format.js';
import {
  userKey,
  type MetadataStore,
  type StorageClaim,
  type StoreScope,
} from './store/metadata-store.js';

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

/** Bytes as the quota messages write them, the elements' units without the space: `95MB`, `1.5GB`, `0B`. */
export function formatBytes(bytes: number): string {
  return formatSize(bytes).replace(' ', '');
}

/** The message of a refused claim. */
export function quotaExceededMessage(used: number, tier: Tier): string {
  return `Storage limit exceeded. Using ${formatBytes(used)} of ${formatBytes(tier.limit)} (${tier.name} tier).`;
}

/** Outcome of {@link claimStorage}. */
export type ClaimResult =
  | { status: 'claimed' | 'already_claimed'; total_stored_bytes: number }
  | { status: 'over_quota'; total_stored_bytes: number }
  | { status: 'no_server_copy' | 'suspended' };

/** Outcome of {@link releaseClaim}. */
export interface ReleaseResult {
  released: boolean;
  total_stored_bytes: number;
  /** Claims other users still hold on the file. */
  remaining_claims: number;
}

/** Whether `size` more bytes keep a user with `used` bytes within `limit`. */
export const fitsQuota = (used: number, size: number, limit: number): boolean =>
  used + size <= limit;

/**
 * Inside a transaction holding the storage lock: deletes a claim and gives its bytes
 * back to its user (never below zero).
 */
export async function refundClaim(
  tx: StoreScope,
  claim: StorageClaim,
  now: number,
): Promise<number> {
  const status = await tx.claims.lockStatus(claim.username, now);
  const total = Math.max(0, status.total_stored_bytes - claim.size);
  await tx.claims.delete(claim.id);
  await tx.claims.setTotal(claim.username, total, now);
  return total;
}

/**
 * Claims permanent storage of a file for a user, atomically: the server copy must
 * exist, and the user's total plus the copy's size must stay within `limit`.
 */
export function claimStorage(
  store: MetadataStore,
  input: { file_id: string; username: string; limit: number; now: number },
): Promise<ClaimResult> {
  return store.transaction(async (tx): Promise<ClaimResult> => {
    await tx.copies.lockStorage();
    const seed = await tx.copies.get(input.file_id, { lock: true });
    if (!seed) return { status: 'no_server_copy' };
    const status = await tx.claims.lockStatus(input.username, input.now);
    const total = status.total_stored_bytes;
    if (await tx.claims.get(input.file_id, input.username)) {
      return { status: 'already_claimed', total_stored_bytes: total };
    }
    if (status.suspended) return { status: 'suspended' };
    if (!fitsQuota(total, seed.size, input.limit)) {
      return { status: 'over_quota', total_stored_bytes: total };
    }
    await tx.claims.insert({
      id: userKey(input.file_id, input.username),
      file_id: input.file_id,
      username: input.username,
      claimed_at: input.now,
      size: seed.size,
    });
    await tx.claims.setTotal(input.username, total + seed.size, input.now);
    await tx.copies.setPermanent(input.file_id, true);
    return { status: 'claimed', total_stored_bytes: total + seed.size };
  });
}

/**
 * Releases a user's claim. Releasing never deletes the copy, which others may still use:
 * it stays permanent while others hold claims, and otherwise goes back to the temp
 * cache, its expiry window starting over now.
 */
export function releaseClaim(
  store: MetadataStore,
  input: { file_id: string; username: string; now: number },
): Promise<ReleaseResult> {
  return store.transaction(async (tx): Promise<ReleaseResult> => {
    await tx.copies.lockStorage();
    await tx.copies.get(input.file_id, { lock: true });
    const claim = await tx.claims.get(input.file_id, input.username);
    const total = claim
      ? await refundClaim(tx, claim, input.now)
      : (await tx.claims.status(input.username)).total_stored_bytes;
    const remaining = (await tx.claims.ofFile(input.file_id)).length;
    if (claim && remaining === 0) {
      await tx.copies.setPermanent(input.file_id, false);
      await tx.copies.recache(input.file_id, input.now);
    }
    return { released: claim !== null, total_stored_bytes: total, remaining_claims: remaining };
  });
}
