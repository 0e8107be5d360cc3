import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ack, bytesOf, collect, nextEvent, settle } from '../support/helpers.js';
import { startRoomFixture, type RoomFixture } from '../support/room-fixture.js';

interface RelayRequest {
  session_id: string;
  file_id: string;
  room_id: string;
  requester_socket_id: string;
  requester_username: string;
  pieces?: number[];
}

describe('socket relay', () => {
  let f: RoomFixture;
  let fileId: string;
  beforeAll(async () => {
    f = await startRoomFixture({ config: { chunk_size: 1024, piece_size: 1024 * 1024 } });
    fileId = await f.share(f.bobSocket, { bytes: bytesOf(5000) });
  });
  afterAll(() => f.server.close());

  /** Alice asks the server for a relay session from bob. */
  async function openSession(extra: Record<string, unknown> = {}) {
    const request = nextEvent<RelayRequest>(f.bobSocket, 'chat:file:relay_request');
    const reply = await ack(f.aliceSocket, 'chat:file:relay_request', {
      file_id: fileId,
      room_id: 'team',
      source_username: 'bob',
      ...extra,
    });
    expect(reply).toMatchObject({
      success: true,
      transport: 'relay',
      source_socket_id: f.bobSocket.id,
    });
    expect(reply.session_id).toMatch(/^r1\.[\w.-]+$/);
    const seen = await request;
    expect(seen.session_id).toBe(reply.session_id);
    return seen;
  }

  it('forwards binary frames in order, acks back, and closes on completion', async () => {
    const session = await openSession({ pieces: [0] });
    expect(session).toMatchObject({
      file_id: fileId,
      room_id: 'team',
      requester_socket_id: f.aliceSocket.id,
      requester_username: 'alice',
      pieces: [0],
    });
    const bytes = bytesOf(5000, 7);
    const frames = collect<{ chunk_index: number; chunk_data: Buffer; session_id: string }>(
      f.aliceSocket,
      'chat:file:relay_chunk',
    );
    const total = Math.ceil(bytes.length / 1024);
    for (let i = 0; i < total; i++) {
      f.bobSocket.emit('chat:file:relay_chunk', {
        session_id: session.session_id,
        requester_socket_id: f.aliceSocket.id,
        file_id: fileId,
        chunk_index: i,
        chunk_data: bytes.subarray(i * 1024, (i + 1) * 1024),
        total_chunks: total,
      });
    }
    const acked = nextEvent(f.bobSocket, 'chat:file:relay_ack');
    await settle(200);
    expect(frames.map((frame) => frame.chunk_index)).toEqual([0, 1, 2, 3, 4]);
    expect(Buffer.concat(frames.map((frame) => Buffer.from(frame.chunk_data)))).toEqual(bytes);
    expect(frames[0]).toMatchObject({
      session_id: session.session_id,
      source_socket_id: f.bobSocket.id,
      file_id: fileId,
      total_chunks: total,
    });

    expect(
      await ack(f.aliceSocket, 'chat:file:relay_ack', {
        session_id: session.session_id,
        source_socket_id: f.bobSocket.id,
        file_id: fileId,
        received_through: 4,
      }),
    ).toEqual({ success: true });
    expect(await acked).toEqual({
      session_id: session.session_id,
      requester_socket_id: f.aliceSocket.id,
      file_id: fileId,
      received_through: 4,
    });

    const complete = nextEvent(f.aliceSocket, 'chat:file:relay_complete');
    expect(
      await ack(f.bobSocket, 'chat:file:relay_complete', {
        session_id: session.session_id,
        requester_socket_id: f.aliceSocket.id,
        file_id: fileId,
      }),
    ).toEqual({ success: true });
    expect(await complete).toEqual({
      session_id: session.session_id,
      source_socket_id: f.bobSocket.id,
      file_id: fileId,
    });
    // The session is over: a late frame is dropped.
    const late = await ack(f.bobSocket, 'chat:file:relay_chunk', {
      session_id: session.session_id,
      requester_socket_id: f.aliceSocket.id,
      file_id: fileId,
      chunk_index: 5,
      chunk_data: Buffer.from('late'),
      total_chunks: total,
    });
    expect(late).toMatchObject({ success: false, code: 'ERR_NOT_FOUND' });
  });

  it('drops frames addressed to a socket outside any session', async () => {
    const session = await openSession();
    const strangerFrames = collect(f.mallorySocket, 'chat:file:relay_chunk');
    const aliceFrames = collect(f.aliceSocket, 'chat:file:relay_chunk');
    const frame = {
      requester_socket_id: f.mallorySocket.id,
      file_id: fileId,
      chunk_index: 0,
      chunk_data: Buffer.from('leak'),
      total_chunks: 1,
    };
    expect(await ack(f.bobSocket, 'chat:file:relay_chunk', frame)).toMatchObject({
      success: false,
      code: 'ERR_NOT_FOUND',
    });
    expect(
      await ack(f.bobSocket, 'chat:file:relay_chunk', { ...frame, session_id: session.session_id }),
    ).toMatchObject({ success: false, code: 'ERR_NOT_FOUND' });
    // Without a callback the frame is dropped silently.
    f.bobSocket.emit('chat:file:relay_chunk', { ...frame, session_id: session.session_id });
    // The requester cannot push frames back at the source either.
    expect(
      await ack(f.aliceSocket, 'chat:file:relay_chunk', {
        ...frame,
        session_id: session.session_id,
        requester_socket_id: f.bobSocket.id,
      }),
    ).toMatchObject({ success: false, code: 'ERR_NOT_FOUND' });
    // Nor can a stranger inject frames into the session.
    expect(
      await ack(f.mallorySocket, 'chat:file:relay_chunk', {
        ...frame,
        session_id: session.session_id,
        requester_socket_id: f.aliceSocket.id,
      }),
    ).toMatchObject({ success: false, code: 'ERR_NOT_FOUND' });
    await settle();
    expect(strangerFrames).toEqual([]);
    expect(aliceFrames).toEqual([]);
    await ack(f.aliceSocket, 'chat:file:relay_cancel', { session_id: session.session_id });
  });

  it('drops oversized and non-binary frames', async () => {
    const session = await openSession();
    const frame = {
      session_id: session.session_id,
      requester_socket_id: f.aliceSocket.id,
      file_id: fileId,
      chunk_index: 0,
      total_chunks: 1,
    };
    expect(
      await ack(f.bobSocket, 'chat:file:relay_chunk', {
        ...frame,
        chunk_data: Buffer.alloc(1024 * 1024 + 1),
      }),
    ).toMatchObject({ success: false, code: 'ERR_TOO_LARGE' });
    expect(
      await ack(f.bobSocket, 'chat:file:relay_chunk', { ...frame, chunk_data: { 0: 1 } }),
    ).toMatchObject({ success: false, code: 'ERR_VALIDATION' });
    expect(
      await ack(f.bobSocket, 'chat:file:relay_chunk', {
        ...frame,
        chunk_data: Buffer.from('x'),
        chunk_index: -1,
      }),
    ).toMatchObject({ success: false, code: 'ERR_VALIDATION' });
    await ack(f.bobSocket, 'chat:file:relay_cancel', { session_id: session.session_id });
  });

  it('accepts reference-doc frames without a session id inside an open session', async () => {
    const session = await openSession();
    const received = nextEvent<{ session_id: string; chunk_data: Buffer }>(
      f.aliceSocket,
      'chat:file:relay_chunk',
    );
    expect(
      await ack(f.bobSocket, 'chat:file:relay_chunk', {
        requester_socket_id: f.aliceSocket.id,
        file_id: fileId,
        chunk_index: 0,
        chunk_data: Buffer.from([1, 2, 3]),
        total_chunks: 1,
      }),
    ).toEqual({ success: true });
    const frame = await received;
    expect(frame.session_id).toBe(session.session_id);
    expect(Buffer.from(frame.chunk_data)).toEqual(Buffer.from([1, 2, 3]));
    await ack(f.aliceSocket, 'chat:file:relay_cancel', { session_id: session.session_id });
  });

  it('tells the other end when a session is cancelled or a socket disconnects', async () => {
    const first = await openSession();
    const cancelled = nextEvent(f.bobSocket, 'chat:file:relay_cancel');
    expect(
      await ack(f.aliceSocket, 'chat:file:relay_cancel', {
        session_id: first.session_id,
        reason: 'user cancelled',
      }),
    ).toEqual({ success: true });
    expect(await cancelled).toEqual({
      session_id: first.session_id,
      file_id: fileId,
      reason: 'user cancelled',
    });
    // A stranger cannot cancel someone else's session.
    const second = await openSession();
    expect(
      await ack(f.mallorySocket, 'chat:file:relay_cancel', { session_id: second.session_id }),
    ).toMatchObject({ success: false, code: 'ERR_NOT_FOUND' });

    // The source goes away: the requester hears about it.
    const bobTab2 = await f.bob.socket();
    const viaTab2 = nextEvent<RelayRequest>(bobTab2, 'chat:file:relay_request');
    const reply = await ack(f.aliceSocket, 'chat:file:relay_request', {
      file_id: fileId,
      room_id: 'team',
      source_username: 'bob',
      source_socket_id: bobTab2.id,
    });
    expect(reply).toMatchObject({ success: true, source_socket_id: bobTab2.id });
    await viaTab2;
    const gone = nextEvent(f.aliceSocket, 'chat:file:relay_cancel');
    bobTab2.close();
    expect(await gone).toEqual({
      session_id: reply.session_id,
      file_id: fileId,
      reason: 'peer_disconnected',
    });
    await ack(f.aliceSocket, 'chat:file:relay_cancel', { session_id: second.session_id });
  });

  it('caps the relay sessions of one connection at 64', async () => {
    const opened: string[] = [];
    let refused: Record<string, unknown> | null = null;
    for (let i = 0; i < 70 && !refused; i++) {
      const reply = await ack(f.aliceSocket, 'chat:file:relay_request', {
        file_id: fileId,
        room_id: 'team',
        source_username: 'bob',
      });
      if (reply.success) opened.push(reply.session_id as string);
      else refused = reply;
    }
    expect(opened).toHaveLength(64);
    expect(refused).toMatchObject({ success: false, code: 'ERR_RATE_LIMITED' });
    for (const session_id of opened) {
      await ack(f.aliceSocket, 'chat:file:relay_cancel', { session_id });
    }
  });

  it('refuses sources that are offline, outside the room, or not the named socket', async () => {
    const carol = f.server.user('carol');
    await f.server.join('team', 'carol');
    const request = (extra: Record<string, unknown>) =>
      ack(f.aliceSocket, 'chat:file:relay_request', {
        file_id: fileId,
        room_id: 'team',
        source_username: 'bob',
        ...extra,
      });
    expect(await request({ source_username: carol.username })).toMatchObject({
      success: false,
      code: 'ERR_NOT_FOUND',
    });
    expect(await request({ source_username: 'mallory' })).toMatchObject({
      success: false,
      code: 'ERR_NOT_MEMBER',
    });
    expect(await request({ source_socket_id: f.mallorySocket.id })).toMatchObject({
      success: false,
      code: 'ERR_NOT_FOUND',
    });
    expect(await request({ room_id: 'general' })).toMatchObject({
      success: false,
      code: 'ERR_NOT_FOUND',
    });
  });
});

