import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ack, bytesOf, collect, filesIn, nextEvent, settle } from '../support/helpers.js';
import { startRoomFixture, type RoomFixture } from '../support/room-fixture.js';
import { shareAndUpload, shareBytes } from '../support/upload.js';

describe('permanent storage routes', () => {
  let f: RoomFixture;
  beforeAll(async () => {
    f = await startRoomFixture({ config: { upload_tiers: { default: 1000, pro: 5000 } } });
  });
  afterAll(() => f.server.close());

  describe('POST /store-permanently', () => {
    it('claims the server copy against the tier and reports usage', async () => {
      const fileId = await shareAndUpload(f.alice, f.aliceSocket, bytesOf(300, 1));
      const cached = nextEvent(f.bobSocket, 'chat:file:server_cached');
      const claim = await f.alice.json('POST', '/store-permanently', { file_id: fileId });
      expect(claim).toEqual({
        status: 200,
        body: { success: true, total_stored_bytes: 300, tier_limit: 1000, tier_name: 'Free' },
      });
      expect(await cached).toEqual({ file_id: fileId, room_id: 'team', expires_at: null });
      // Claiming again changes nothing.
      expect(
        (await f.alice.json('POST', '/store-permanently', { file_id: fileId })).body,
      ).toMatchObject({
        total_stored_bytes: 300,
      });
      expect(await ack(f.aliceSocket, 'chat:file:server_status', { file_id: fileId })).toEqual({
        success: true,
        server_available: true,
        user_has_claim: true,
        expires_at: null,
      });
      // Another member may keep the same file too; bob's pro tier applies to him.
      const bobClaim = await f.bob.json('POST', '/store-permanently', { file_id: fileId });
      expect(bobClaim.body).toMatchObject({
        total_stored_bytes: 300,
        tier_limit: 5000,
        tier_name: 'pro',
      });
    });

    it('refuses a claim over the quota with 403 and the usage message', async () => {
      const fileId = await shareAndUpload(f.alice, f.aliceSocket, bytesOf(800, 2));
      const refused = await f.alice.json('POST', '/store-permanently', { file_id: fileId });
      expect(refused).toEqual({
        status: 403,
        body: {
          error: 'Storage limit exceeded. Using 300B of 1000B (Free tier).',
          code: 'ERR_QUOTA_EXCEEDED',
        },
      });
    });

    it('lets exactly one of two concurrent claims through when both would exceed the quota', async () => {
      const carol = f.server.user('carol');
      await f.server.join('team', 'carol');
      const carolSocket = await carol.socket();
      const a = await shareAndUpload(carol, carolSocket, bytesOf(600, 3));
      const b = await shareAndUpload(carol, carolSocket, bytesOf(600, 4));
      const results = await Promise.all([
        carol.json('POST', '/store-permanently', { file_id: a }),
        carol.json('POST', '/store-permanently', { file_id: b }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 403]);
      const storage = await carol.json<{ total_stored_bytes: number; claimed_files: unknown[] }>(
        'GET',
        '/user/storage',
      );
      expect(storage.body.total_stored_bytes).toBe(600);
      expect(storage.body.claimed_files).toHaveLength(1);
    });

    it('refuses no session, strangers, unknown files, files not on the server and bad bodies', async () => {
      const fileId = await shareBytes(f.aliceSocket, Buffer.from('peer only'));
      const anonymous = await fetch(`${f.server.api}/store-permanently`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ file_id: fileId }),
      });
      expect(anonymous.status).toBe(401);
      const uploaded = await shareAndUpload(f.alice, f.aliceSocket, bytesOf(10, 5));
      expect(
        (await f.mallory.json('POST', '/store-permanently', { file_id: uploaded })).status,
      ).toBe(403);
      expect(
        (await f.alice.json('POST', '/store-permanently', { file_id: randomUUID() })).status,
      ).toBe(404);
      expect((await f.alice.json('POST', '/store-permanently', { file_id: fileId })).status).toBe(
        404,
      );
      for (const body of [{}, { file_id: 5 }, [], 'text']) {
        const res = await f.alice.json('POST', '/store-permanently', body);
        expect(res.status, JSON.stringify(body)).toBe(400);
      }
      const malformed = await f.alice.fetch('/store-permanently', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"file_id":',
      });
      expect(malformed.status).toBe(400);
    });

    it('refuses a suspended user', async () => {
      const dave = f.server.user('dave');
      const socket = await dave.socket();
      const fileId = await shareAndUpload(dave, socket, bytesOf(10, 6), { room_id: 'general' });
      await f.server.files.store.claims.setSuspended('dave', true, Date.now());
      const res = await dave.json('POST', '/store-permanently', { file_id: fileId });
      expect(res).toMatchObject({ status: 403, body: { code: 'ERR_FORBIDDEN' } });
    });
  });

  describe('POST /remove-from-server', () => {
    it('releases a claim; the copy stays while another user keeps it, then goes', async () => {
      const storageDir = f.server.files.options.storageDir;
      const bytes = bytesOf(200, 7);
      const fileId = await shareAndUpload(f.alice, f.aliceSocket, bytes);
      const before = await filesIn(storageDir);
      await f.alice.json('POST', '/store-permanently', { file_id: fileId });
      await f.bob.json('POST', '/store-permanently', { file_id: fileId });
      const aliceBefore = (
        await f.alice.json<{ total_stored_bytes: number }>('GET', '/user/storage')
      ).body.total_stored_bytes;

      const first = await f.alice.json('POST', '/remove-from-server', { file_id: fileId });
      expect(first).toEqual({
        status: 200,
        body: {
          success: true,
          total_stored_bytes: aliceBefore - 200,
          tier_limit: 1000,
          tier_name: 'Free',
          server_copy_removed: false,
        },
      });
      expect((await f.bob.fetch(`/${fileId}/download`)).status).toBe(200);
      // The sharer cannot pull it out from under bob's claim.
      expect((await f.alice.json('POST', '/remove-from-server', { file_id: fileId })).status).toBe(
        409,
      );

      const removedEvent = nextEvent(f.aliceSocket, 'chat:file:server_removed');
      const last = await f.bob.json('POST', '/remove-from-server', { file_id: fileId });
      expect(last.body).toMatchObject({ success: true, server_copy_removed: true });
      expect(await removedEvent).toEqual({ file_id: fileId, room_id: 'team', reason: 'removed' });
      expect((await filesIn(storageDir)).length).toBe(before.length - 1);
      expect((await f.bob.fetch(`/${fileId}/download`)).status).toBe(404);
    });

    it('lets the sharer remove an unclaimed copy, and no one else', async () => {
      const fileId = await shareAndUpload(f.alice, f.aliceSocket, bytesOf(50, 8));
      const strangerSaw = collect(f.mallorySocket, 'chat:file:server_removed');
      expect(
        (await f.mallory.json('POST', '/remove-from-server', { file_id: fileId })).status,
      ).toBe(403);
      expect(await f.bob.json('POST', '/remove-from-server', { file_id: fileId })).toMatchObject({
        status: 404,
      });
      expect(await f.alice.json('POST', '/remove-from-server', { file_id: fileId })).toMatchObject({
        status: 200,
        body: { server_copy_removed: true },
      });
      const anonymous = await fetch(`${f.server.api}/remove-from-server`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ file_id: fileId }),
      });
      expect(anonymous.status).toBe(401);
      expect(
        (await f.alice.json('POST', '/remove-from-server', { file_id: randomUUID() })).status,
      ).toBe(404);
      await settle();
      expect(strangerSaw).toEqual([]);
    });
  });
});
