/**
 * Upload locks shared by every node through Redis (node-redis): the tus {@link Locker}
 * that keeps two requests from writing one tus upload at once, and the
 * {@link UploadGate} that keeps two uploads from storing one file. Locks carry a time
 * to live that their holder renews, so a node that dies frees its locks by itself.
 */
import { randomBytes } from 'node:crypto';
import { ERRORS, type Lock, type Locker, type RequestRelease } from '@tus/server';
import { newGeneration, renewedPass, type UploadGate, type UploadPass } from './upload-gate.js';

/** The commands used here; a node-redis client (`createClient()`) has them. */
export interface RedisLockClient {
  set(
    key: string,
    value: string,
    options: { condition: 'NX'; expiration: { type: 'PX'; value: number } },
  ): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  publish(channel: string, message: string): Promise<unknown>;
}

/** A connection in subscriber mode (`client.duplicate()`, connected). */
export interface RedisLockSubscriber {
  subscribe(channel: string, listener: (message: string) => void): Promise<unknown>;
  unsubscribe(channel: string, listener?: (message: string) => void): Promise<unknown>;
}

/** Options of {@link RedisLocker} and {@link RedisUploadGate}. */
export interface RedisLocksOptions {
  /** Commands. */
  client: RedisLockClient;
  /** A second connection for release requests (tus locker only). */
  subscriber?: RedisLockSubscriber;
  /** Prefix of every key and channel. @default 'chat-files:' */
  prefix?: string;
  /** Milliseconds a lock lives unless its holder renews it. @default 30000 */
  ttlMs?: number;
  /** Milliseconds to wait for a held tus lock before answering 500 (lock timeout). @default 30000 */
  acquireTimeoutMs?: number;
}

/** Deletes `KEYS[1]` only while it still holds this holder's token. */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
/** Extends `KEYS[1]` only while it still holds this holder's token. */
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
/**
 * Re-entrant gate: takes or re-takes KEYS[1] for holder ARGV[1] for ARGV[2] ms, counting
 * the takes, and returns the entry's generation (ARGV[3] when the entry is new); nothing
 * while another holder has it.
 */
const GATE_ENTER = `local holder = redis.call('hget', KEYS[1], 'holder')
if holder and holder ~= ARGV[1] then return false end
if not holder then redis.call('hset', KEYS[1], 'holder', ARGV[1]) end
local generation = redis.call('hget', KEYS[1], 'generation')
if not generation then
  generation = ARGV[3]
  redis.call('hset', KEYS[1], 'generation', generation)
end
redis.call('hincrby', KEYS[1], 'count', 1)
redis.call('pexpire', KEYS[1], ARGV[2])
return generation`;
/** Gives back one take of KEYS[1] by holder ARGV[1] of generation ARGV[2]; the last one deletes it. */
const GATE_LEAVE = `if redis.call('hget', KEYS[1], 'holder') ~= ARGV[1] or redis.call('hget', KEYS[1], 'generation') ~= ARGV[2] then return 0 end
if redis.call('hincrby', KEYS[1], 'count', -1) <= 0 then redis.call('del', KEYS[1]) end
return 1`;
/** Renews KEYS[1] for ARGV[3] ms while holder ARGV[1] has it in generation ARGV[2]. */
const GATE_RENEW = `if redis.call('hget', KEYS[1], 'holder') == ARGV[1] and redis.call('hget', KEYS[1], 'generation') == ARGV[2] then return redis.call('pexpire', KEYS[1], ARGV[3]) else return 0 end`;

/** Delay between attempts to take a held tus lock. */
const RETRY_MS = 50;

/** A tus {@link Locker} in Redis: one holder per upload id across every node. */
export class RedisLocker implements Locker {
  readonly client: RedisLockClient;
  readonly subscriber: RedisLockSubscriber;
  readonly prefix: string;
  readonly ttlMs: number;
  readonly acquireTimeoutMs: number;

  constructor(options: RedisLocksOptions) {
    if (!options.subscriber) {
      throw new TypeError('RedisLocker: pass subscriber, a second connection (client.duplicate())');
    }
    this.client = options.client;
    this.subscriber = options.subscriber;
    this.prefix = options.prefix ?? 'chat-files:';
    this.ttlMs = options.ttlMs ?? 30_000;
    this.acquireTimeoutMs = options.acquireTimeoutMs ?? 30_000;
  }

  newLock(id: string): Lock {
    return new RedisLock(this, id);
  }
}

class RedisLock implements Lock {
  private readonly token = randomBytes(16).toString('hex');
  private readonly key: string;
  private readonly channel: string;
  private renewal: NodeJS.Timeout | null = null;
  private onRelease: ((message: string) => void) | null = null;

  constructor(
    private readonly locker: RedisLocker,
    id: string,
  ) {
    this.key = `${locker.prefix}tus-lock:${id}`;
    this.channel = `${locker.prefix}tus-lock-release:${id}`;
  }

  async lock(signal: AbortSignal, requestRelease: RequestRelease): Promise<void> {
    const { client, ttlMs, acquireTimeoutMs } = this.locker;
    const deadline = Date.now() + acquireTimeoutMs;
    let asked = false;
    for (;;) {
      const taken = await client.set(this.key, this.token, {
        condition: 'NX',
        expiration: { type: 'PX', value: ttlMs },
      });
      if (taken === 'OK') break;
      if (signal.aborted || Date.now() > deadline) throw ERRORS.ERR_LOCK_TIMEOUT;
      if (!asked) {
        // Ask whoever holds it, on whichever node, to finish up and let go.
        asked = true;
        await client.publish(this.channel, 'release');
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
    this.onRelease = () => void requestRelease();
    await this.locker.subscriber.subscribe(this.channel, this.onRelease);
    this.renewal = setInterval(() => {
      void client
        .eval(RENEW, { keys: [this.key], arguments: [this.token, String(ttlMs)] })
        .catch(() => undefined);
    }, ttlMs / 3);
    this.renewal.unref();
  }

  async unlock(): Promise<void> {
    if (this.renewal) clearInterval(this.renewal);
    this.renewal = null;
    if (this.onRelease) {
      await this.locker.subscriber.unsubscribe(this.channel, this.onRelease).catch(() => undefined);
      this.onRelease = null;
    }
    await this.locker.client.eval(RELEASE, { keys: [this.key], arguments: [this.token] });
  }
}

/** An {@link UploadGate} in Redis: one upload per file across every node. */
export class RedisUploadGate implements UploadGate {
  private readonly client: RedisLockClient;
  private readonly prefix: string;
  private readonly ttlMs: number;

  constructor(options: RedisLocksOptions) {
    this.client = options.client;
    this.prefix = options.prefix ?? 'chat-files:';
    this.ttlMs = options.ttlMs ?? 30_000;
  }

  async tryAcquire(fileId: string, holder: string): Promise<UploadPass | null> {
    const key = `${this.prefix}upload-gate:${fileId}`;
    const ttl = String(this.ttlMs);
    const generation = await this.client.eval(GATE_ENTER, {
      keys: [key],
      arguments: [holder, ttl, newGeneration()],
    });
    if (typeof generation !== 'string') return null;
    return renewedPass(
      this.ttlMs,
      () => this.client.eval(GATE_RENEW, { keys: [key], arguments: [holder, generation, ttl] }),
      async () => {
        await this.client.eval(GATE_LEAVE, { keys: [key], arguments: [holder, generation] });
      },
    );
  }
}
