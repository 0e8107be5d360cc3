import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redisLimiterBackend } from '../../../../server/limits/redis-limiter.js';
import { startRedis, type TestService } from '../../../support/services.js';
import { startBareServer, type BareServer } from '../support/bare-server.js';
import { ack, multipart, settle } from '../support/helpers.js';
import { startRoomFixture, type RoomFixture } from '../support/room-fixture.js';
import { uploadBytes } from '../support/upload.js';

const shareIn = (socket: Parameters<typeof ack>[0], name = 'a.txt') =>
  ack(socket, 'chat:file:share', { room_id: 'team', name, size: 1, mime_type: 'text/plain' });

describe('rate limits on socket events', () => {
  let f: RoomFixture;
  afterEach(() => f?.server.close());

  it('refuses the share past the per-socket budget with ERR_RATE_LIMITED and the wait', async () => {
    f = await startRoomFixture({
      config: { rate_limits: { share: { per_user: 100, per_socket: 3, window_seconds: 60 } } },
    });
    for (let i = 0; i < 3; i++)
      expect(await shareIn(f.aliceSocket)).toMatchObject({ success: true });
    const refused = await shareIn(f.aliceSocket);
    expect(refused).toMatchObject({ success: false, code: 'ERR_RATE_LIMITED' });
    expect(refused.retry_after_ms).toBeGreaterThan(50_000);
    expect(refused.retry_after_ms).toBeLessThanOrEqual(60_000);
    // Nothing was posted for the refused share.
    expect(f.server.messages.filter((m) => m.sender === 'alice')).toHaveLength(3);
    // Another connection of the same user has its own socket budget.
    const second = await f.alice.socket();
    expect(await shareIn(second)).toMatchObject({ success: true });
  });

  it('counts a user across connections and lets other users through', async () => {
    f = await startRoomFixture({
      config: { rate_limits: { share: { per_user: 2, per_socket: 100, window_seconds: 60 } } },
    });
    const second = await f.alice.socket();
    expect(await shareIn(f.aliceSocket)).toMatchObject({ success: true });
    expect(await shareIn(second)).toMatchObject({ success: true });
    expect(await shareIn(second)).toMatchObject({ success: false, code: 'ERR_RATE_LIMITED' });
    expect(await shareIn(f.bobSocket)).toMatchObject({ success: true });
  });

  it('limits signals and relay requests too, and a window later the budget is back', async () => {
    let now = Date.now();
    f = await startRoomFixture({
      now: () => now,
      config: {
        rate_limits: {
          signal: { per_user: 2, per_socket: 2, window_seconds: 10 },
          relay_request: { per_user: 1, per_socket: 1, window_seconds: 10 },
        },
      },
    });
    const fileId = (await shareIn(f.aliceSocket)).file_id as string;
    const signal = () =>
      ack(f.aliceSocket, 'chat:file:signal', {
        target_username: 'bob',
        room_id: 'team',
        file_id: fileId,
        signal_type: 'offer',
        signal_data: { sdp: 'v=0' },
      });
    expect(await signal()).toMatchObject({ success: true });
    expect(await signal()).toMatchObject({ success: true });
    expect(await signal()).toMatchObject({ success: false, code: 'ERR_RATE_LIMITED' });
    const relay = () =>
      ack(f.bobSocket, 'chat:file:relay_request', {
        file_id: fileId,
        room_id: 'team',
        source_username: 'alice',
      });
    expect(await relay()).toMatchObject({ success: true });
    expect(await relay()).toMatchObject({ success: false, code: 'ERR_RATE_LIMITED' });
    now += 10_001;
    expect(await signal()).toMatchObject({ success: true });
  });

  it('is off with rate_limits.enabled: false', async () => {
    f = await startRoomFixture({
      config: {
        rate_limits: { enabled: false, share: { per_user: 1, per_socket: 1, window_seconds: 60 } },
      },
    });
    for (let i = 0; i < 3; i++)
      expect(await shareIn(f.aliceSocket)).toMatchObject({ success: true });
  });
});

