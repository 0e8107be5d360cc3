/**
 * The many-node limiter backend: counters in Redis (node-redis v4/v5 client), so every
 * node spends from one budget per key. Windows are fixed and expire in Redis itself.
 */
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { LimitDecision, Limiter, LimiterBackend, LimitRule } from './limiter.js';

/** The part of a node-redis client the backend needs (a connected `createClient()`). */
export interface RedisLimiterClient {
  isReady: boolean;
}

/** Options of {@link redisLimiterBackend}. */
export interface RedisLimiterOptions {
  /** Prefix of every key written. @default 'chat-files:limit' */
  keyPrefix?: string;
}

class RedisLimiter implements Limiter {
  constructor(private readonly limiter: RateLimiterRedis) {}

  async consume(key: string, points = 1): Promise<LimitDecision> {
    try {
      const res = await this.limiter.consume(key, points);
      return {
        allowed: true,
        remaining: res.remainingPoints,
        consumed: res.consumedPoints,
        retryAfterMs: res.msBeforeNext,
      };
    } catch (outcome) {
      if (!(outcome instanceof RateLimiterRes)) throw outcome;
      return {
        allowed: false,
        remaining: 0,
        consumed: outcome.consumedPoints,
        retryAfterMs: outcome.msBeforeNext,
      };
    }
  }

  async consumed(key: string): Promise<number> {
    return (await this.limiter.get(key))?.consumedPoints ?? 0;
  }

  async reset(key: string): Promise<void> {
    await this.limiter.delete(key);
  }
}

/** Limiters whose counters live in Redis, shared by every node using the same server. */
export function redisLimiterBackend(
  client: RedisLimiterClient,
  { keyPrefix = 'chat-files:limit' }: RedisLimiterOptions = {},
): LimiterBackend {
  return {
    create: (name: string, rule: LimitRule) =>
      new RedisLimiter(
        new RateLimiterRedis({
          storeClient: client,
          useRedisPackage: true,
          keyPrefix: `${keyPrefix}:${name}`,
          points: rule.points,
          // Whole seconds in Redis; sub-second windows round up to one second.
          duration: Math.max(1, Math.ceil(rule.windowMs / 1000)),
        }),
      ),
  };
}
