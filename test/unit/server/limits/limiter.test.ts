import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LimiterBackend } from '../../../../server/limits/limiter.js';
import { memoryLimiterBackend } from '../../../../server/limits/memory-limiter.js';
import { redisLimiterBackend } from '../../../../server/limits/redis-limiter.js';
import { startRedis, type TestService } from '../../../support/services.js';

let redis: TestService;
let client: ReturnType<typeof createClient>;

beforeAll(async () => {
  redis = await startRedis();
  client = createClient({ url: redis.url });
  await client.connect();
});
afterAll(async () => {
  await client?.quit();
  await redis?.stop();
});

let run = 0;
const backends: Array<[string, () => LimiterBackend]> = [
  ['memory', () => memoryLimiterBackend()],
  ['redis', () => redisLimiterBackend(client, { keyPrefix: `test-${++run}` })],
];

describe.each(backends)('Limiter contract (%s)', (_name, make) => {
  it('allows exactly `points` per window, then answers with the wait', async () => {
    const limiter = make().create('rule', { points: 3, windowMs: 60_000 });
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await limiter.consume('alice'));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
    expect(decisions[2]!.remaining).toBe(0);
    expect(decisions[3]!.retryAfterMs).toBeGreaterThan(50_000);
    expect(decisions[3]!.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect((await limiter.consume('bob')).allowed).toBe(true);
  });

  it('counts without spending, resets, and refills when the window ends', async () => {
    const limiter = make().create('short', { points: 1, windowMs: 1000 });
    expect(await limiter.consumed('k')).toBe(0);
    await limiter.consume('k');
    expect(await limiter.consumed('k')).toBe(1);
    expect((await limiter.consume('k')).allowed).toBe(false);
    await limiter.reset('k');
    expect((await limiter.consume('k')).allowed).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await limiter.consume('k')).allowed).toBe(true);
  });

  it('keeps rules apart', async () => {
    const backend = make();
    const a = backend.create('a', { points: 1, windowMs: 60_000 });
    const b = backend.create('b', { points: 1, windowMs: 60_000 });
    expect((await a.consume('same')).allowed).toBe(true);
    expect((await b.consume('same')).allowed).toBe(true);
  });
});

describe('redis limiter backend', () => {
  it('shares one budget between two backends on the same Redis (two nodes)', async () => {
    const nodeA = redisLimiterBackend(client, { keyPrefix: 'shared' }).create('r', {
      points: 2,
      windowMs: 60_000,
    });
    const nodeB = redisLimiterBackend(client, { keyPrefix: 'shared' }).create('r', {
      points: 2,
      windowMs: 60_000,
    });
    expect((await nodeA.consume('alice')).allowed).toBe(true);
    expect((await nodeB.consume('alice')).allowed).toBe(true);
    expect((await nodeA.consume('alice')).allowed).toBe(false);
    expect((await nodeB.consume('alice')).allowed).toBe(false);
  });
});
