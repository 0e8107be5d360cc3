import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserFileEntry } from '../../../../src/core/wire/protocol.js';
import { bytesOf } from '../support/helpers.js';
import { startRoomFixture, type RoomFixture } from '../support/room-fixture.js';
import { shareAndUpload, shareBytes } from '../support/upload.js';

describe('user routes', () => {
  let f: RoomFixture;
  let teamFile: string;
  let dmFile: string;
  let deletedOwn: string;
  let deletedOther: string;
  beforeAll(async () => {
    f = await startRoomFixture({ config: { upload_tiers: { default: 1000, pro: 5000 } } });
    f.server.addRoom('dm-ab', ['alice', 'bob'], {
      type: 'dm',
      partner_username: 'bob',
      name: 'DM',
    });
    f.server.addRoom('old', ['alice', 'bob'], { name: 'Old room' });
    await Promise.all([f.server.join('dm-ab', 'alice'), f.server.join('old', 'alice')]);
    await Promise.all([f.server.join('dm-ab', 'bob'), f.server.join('old', 'bob')]);
    teamFile = await shareBytes(f.aliceSocket, Buffer.from('team'), {
      name: 'Report 100%.pdf',
      mime_type: 'application/pdf',
    });
    dmFile = await shareBytes(f.bobSocket, Buffer.from('dm'), {
      room_id: 'dm-ab',
      name: 'photo.png',
      mime_type: 'image/png',
    });
    deletedOwn = await shareBytes(f.aliceSocket, Buffer.from('old own'), {
      room_id: 'old',
      name: 'kept.txt',
    });
    deletedOther = await shareBytes(f.bobSocket, Buffer.from('old other'), {
      room_id: 'old',
      name: 'gone.txt',
    });
    await shareBytes(f.mallorySocket, Buffer.from('general'), {
      room_id: 'general',
      name: 'public.txt',
    });
    f.server.deleteRoom('old');
  });
  afterAll(() => f.server.close());

  const list = async (query = '') =>
    (await f.alice.json<{ files: UserFileEntry[] }>('GET', `/user${query}`)).body.files;

  it("lists files across the user's rooms, enriched with room and sender details", async () => {
    const files = await list();
    const ids = files.map((file) => file.id);
    expect(ids).toContain(teamFile);
    expect(ids).toContain(dmFile);
    expect(files.find((file) => file.id === dmFile)).toEqual({
      id: dmFile,
      name: 'photo.png',
      size: 2,
      mime_type: 'image/png',
      thumbnail: null,
      created_at: expect.any(Number),
      room_id: 'dm-ab',
      room_name: 'DM',
      room_type: 'dm',
      partner_username: 'bob',
      sender_chat_name: 'Bob',
      sender: 'bob',
      revoked: false,
    });
    // Newest first.
    const times = files.map((file) => file.created_at);
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it("keeps the user's own files of deleted rooms, marked deleted, and hides others'", async () => {
    const files = await list();
    expect(files.find((file) => file.id === deletedOwn)).toMatchObject({
      room_id: 'old',
      room_type: 'deleted',
      room_deleted: true,
      room_name: null,
    });
    expect(files.map((file) => file.id)).not.toContain(deletedOther);
    const bobFiles = (await f.bob.json<{ files: UserFileEntry[] }>('GET', '/user')).body.files;
    expect(bobFiles.map((file) => file.id)).toContain(deletedOther);
    expect(bobFiles.map((file) => file.id)).not.toContain(deletedOwn);
  });

  it('marks a file its sharer revoked, for every member, and keeps it listed', async () => {
    const revokedFile = await shareBytes(f.aliceSocket, Buffer.from('withdrawn'), {
      name: 'withdrawn.txt',
    });
    const revokedIn = async (user: RoomFixture['alice']) => {
      const files = (await user.json<{ files: UserFileEntry[] }>('GET', '/user')).body.files;
      return new Map(files.map((file) => [file.id, file.revoked]));
    };
    expect((await revokedIn(f.bob)).get(revokedFile)).toBe(false);
    // Bob cannot revoke Alice's file; it stays available.
    expect((await f.bob.json('POST', `/${revokedFile}/revoke`)).status).toBe(403);
    expect((await revokedIn(f.bob)).get(revokedFile)).toBe(false);

    expect((await f.alice.json('POST', `/${revokedFile}/revoke`)).status).toBe(200);
    for (const user of [f.alice, f.bob]) {
      const revoked = await revokedIn(user);
      expect(revoked.get(revokedFile)).toBe(true);
      expect(revoked.get(teamFile)).toBe(false);
    }
  });

  it('filters by room_id and by a literal search text', async () => {
    expect((await list('?room_id=dm-ab')).map((file) => file.id)).toEqual([dmFile]);
    expect((await list('?room_id=old')).map((file) => file.id)).toEqual([deletedOwn]);
    expect((await list('?search=100%25')).map((file) => file.id)).toEqual([teamFile]);
    expect((await list('?search=REPORT')).map((file) => file.id)).toEqual([teamFile]);
    expect(await list('?search=_')).toEqual([]);
    expect((await list('?limit=1')).length).toBe(1);
    expect((await f.alice.json('GET', '/user?limit=0')).status).toBe(400);
  });

  it('refuses no session (401) and a room filter the user is not in (403)', async () => {
    expect((await fetch(`${f.server.api}/user`)).status).toBe(401);
    f.server.addRoom('secret', ['mallory']);
    expect((await f.alice.json('GET', '/user?room_id=secret')).status).toBe(403);
  });

  it('reports storage usage, tier and claimed files', async () => {
    expect((await fetch(`${f.server.api}/user/storage`)).status).toBe(401);
    const empty = await f.bob.json('GET', '/user/storage');
    expect(empty.body).toEqual({
      total_stored_bytes: 0,
      tier_name: 'pro',
      tier_limit: 5000,
      claimed_files: [],
    });
    const bytes = bytesOf(123, 3);
    const fileId = await shareAndUpload(f.alice, f.aliceSocket, bytes, { name: 'claimed.bin' });
    await f.alice.json('POST', '/store-permanently', { file_id: fileId });
    const storage = await f.alice.json<Record<string, unknown>>('GET', '/user/storage');
    expect(storage.body).toEqual({
      total_stored_bytes: 123,
      tier_name: 'Free',
      tier_limit: 1000,
      claimed_files: [
        {
          file_id: fileId,
          name: 'claimed.bin',
          size: 123,
          room_id: 'team',
          created_at: expect.any(Number),
          claimed_at: expect.any(Number),
        },
      ],
    });
  });
});
