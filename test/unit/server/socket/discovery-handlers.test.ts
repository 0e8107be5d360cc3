import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ack, collect, nextEvent, settle } from '../support/helpers.js';
import { startRoomFixture, type RoomFixture } from '../support/room-fixture.js';

describe('discovery events', () => {
  let f: RoomFixture;
  let fileId: string;
  beforeAll(async () => {
    f = await startRoomFixture();
    fileId = await f.share(f.aliceSocket, { bytes: Buffer.from('discover me') });
  });
  afterAll(() => f.server.close());

  describe('chat:file:request_peers', () => {
    it('lists online seeders with their sockets in the room, never the asking socket', async () => {
      const aliceTab2 = await f.alice.socket();
      const reply = await ack(f.aliceSocket, 'chat:file:request_peers', {
        file_id: fileId,
        room_id: 'team',
      });
      expect(reply).toMatchObject({
        success: true,
        seeders: [{ username: 'alice', socket_ids: [aliceTab2.id] }],
        server_available: false,
        user_has_claim: false,
        expires_at: null,
      });
      expect(reply.diag).toMatchObject({ registered_seeders: 1, online_seeders: 1 });
      aliceTab2.close();
    });

    it('leaves out seeders that are offline', async () => {
      const carol = f.server.user('carol');
      await f.server.join('team', 'carol');
      const carolSocket = await carol.socket();
      await ack(carolSocket, 'chat:file:seed_registered', { file_id: fileId });
      carolSocket.close();
      await settle(100);
      const reply = await ack(f.bobSocket, 'chat:file:request_peers', {
        file_id: fileId,
        room_id: 'team',
      });
      const names = (reply.seeders as Array<{ username: string }>).map((s) => s.username);
      expect(names).toEqual(['alice']);
      expect(reply.diag).toMatchObject({ registered_seeders: 2 });
    });

    it('refuses a room the file is not in', async () => {
      const reply = await ack(f.aliceSocket, 'chat:file:request_peers', {
        file_id: fileId,
        room_id: 'general',
      });
      expect(reply).toMatchObject({ success: false, code: 'ERR_NOT_FOUND' });
    });
  });

  describe('chat:file:server_status and chat:file:server_status_batch', () => {
    it('answers the server status of one file', async () => {
      expect(await ack(f.bobSocket, 'chat:file:server_status', { file_id: fileId })).toEqual({
        success: true,
        server_available: false,
        user_has_claim: false,
        expires_at: null,
        can_delete: false,
      });
    });

    it('answers many files in one call, leaving out unknown and foreign files', async () => {
      const others = await Promise.all(
        [1, 2, 3].map((n) => f.share(f.bobSocket, { bytes: Buffer.from(`file ${n}`) })),
      );
      const foreign = await f.share(f.mallorySocket, {
        room_id: 'general',
        bytes: Buffer.from('elsewhere'),
      });
      f.server.addRoom('mallory-only', ['mallory']);
      const hidden = await f.share(f.mallorySocket, {
        room_id: 'mallory-only',
        bytes: Buffer.from('hidden'),
      });
      const reply = await ack(f.aliceSocket, 'chat:file:server_status_batch', {
        file_ids: [fileId, ...others, foreign, hidden, 'unknown-id'],
      });
      expect(reply.success).toBe(true);
      const statuses = reply.statuses as Record<string, unknown>;
      expect(Object.keys(statuses).sort()).toEqual([fileId, ...others, foreign].sort());
      expect(statuses[fileId]).toEqual({
        server_available: false,
        user_has_claim: false,
        expires_at: null,
        can_delete: true,
      });
    });

    it('caps a batch at 1000 ids', async () => {
      const ok = await ack(f.aliceSocket, 'chat:file:server_status_batch', {
        file_ids: new Array(1000).fill(fileId),
      });
      expect(ok.success).toBe(true);
      const tooMany = await ack(f.aliceSocket, 'chat:file:server_status_batch', {
        file_ids: new Array(1001).fill(fileId),
      });
      expect(tooMany).toMatchObject({ success: false, code: 'ERR_VALIDATION' });
    });
  });

  describe('chat:file:probe and chat:file:probe_response', () => {
    it('asks the rest of the room and routes the answer to the asking socket only', async () => {
      const bobProbe = nextEvent<Record<string, unknown>>(f.bobSocket, 'chat:file:probe');
      const aliceSawOwn = collect(f.aliceSocket, 'chat:file:probe');
      const strangerSaw = collect(f.mallorySocket, 'chat:file:probe');
      expect(
        await ack(f.aliceSocket, 'chat:file:probe', { file_id: fileId, room_id: 'team' }),
      ).toEqual({ success: true, forwarded: true });
      const probe = await bobProbe;
      expect(probe).toEqual({
        file_id: fileId,
        room_id: 'team',
        requester_socket_id: f.aliceSocket.id,
        requester_username: 'alice',
      });

      const answer = nextEvent(f.aliceSocket, 'chat:file:probe_response');
      const strangerAnswers = collect(f.mallorySocket, 'chat:file:probe_response');
      expect(
        await ack(f.bobSocket, 'chat:file:probe_response', {
          file_id: fileId,
          has_file: true,
          requester_socket_id: probe.requester_socket_id,
          pieces: [0],
        }),
      ).toEqual({ success: true });
      expect(await answer).toEqual({
        file_id: fileId,
        has_file: true,
        responder_socket_id: f.bobSocket.id,
        responder_username: 'bob',
        pieces: [0],
      });
      await settle();
      expect(aliceSawOwn).toEqual([]);
      expect(strangerSaw).toEqual([]);
      expect(strangerAnswers).toEqual([]);
    });

    it('does not deliver probe answers to sockets outside the room or that do not exist', async () => {
      const strangerAnswers = collect(f.mallorySocket, 'chat:file:probe_response');
      const toStranger = await ack(f.bobSocket, 'chat:file:probe_response', {
        file_id: fileId,
        has_file: true,
        requester_socket_id: f.mallorySocket.id,
      });
      expect(toStranger).toMatchObject({ success: false, code: 'ERR_NOT_FOUND' });
      const toNobody = await ack(f.bobSocket, 'chat:file:probe_response', {
        file_id: fileId,
        has_file: false,
        requester_socket_id: 'no-such-socket',
      });
      expect(toNobody).toMatchObject({ success: false, code: 'ERR_NOT_FOUND' });
      await settle();
      expect(strangerAnswers).toEqual([]);
    });
  });
});
