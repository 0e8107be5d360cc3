/**
 * The Redis upload locks against a real Redis (test/support/services.ts): two
 * "nodes" are two separate connections, as two server processes would have.
 */
import { createClient } from 'redis';
import * as tus from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisLocker, RedisUploadGate } from '../../../../server/uploads/redis-locks.js';
import { startRedis, type TestService } from '../../../support/services.js';
import { startBareServer } from '../support/bare-server.js';
import { sharedLockerContract, sharedUploadGateContract } from './shared-locks.contract.js';
import { ack, bytesOf, manifestOf, sha256Hex } from '../support/helpers.js';

describe('Redis upload locks', () => {
  let redis: TestService;
  const clients: Array<{ close(): Promise<unknown> }> = [];
  const connect = async () => {
    const client = createClient({ url: redis.url });
    client.on('error', () => undefined);
    await client.connect();
    clients.push(client);
    return client;
  };
  /** One node's locker: a command connection and a subscriber connection. */
  const node = async (ttlMs = 30_000) => {
    const client = await connect();
    const subscriber = await connect();
    return {
      client,
      locker: new RedisLocker({ client, subscriber, ttlMs, acquireTimeoutMs: 5000 }),
    };
  };

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => undefined);
    await redis?.stop();
  });

  sharedLockerContract(() => ({ node: async () => (await node()).locker }));

  it('frees the lock of a node that died once its time to live runs out', async () => {
    const a = await node(400);
    const b = await node(400);
    const dead = a.locker.newLock('upload-2');
    await dead.lock(new AbortController().signal, () => undefined);
    // The node disappears: no renewal, no unlock, no answer to release requests.
    a.client.destroy();
    const started = Date.now();
    const next = b.locker.newLock('upload-2');
    await next.lock(new AbortController().signal, () => undefined);
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    await next.unlock();
  });

  sharedUploadGateContract(() => ({
    node: async () => new RedisUploadGate({ client: await connect() }),
    // The entry expired: Redis dropped it.
    lapse: async (fileId) => {
      const client = await connect();
      await client.del(`chat-files:upload-gate:${fileId}`);
    },
    entries: async () => {
      const client = await connect();
      const keys = await client.keys('chat-files:upload-gate:*');
      return keys.map((key) => key.slice('chat-files:upload-gate:'.length));
    },
  }));

  it('serves a tus upload through a server that uses them', async () => {
    const { client, locker } = await node();
    const server = await startBareServer({
      server: { uploadLocker: locker, uploadGate: new RedisUploadGate({ client }) },
    });
    try {
      const alice = server.user('alice');
      const socket = await alice.socket();
      const bytes = bytesOf(3 * 1024 * 1024, 41);
      const shared = await ack(socket, 'chat:file:share', {
        room_id: 'general',
        name: 'redis.bin',
        size: bytes.length,
        manifest: manifestOf(bytes),
      });
      socket.close();
      const fileId = shared.file_id as string;
      await new Promise<void>((resolve, reject) => {
        new tus.Upload(bytes, {
          endpoint: `${server.api}/tus`,
          headers: { authorization: `Bearer ${alice.token}` },
          metadata: { file_id: fileId, filename: 'redis.bin' },
          chunkSize: 1024 * 1024,
          retryDelays: [],
          onSuccess: () => resolve(),
          onError: reject,
        }).start();
      });
      const served = await alice.fetch(`/${fileId}/download`);
      expect(sha256Hex(Buffer.from(await served.arrayBuffer()))).toBe(sha256Hex(bytes));
      // Nothing is left held.
      expect(await client.keys('chat-files:*')).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
