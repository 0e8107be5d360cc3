import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_EVENTS } from '../support/client-events.js';
import {
  checkPayloadShape,
  DEFAULT_PAYLOAD_LIMITS,
} from '../../../../server/socket/payload-limits.js';
import { ack } from '../support/helpers.js';
import { rawEmit } from '../support/raw-socket.js';
import { startRoomFixture, type RoomFixture } from '../support/room-fixture.js';

const nested = (depth: number, leaf = '1') => '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);

describe('checkPayloadShape', () => {
  const limits = { maxDepth: 4, maxValues: 10, maxBytes: 20 };

  it('accepts a payload exactly at each limit and refuses one past it', () => {
    expect(() => checkPayloadShape(JSON.parse(nested(4)), limits)).not.toThrow();
    expect(() => checkPayloadShape(JSON.parse(nested(5)), limits)).toThrow(/nested more than 4/);
    expect(() => checkPayloadShape(new Array(9).fill(0), limits)).not.toThrow();
    expect(() => checkPayloadShape(new Array(10).fill(0), limits)).toThrow(/more than 10 values/);
    expect(() => checkPayloadShape({ k: 'x'.repeat(19) }, limits)).not.toThrow();
    expect(() => checkPayloadShape({ k: 'x'.repeat(20) }, limits)).toThrow(/larger than 20/);
    expect(() => checkPayloadShape(Buffer.alloc(21), limits)).toThrow(/larger than 20/);
  });

  it('walks a million levels without using the call stack', () => {
    const error = (() => {
      try {
        checkPayloadShape(JSON.parse(nested(1_000_000)), DEFAULT_PAYLOAD_LIMITS);
      } catch (e) {
        return e as { code?: string };
      }
      return null;
    })();
    expect(error?.code).toBe('ERR_TOO_LARGE');
  });
});

describe('socket payload limits', () => {
  let f: RoomFixture;
  let fileId: string;
  const logged: string[] = [];

  beforeAll(async () => {
    f = await startRoomFixture({
      server: {
        logger: {
          info() {},
          warn() {},
          error: (message: string) => logged.push(message),
        },
      },
    });
    fileId = await f.share(f.aliceSocket, { bytes: Buffer.from('hello') });
  });
  afterAll(() => f.server.close());

  it('refuses a small but deeply nested signal_data without logging anything', async () => {
    const signal = (data: string) =>
      `{"target_username":"bob","room_id":"team","file_id":"${fileId}","signal_type":"offer","signal_data":${data}}`;
    const received: unknown[] = [];
    f.bobSocket.on('chat:file:signal', (p: unknown) => received.push(p));
    for (const depth of [50, 10_000, 200_000]) {
      const reply = await rawEmit(f.aliceSocket, 'chat:file:signal', signal(nested(depth)));
      expect(reply, `depth ${depth}`).toMatchObject({ success: false, code: 'ERR_TOO_LARGE' });
    }
    // A real offer still goes through.
    const ok = await ack(f.aliceSocket, 'chat:file:signal', {
      target_username: 'bob',
      room_id: 'team',
      file_id: fileId,
      signal_type: 'offer',
      signal_data: { type: 'offer', sdp: 'v=0\r\n'.repeat(100) },
    });
    expect(ok).toEqual({ success: true, delivered: 1 });
    expect(received).toHaveLength(1);
    expect(logged).toEqual([]);
  });

  it('bounds every event: deep, wide and long payloads get ERR_TOO_LARGE, not a crash', async () => {
    const events = CLIENT_EVENTS;
    const wide = `{"file_id":"${fileId}","extra":[${new Array(100_000).fill('[0]').join(',')}]}`;
    for (const event of events) {
      const deep = await rawEmit(f.aliceSocket, event, `{"x":${nested(100_000)}}`);
      expect(deep, `${event} deep`).toMatchObject({ success: false, code: 'ERR_TOO_LARGE' });
      const broad = await rawEmit(f.aliceSocket, event, wide);
      expect(broad, `${event} wide`).toMatchObject({ success: false, code: 'ERR_TOO_LARGE' });
    }
    expect(logged).toEqual([]);
    const status = await ack(f.aliceSocket, 'chat:file:server_status', { file_id: fileId });
    expect(status).toMatchObject({ success: true });
  });
});
