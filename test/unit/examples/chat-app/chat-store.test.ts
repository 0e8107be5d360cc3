/**
 * The reference app's store contract, run against SQLite and a real PostgreSQL; for
 * PostgreSQL also two stores on one database, as two nodes would hold them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERAL_ROOM_ID, type ChatStore } from '../../../../examples/chat-app/chat-store.js';
import { PgChatStore } from '../../../../examples/chat-app/pg-chat-store.js';
import { SqliteChatStore } from '../../../../examples/chat-app/sqlite-chat-store.js';
import { createDatabase, startPostgres, type TestService } from '../../../support/services.js';

function contract(name: string, open: () => Promise<ChatStore>) {
  describe(`${name} chat store`, () => {
    let store: ChatStore;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(() => store?.close());

    it('keeps sessions by token, and forgets ended ones', async () => {
      await store.upsertUser('alice', ['pro']);
      const token = await store.createSession('alice');
      expect(token).toMatch(/^[\w-]{43}$/);
      expect(await store.sessionUser(token)).toBe('alice');
      expect(await store.sessionUser(`${token}x`)).toBeNull();
      await store.deleteSession(token);
      expect(await store.sessionUser(token)).toBeNull();
    });

    it('puts every user in general and lists private rooms only to members and invitees', async () => {
      await store.upsertUser('bob', []);
      await store.upsertUser('mallory', []);
      const room = await store.createRoom({
        name: 'secret',
        createdBy: 'alice',
        members: [],
        federatedWith: [],
      });
      const names = async (user: string) => (await store.listRooms(user)).map((r) => r.name);
      expect(await names('mallory')).toEqual(['general']);
      expect(await store.isMember(GENERAL_ROOM_ID, 'mallory')).toBe(true);
      expect(await names('alice')).toEqual(['general', 'secret']);
      expect(await store.isInvited(room.id, 'bob')).toBe(false);
      await store.invite(room.id, 'bob', 'alice');
      await store.invite(room.id, 'bob', 'alice');
      expect(await store.isInvited(room.id, 'bob')).toBe(true);
      const listed = (await store.listRooms('bob')).find((r) => r.id === room.id);
      expect(listed).toMatchObject({ member: false, members: ['alice'] });
      expect(await store.join(room.id, 'bob')).toBe(true);
      expect(await store.join(room.id, 'bob')).toBe(false);
      expect((await store.roomsOf('bob')).sort()).toEqual([GENERAL_ROOM_ID, room.id].sort());
      await store.deleteRoom(room.id);
      expect(await store.isMember(room.id, 'bob')).toBe(false);
      expect(await store.roomsOf('bob')).toEqual([GENERAL_ROOM_ID]);
      expect(await store.getRoom(room.id)).toMatchObject({ deleted: true });
    });

    it('lists federated rooms to everyone and renames them', async () => {
      const room = await store.createFederatedRoom({
        id: 'fed-room-1',
        name: 'shared',
        origin: 'https://peer.example',
      });
      expect(room).toMatchObject({ type: 'federated', federated_with: ['https://peer.example'] });
      await store.renameRoom(room.id, 'renamed');
      expect((await store.listRooms('mallory')).map((r) => r.name)).toContain('renamed');
    });

    it('returns the latest messages oldest first, and pages with before', async () => {
      const room = await store.createRoom({
        name: 'talk',
        createdBy: 'alice',
        members: ['bob'],
        federatedWith: [],
      });
      for (let i = 0; i < 5; i++) await store.addMessage(room.id, 'alice', `m${i}`);
      const all = await store.messages(room.id);
      expect(all.map((m) => m.content)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
      expect((await store.messages(room.id, 2)).map((m) => m.content)).toEqual(['m3', 'm4']);
      expect(await store.messages(room.id, 10, all[0]!.created_at)).toEqual([]);
      await store.ping();
    });
  });
}

contract('SQLite', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'chat-store-'));
  const store = new SqliteChatStore(path.join(dir, 'chat.db'));
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    rmSync(dir, { recursive: true, force: true });
  };
  return store;
});

describe('PostgreSQL', () => {
  let pg: TestService;
  let url: string;
  beforeAll(async () => {
    pg = await startPostgres();
    url = await createDatabase(pg.url, 'chatstore');
  }, 60_000);
  afterAll(() => pg?.stop());

  contract('PostgreSQL', () => PgChatStore.open(url));

  it('shares sessions, rooms and messages between two nodes starting at once', async () => {
    const shared = await createDatabase(pg.url, 'chatnodes');
    const [node1, node2] = await Promise.all([PgChatStore.open(shared), PgChatStore.open(shared)]);
    try {
      await node1.upsertUser('alice', []);
      const token = await node1.createSession('alice');
      expect(await node2.sessionUser(token)).toBe('alice');
      const room = await node2.createRoom({
        name: 'both',
        createdBy: 'alice',
        members: [],
        federatedWith: [],
      });
      await node1.addMessage(room.id, 'alice', 'hello from node 1');
      expect((await node2.messages(room.id)).map((m) => m.content)).toEqual(['hello from node 1']);
    } finally {
      await node1.close();
      await node2.close();
    }
  });

  it('fails to open when the database cannot be reached', async () => {
    const badPort = new URL(pg.url);
    badPort.port = '1';
    await expect(PgChatStore.open(badPort.toString())).rejects.toThrow(/ECONNREFUSED|connect/);
  });
});