describe('probes without amplification', () => {
  let f: RoomFixture;
  afterAll(() => f?.server.close());

  it('passes one probe per file and requester per interval to 200 sockets, not 500', async () => {
    let now = Date.now();
    f = await startRoomFixture({
      now: () => now,
      // A budget large enough that only the fan-out rule is at work here.
      config: {
        rate_limits: { probe: { per_user: 10_000, per_socket: 10_000, window_seconds: 60 } },
      },
    });
    const fileId = (await shareIn(f.aliceSocket)).file_id as string;
    const listeners = [f.bobSocket];
    while (listeners.length < 200) listeners.push(await f.bob.socket());
    let received = 0;
    for (const s of listeners) s.on('chat:file:probe', () => (received += 1));

    const replies = await Promise.all(
      Array.from({ length: 500 }, () =>
        ack(f.aliceSocket, 'chat:file:probe', { file_id: fileId, room_id: 'team' }),
      ),
    );
    await settle(300);
    expect(replies.filter((r) => r.success && r.forwarded === true)).toHaveLength(1);
    expect(replies.filter((r) => r.success && r.forwarded === false)).toHaveLength(499);
    expect(received).toBe(200);

    // After the interval the next probe reaches the room again.
    now += 5_001;
    expect(
      await ack(f.aliceSocket, 'chat:file:probe', { file_id: fileId, room_id: 'team' }),
    ).toMatchObject({ success: true, forwarded: true });
    await settle(300);
    expect(received).toBe(400);
  }, 60_000);

  it('with default limits, 500 probes over many files reach the room at most 60 times', async () => {
    await f.server.close();
    f = await startRoomFixture();
    const files: string[] = [];
    for (let i = 0; i < 10; i++)
      files.push((await shareIn(f.aliceSocket, `${i}.txt`)).file_id as string);
    let received = 0;
    f.bobSocket.on('chat:file:probe', () => (received += 1));
    const replies = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        ack(f.aliceSocket, 'chat:file:probe', { file_id: files[i % 10], room_id: 'team' }),
      ),
    );
    await settle(300);
    const limited = replies.filter((r) => r.code === 'ERR_RATE_LIMITED');
    expect(limited.length).toBe(500 - 60);
    expect(received).toBe(10);
  }, 60_000);
});

describe('rate limits on HTTP routes', () => {
  it('answers the upload past the budget with 429, ERR_RATE_LIMITED and Retry-After', async () => {
    const f = await startRoomFixture({
      config: { rate_limits: { upload: { per_user: 2, per_socket: 2, window_seconds: 60 } } },
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 2; i++) {
        const id = (await shareIn(f.aliceSocket)).file_id as string;
        statuses.push((await uploadBytes(f.alice, id, Buffer.from('x'))).status);
      }
      expect(statuses).toEqual([200, 200]);
      const id = (await shareIn(f.aliceSocket)).file_id as string;
      const { body, contentType } = multipart([
        { name: 'file_id', value: id },
        { name: 'file', filename: 'x.txt', type: 'text/plain', data: Buffer.from('x') },
      ]);
      const res = await f.alice.fetch('/upload', {
        method: 'POST',
        body,
        headers: { 'content-type': contentType },
      });
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(50);
      const json = (await res.json()) as Record<string, unknown>;
      expect(json).toMatchObject({ code: 'ERR_RATE_LIMITED' });
      expect(json.retry_after_ms).toBeGreaterThan(50_000);
    } finally {
      await f.server.close();
    }
  });
});

describe('rate limits on tus uploads', () => {
  it('spends tus creations from the upload budget', async () => {
    const f = await startRoomFixture({
      config: { rate_limits: { upload: { per_user: 2, per_socket: 2, window_seconds: 60 } } },
    });
    try {
      const create = () =>
        f.alice.fetch('/tus', {
          method: 'POST',
          headers: { 'tus-resumable': '1.0.0', 'upload-length': '5' },
        });
      for (let i = 0; i < 2; i++) {
        const res = await create();
        expect(res.status).not.toBe(429);
        await res.arrayBuffer();
      }
      const refused = await create();
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await refused.json()) as { code: string }).code).toBe('ERR_RATE_LIMITED');
    } finally {
      await f.server.close();
    }
  });
});

describe('rate limits shared across nodes through Redis', () => {
  let redis: TestService;
  let client: ReturnType<typeof createClient>;
  const servers: BareServer[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    client = createClient({ url: redis.url });
    await client.connect();
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    await client?.quit();
    await redis?.stop();
  });

  it('two server instances spend from one budget per user', async () => {
    const config = {
      rate_limits: { share: { per_user: 3, per_socket: 100, window_seconds: 60 } },
    };
    for (let i = 0; i < 2; i++) {
      const server = await startBareServer({
        config,
        server: { limiterBackend: redisLimiterBackend(client, { keyPrefix: 'two-nodes' }) },
      });
      server.addRoom('team', ['alice', 'bob']);
      servers.push(server);
    }
    const [a, b] = servers as [BareServer, BareServer];
    const aliceA = await a.user('alice').socket();
    const aliceB = await b.user('alice').socket();
    const bobB = await b.user('bob').socket();
    expect(await shareIn(aliceA)).toMatchObject({ success: true });
    expect(await shareIn(aliceA)).toMatchObject({ success: true });
    expect(await shareIn(aliceB)).toMatchObject({ success: true });
    expect(await shareIn(aliceB)).toMatchObject({ success: false, code: 'ERR_RATE_LIMITED' });
    expect(await shareIn(aliceA)).toMatchObject({ success: false, code: 'ERR_RATE_LIMITED' });
    expect(await shareIn(bobB)).toMatchObject({ success: true });
  });
});
