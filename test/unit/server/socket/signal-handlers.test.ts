import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ack, collect, nextEvent, settle } from '../support/helpers.js';
import { startRoomFixture, type RoomFixture } from '../support/room-fixture.js';

describe('chat:file:signal', () => {
  let f: RoomFixture;
  let fileId: string;
  const offer = (extra: Record<string, unknown> = {}) => ({
    target_username: 'bob',
    room_id: 'team',
    file_id: fileId,
    signal_type: 'offer',
    signal_data: { type: 'offer', sdp: 'v=0\r\n' },
    ...extra,
  });

  beforeAll(async () => {
    f = await startRoomFixture();
    fileId = await f.share(f.aliceSocket, { bytes: Buffer.from('signal') });
  });
  afterAll(() => f.server.close());

  it("relays a signal to the target's sockets in the room", async () => {
    const bobTab2 = await f.bob.socket();
    const first = nextEvent(f.bobSocket, 'chat:file:signal');
    const second = nextEvent(bobTab2, 'chat:file:signal');
    const reply = await ack(f.aliceSocket, 'chat:file:signal', offer());
    expect(reply).toMatchObject({ success: true, delivered: 2 });
    const expected = {
      from_username: 'alice',
      from_socket_id: f.aliceSocket.id,
      room_id: 'team',
      file_id: fileId,
      signal_type: 'offer',
      signal_data: { type: 'offer', sdp: 'v=0\r\n' },
    };
    expect(await first).toEqual(expected);
    expect(await second).toEqual(expected);
    bobTab2.close();
  });

  it('targets one socket when target_socket_id is given', async () => {
    const bobTab2 = await f.bob.socket();
    const tab1 = collect(f.bobSocket, 'chat:file:signal');
    const tab2 = nextEvent(bobTab2, 'chat:file:signal');
    const reply = await ack(
      f.aliceSocket,
      'chat:file:signal',
      offer({ signal_type: 'ice-candidate', target_socket_id: bobTab2.id }),
    );
    expect(reply).toMatchObject({ success: true, delivered: 1 });
    expect((await tab2).signal_type).toBe('ice-candidate');
    await settle();
    expect(tab1).toEqual([]);
    // A socket id that is not the target's reaches nobody.
    const wrong = await ack(
      f.aliceSocket,
      'chat:file:signal',
      offer({ target_socket_id: f.mallorySocket.id }),
    );
    expect(wrong).toMatchObject({ success: false, code: 'ERR_NOT_FOUND' });
    bobTab2.close();
  });

  it('refuses targets outside the room, files of other rooms and bad payloads', async () => {
    const strangerSaw = collect(f.mallorySocket, 'chat:file:signal');
    expect(
      await ack(f.aliceSocket, 'chat:file:signal', offer({ target_username: 'mallory' })),
    ).toMatchObject({ success: false, code: 'ERR_NOT_MEMBER' });
    const elsewhere = await f.share(f.aliceSocket, {
      room_id: 'general',
      bytes: Buffer.from('general'),
    });
    expect(
      await ack(f.aliceSocket, 'chat:file:signal', offer({ file_id: elsewhere })),
    ).toMatchObject({ success: false, code: 'ERR_NOT_FOUND' });
    expect(
      await ack(f.aliceSocket, 'chat:file:signal', offer({ signal_type: 'hangup' })),
    ).toMatchObject({ success: false, code: 'ERR_VALIDATION' });
    expect(
      await ack(f.aliceSocket, 'chat:file:signal', offer({ signal_data: 'x'.repeat(70_000) })),
    ).toMatchObject({ success: false, code: 'ERR_TOO_LARGE' });
    expect(
      await ack(f.aliceSocket, 'chat:file:signal', offer({ signal_data: undefined })),
    ).toMatchObject({ success: false, code: 'ERR_VALIDATION' });
    await settle();
    expect(strangerSaw).toEqual([]);
  });

  it('answers when the target is offline', async () => {
    const carol = f.server.user('carol');
    await f.server.join('team', 'carol');
    expect(
      await ack(f.aliceSocket, 'chat:file:signal', offer({ target_username: carol.username })),
    ).toMatchObject({ success: false, code: 'ERR_NOT_FOUND' });
  });
});
