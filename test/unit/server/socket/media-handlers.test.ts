import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ack, collect, nextEvent, settle } from '../support/helpers.js';
import { startRoomFixture, type RoomFixture } from '../support/room-fixture.js';

describe('shared viewing events', () => {
  let f: RoomFixture;
  let fileId: string;
  beforeAll(async () => {
    f = await startRoomFixture();
    fileId = await f.share(f.aliceSocket, { bytes: Buffer.from('video'), mime_type: 'video/mp4' });
  });
  afterAll(() => f.server.close());

  it('passes preview sizes to the rest of the file room', async () => {
    const bobSaw = nextEvent(f.bobSocket, 'chat:update_file_preview_size');
    const own = collect(f.aliceSocket, 'chat:update_file_preview_size');
    const stranger = collect(f.mallorySocket, 'chat:update_file_preview_size');
    const reply = await ack(f.aliceSocket, 'chat:update_file_preview_size', {
      message_id: 'm1',
      file_id: fileId,
      width: 320,
      height: 180.5,
      isLive: true,
    });
    expect(reply).toEqual({ success: true });
    expect(await bobSaw).toEqual({
      message_id: 'm1',
      file_id: fileId,
      width: 320,
      height: 180.5,
      isLive: true,
      room_id: 'team',
      username: 'alice',
    });
    await settle();
    expect(own).toEqual([]);
    expect(stranger).toEqual([]);
    for (const bad of [
      { file_id: fileId, width: -1, height: 10 },
      { file_id: fileId, width: 10, height: Number.NaN },
      { file_id: fileId, width: 10, height: 1e9 },
      { file_id: fileId, width: 10, height: 10, isLive: 'yes' },
    ]) {
      expect(await ack(f.aliceSocket, 'chat:update_file_preview_size', bad)).toMatchObject({
        success: false,
        code: 'ERR_VALIDATION',
      });
    }
  });

  it('passes media sync actions to everyone else in the room', async () => {
    const bobSaw = nextEvent(f.bobSocket, 'chat:media_sync');
    const own = collect(f.aliceSocket, 'chat:media_sync');
    expect(
      await ack(f.aliceSocket, 'chat:media_sync', {
        room_id: 'team',
        file_id: fileId,
        action: 'seek',
        time: 12.5,
      }),
    ).toEqual({ success: true });
    expect(await bobSaw).toEqual({
      room_id: 'team',
      file_id: fileId,
      action: 'seek',
      time: 12.5,
      username: 'alice',
    });
    await settle();
    expect(own).toEqual([]);
    expect(
      await ack(f.aliceSocket, 'chat:media_sync', {
        room_id: 'team',
        file_id: fileId,
        action: 'rewind',
        time: 0,
      }),
    ).toMatchObject({ success: false, code: 'ERR_VALIDATION' });
    expect(
      await ack(f.aliceSocket, 'chat:media_sync', {
        room_id: 'general',
        file_id: fileId,
        action: 'play',
        time: 0,
      }),
    ).toMatchObject({ success: false, code: 'ERR_NOT_FOUND' });
  });
});
