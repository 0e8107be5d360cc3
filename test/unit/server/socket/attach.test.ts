import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_EVENTS } from '../support/client-events.js';
import { ack, settle } from '../support/helpers.js';
import { startRoomFixture, type RoomFixture } from '../support/room-fixture.js';

const EVENTS = CLIENT_EVENTS;

describe('socket handlers (attach)', () => {
  let f: RoomFixture;
  let fileId: string;

  beforeAll(async () => {
    f = await startRoomFixture();
    fileId = await f.share(f.aliceSocket, { bytes: Buffer.from('hello') });
  });
  afterAll(() => f.server.close());

  it('answers every event from a socket without a session with ERR_UNAUTHENTICATED', async () => {
    const anonymous = await f.server.anonymousSocket();
    for (const event of EVENTS) {
      const reply = await ack(anonymous, event, { file_id: fileId, room_id: 'team' });
      expect(reply, event).toMatchObject({ success: false, code: 'ERR_UNAUTHENTICATED' });
    }
  });

  it('answers payloads of wrong types with an error reply and keeps running', async () => {
    const payloads: unknown[] = [
      undefined,
      null,
      42,
      'text',
      [],
      [fileId],
      {},
      { file_id: 42, room_id: 'team' },
      { file_id: ['x'], room_id: ['team'] },
      { file_id: 'x'.repeat(201), room_id: 'team' },
      { file_id: { $ne: null }, room_id: 'team' },
      { room_id: 'team', name: 7, size: '5' },
      { room_id: 'team', name: 'a', size: -1 },
      { room_id: 'team', name: 'a', size: 1.5 },
      { file_ids: 'all' },
      { file_ids: new Array(1001).fill(fileId) },
    ];
    for (const event of EVENTS) {
      for (const payload of payloads) {
        const reply = await ack(f.aliceSocket, event, payload);
        expect(reply.success, `${event} ${JSON.stringify(payload)?.slice(0, 60)}`).toBe(false);
        expect(reply.code).toMatch(/^ERR_/);
        expect(typeof reply.error).toBe('string');
      }
    }
    // No callback, or the callback in the payload's place: nothing may throw.
    for (const event of EVENTS) {
      f.aliceSocket.emit(event, { nonsense: true });
      f.aliceSocket.emit(event);
    }
    const cbOnly = await f.aliceSocket.timeout(3000).emitWithAck('chat:file:server_status');
    expect(cbOnly).toMatchObject({ success: false, code: 'ERR_VALIDATION' });
    await settle();
    const status = await ack(f.aliceSocket, 'chat:file:server_status', { file_id: fileId });
    expect(status).toMatchObject({ success: true, server_available: false });
    expect(f.server.http.listening).toBe(true);
  });

  it('refuses a stranger to the room on every event that names the file or room', async () => {
    const s = f.mallorySocket;
    const expectations: Array<[string, unknown, string]> = [
      ['chat:file:share', { room_id: 'team', name: 'x.txt', size: 1 }, 'ERR_NOT_MEMBER'],
      ['chat:file:request_peers', { file_id: fileId, room_id: 'team' }, 'ERR_NOT_MEMBER'],
      ['chat:file:server_status', { file_id: fileId }, 'ERR_NOT_MEMBER'],
      ['chat:file:probe', { file_id: fileId, room_id: 'team' }, 'ERR_NOT_MEMBER'],
      [
        'chat:file:probe_response',
        { file_id: fileId, has_file: true, requester_socket_id: f.aliceSocket.id },
        'ERR_NOT_MEMBER',
      ],
      [
        'chat:file:signal',
        {
          target_username: 'alice',
          room_id: 'team',
          file_id: fileId,
          signal_type: 'offer',
          signal_data: { sdp: 'v=0' },
        },
        'ERR_NOT_MEMBER',
      ],
      [
        'chat:file:relay_request',
        { file_id: fileId, room_id: 'team', source_username: 'alice' },
        'ERR_NOT_MEMBER',
      ],
      ['chat:file:seed_registered', { file_id: fileId }, 'ERR_NOT_MEMBER'],
      [
        'chat:file:server_cached',
        { file_id: fileId, room_id: 'team', expires_at: null },
        'ERR_NOT_MEMBER',
      ],
      [
        'chat:update_file_preview_size',
        { file_id: fileId, width: 10, height: 10 },
        'ERR_NOT_MEMBER',
      ],
      [
        'chat:media_sync',
        { room_id: 'team', file_id: fileId, action: 'play', time: 0 },
        'ERR_NOT_MEMBER',
      ],
      // Relay frames are tied to sessions, and a stranger can open none.
      [
        'chat:file:relay_chunk',
        {
          requester_socket_id: f.aliceSocket.id,
          file_id: fileId,
          chunk_index: 0,
          chunk_data: Buffer.from('x'),
          total_chunks: 1,
        },
        'ERR_NOT_FOUND',
      ],
      [
        'chat:file:relay_ack',
        { source_socket_id: f.aliceSocket.id, file_id: fileId, received_through: 0 },
        'ERR_NOT_FOUND',
      ],
      [
        'chat:file:relay_complete',
        { requester_socket_id: f.aliceSocket.id, file_id: fileId },
        'ERR_NOT_FOUND',
      ],
      ['chat:file:relay_cancel', { session_id: 'a'.repeat(32) }, 'ERR_NOT_FOUND'],
    ];
    for (const [event, payload, code] of expectations) {
      expect(await ack(s, event, payload), event).toMatchObject({ success: false, code });
    }
    const batch = await ack(s, 'chat:file:server_status_batch', { file_ids: [fileId] });
    expect(batch).toEqual({ success: true, statuses: {} });
  });

  it('answers an unknown file with ERR_NOT_FOUND', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const [event, payload] of [
      ['chat:file:request_peers', { file_id: unknown, room_id: 'team' }],
      ['chat:file:server_status', { file_id: unknown }],
      ['chat:file:probe', { file_id: unknown, room_id: 'team' }],
      ['chat:file:seed_registered', { file_id: unknown }],
      ['chat:update_file_preview_size', { file_id: unknown, width: 1, height: 1 }],
    ] as const) {
      expect(await ack(f.aliceSocket, event, payload), event).toMatchObject({
        success: false,
        code: 'ERR_NOT_FOUND',
      });
    }
  });
});