describe('idle relay sessions', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('are closed after two idle minutes, telling both ends', async () => {
    // Only the interval timers are faked, so the server's idle sweep can be driven
    // while socket.io keeps its real timeouts.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const clock = { now: Date.now() };
    const f = await startRoomFixture({ now: () => clock.now });
    try {
      const fileId = await f.share(f.bobSocket, { bytes: bytesOf(10) });
      const reply = await ack(f.aliceSocket, 'chat:file:relay_request', {
        file_id: fileId,
        room_id: 'team',
        source_username: 'bob',
      });
      const toSource = nextEvent(f.bobSocket, 'chat:file:relay_cancel');
      const toRequester = nextEvent(f.aliceSocket, 'chat:file:relay_cancel');
      clock.now += 60_000;
      vi.advanceTimersByTime(30_000);
      await settle(100);
      // One idle minute is not enough.
      expect(
        await ack(f.aliceSocket, 'chat:file:relay_ack', {
          session_id: reply.session_id,
          source_socket_id: f.bobSocket.id,
          file_id: fileId,
          received_through: 0,
        }),
      ).toEqual({ success: true });
      clock.now += 121_000;
      vi.advanceTimersByTime(30_000);
      const expected = { session_id: reply.session_id, file_id: fileId, reason: 'timeout' };
      expect(await toSource).toEqual(expected);
      expect(await toRequester).toEqual(expected);
    } finally {
      vi.useRealTimers();
      await f.server.close();
    }
  });
});
