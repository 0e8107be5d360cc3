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
        can_delete: true,
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

  describe('server copies that lose nothing (a sharer and two recipients)', () => {
    let g: RoomFixture;
    let carol: ReturnType<RoomFixture['server']['user']>;
    beforeAll(async () => {
      g = await startRoomFixture({
        config: { upload_tiers: { default: 10_000 }, server_seeding: { temp_cache_minutes: 60 } },
        host: { isAdmin: (username: string) => username === 'root' },
      });
      carol = g.server.user('carol');
      await g.server.join('team', 'carol');
    });
    afterAll(() => g.server.close());

    const status = (fileId: string) =>
      ack(g.aliceSocket, 'chat:file:server_status', { file_id: fileId });
    const used = async (user: { json: RoomFixture['alice']['json'] }) =>
      (await user.json<{ total_stored_bytes: number }>('GET', '/user/storage')).body
        .total_stored_bytes;

    it("keeps the copy pinned when one recipient releases while the other's claim holds it", async () => {
      const fileId = await shareAndUpload(g.alice, g.aliceSocket, bytesOf(100, 20));
      await g.bob.json('POST', '/store-permanently', { file_id: fileId });
      await carol.json('POST', '/store-permanently', { file_id: fileId });
      const released = await g.bob.json('POST', '/remove-from-server', { file_id: fileId });
      expect(released).toMatchObject({
        status: 200,
        body: { total_stored_bytes: 0, server_copy_removed: false },
      });
      expect(await status(fileId)).toMatchObject({ server_available: true, expires_at: null });
      expect((await g.bob.fetch(`/${fileId}/download`)).status).toBe(200);
      expect(await used(carol)).toBe(100);
    });

    it('puts the copy back in the temp cache, still downloadable, when the last claim is released', async () => {
      const bytes = bytesOf(100, 21);
      const fileId = await shareAndUpload(g.alice, g.aliceSocket, bytes);
      await g.bob.json('POST', '/store-permanently', { file_id: fileId });
      await carol.json('POST', '/store-permanently', { file_id: fileId });
      await g.bob.json('POST', '/remove-from-server', { file_id: fileId });
      const carolBefore = await used(carol);
      const cached = nextEvent(g.aliceSocket, 'chat:file:server_cached');
      const last = await carol.json('POST', '/remove-from-server', { file_id: fileId });
      expect(last.body).toMatchObject({
        total_stored_bytes: carolBefore - 100,
        server_copy_removed: false,
      });
      const { expires_at: expiresAt } = await cached;
      expect(expiresAt).toEqual(expect.any(Number));
      expect(await status(fileId)).toMatchObject({
        server_available: true,
        expires_at: expiresAt,
      });
      const download = await g.bob.fetch(`/${fileId}/download`);
      expect(download.status).toBe(200);
      expect(Buffer.from(await download.arrayBuffer())).toEqual(bytes);
    });

    it('never lets a recipient delete the copy, with or without a claim', async () => {
      const fileId = await shareAndUpload(g.alice, g.aliceSocket, bytesOf(100, 22));
      expect(await g.bob.json('POST', '/remove-from-server', { file_id: fileId })).toMatchObject({
        status: 404,
      });
      await carol.json('POST', '/store-permanently', { file_id: fileId });
      const carolKeeps = await used(carol);
      expect(await carol.json('POST', '/delete-server-copy', { file_id: fileId })).toMatchObject({
        status: 403,
        body: { code: 'ERR_FORBIDDEN' },
      });
      expect(await g.bob.json('POST', '/delete-server-copy', { file_id: fileId })).toMatchObject({
        status: 403,
      });
      expect(
        (await g.mallory.json('POST', '/delete-server-copy', { file_id: fileId })).status,
      ).toBe(403);
      expect(await status(fileId)).toMatchObject({ server_available: true });
      expect(await used(carol)).toBe(carolKeeps);
    });

    it("lets the sharer delete the room's copy for everyone, refunding the claims on it", async () => {
      const storageDir = g.server.files.options.storageDir;
      const fileId = await shareAndUpload(g.alice, g.aliceSocket, bytesOf(100, 23));
      await g.bob.json('POST', '/store-permanently', { file_id: fileId });
      await carol.json('POST', '/store-permanently', { file_id: fileId });
      const before = (await filesIn(storageDir)).length;
      const bobBefore = await used(g.bob);
      // Releasing is not deleting: without a claim, the sharer cannot pull a kept copy away.
      expect((await g.alice.json('POST', '/remove-from-server', { file_id: fileId })).status).toBe(
        409,
      );
      const removed = nextEvent(g.bobSocket, 'chat:file:server_removed');
      const deleted = await g.alice.json('POST', '/delete-server-copy', { file_id: fileId });
      expect(deleted).toMatchObject({ status: 200, body: { server_copy_removed: true } });
      expect(await removed).toEqual({ file_id: fileId, room_id: 'team', reason: 'removed' });
      expect(await used(g.bob)).toBe(bobBefore - 100);
      expect(await status(fileId)).toMatchObject({ server_available: false });
      expect((await g.bob.fetch(`/${fileId}/download`)).status).toBe(404);
      expect((await filesIn(storageDir)).length).toBe(before - 1);
      expect(await g.bob.json('POST', '/delete-server-copy', { file_id: fileId })).toMatchObject({
        status: 403,
      });
      expect(await g.alice.json('POST', '/delete-server-copy', { file_id: fileId })).toMatchObject({
        status: 404,
      });
    });

    it("lets an administrator (the host's isAdmin) delete a copy in a room they are not in", async () => {
      const root = g.server.user('root');
      const fileId = await shareAndUpload(g.alice, g.aliceSocket, bytesOf(100, 24));
      await carol.json('POST', '/store-permanently', { file_id: fileId });
      const carolBefore = await used(carol);
      expect(await root.json('POST', '/delete-server-copy', { file_id: fileId })).toMatchObject({
        status: 200,
        body: { server_copy_removed: true },
      });
      expect(await status(fileId)).toMatchObject({ server_available: false });
      expect(await used(carol)).toBe(carolBefore - 100);
    });

    it('tells each member whether they may delete the copy, by the rule the route applies', async () => {
      const root = g.server.user('root');
      await g.server.join('team', 'root');
      const rootSocket = await root.socket();
      try {
        const fileId = await shareAndUpload(g.alice, g.aliceSocket, bytesOf(100, 25));
        // One answer whichever way a card asks: one file, a batch, or looking for peers.
        const canDelete = async (socket: typeof rootSocket) => {
          const one = await ack(socket, 'chat:file:server_status', { file_id: fileId });
          const batch = await ack(socket, 'chat:file:server_status_batch', { file_ids: [fileId] });
          const peers = await ack(socket, 'chat:file:request_peers', {
            file_id: fileId,
            room_id: 'team',
          });
          const answers = [
            one.can_delete,
            (batch.statuses as Record<string, { can_delete: unknown }>)[fileId].can_delete,
            peers.can_delete,
          ];
          expect(new Set(answers).size).toBe(1);
          return answers[0];
        };
        expect(await canDelete(g.aliceSocket)).toBe(true);
        expect(await canDelete(rootSocket)).toBe(true);
        expect(await canDelete(g.bobSocket)).toBe(false);

        expect(await g.bob.json('POST', '/delete-server-copy', { file_id: fileId })).toMatchObject({
          status: 403,
        });
        expect(await root.json('POST', '/delete-server-copy', { file_id: fileId })).toMatchObject({
          status: 200,
          body: { server_copy_removed: true },
        });
        // The permission stays with the person, not with the copy.
        expect(await status(fileId)).toMatchObject({ server_available: false, can_delete: true });
      } finally {
        rootSocket.close();
      }
    });
  });
});
