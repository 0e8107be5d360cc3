import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RequestHandler } from 'express';
import { Server as SocketIOServer } from 'socket.io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChatFilesServer, type HostAdapter } from '../../../server/index.js';
import { startTestApp, type TestApp, type TestClient } from '../../support/test-app.js';
import { ack, bytesOf, manifestOf, multipart, nextEvent, sha256Hex } from './support/helpers.js';

const host: HostAdapter = {
  authenticate: () => null,
  isMember: () => false,
  getRoom: () => null,
  postMessage: () => {
    throw new Error('unused');
  },
};

describe('createChatFilesServer', () => {
  it('says what to pass when the host adapter is missing or incomplete', () => {
    expect(() => createChatFilesServer(undefined as never)).toThrow(/options object/);
    expect(() => createChatFilesServer({ host: { authenticate: () => null } as never })).toThrow(
      /isMember \(or listRoomIds\)/,
    );
  });

  it('says what to pass when federation is on without an origin, or with a path', () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'chat-files-index-'));
    try {
      const federation = { enabled: true, peers: [] };
      expect(() => createChatFilesServer({ host, dataDir, config: { federation } })).toThrow(
        /pass publicOrigin or set federation.origin/,
      );
      expect(() =>
        createChatFilesServer({
          host,
          dataDir,
          config: { federation },
          publicOrigin: 'https://chat.example/app',
        }),
      ).toThrow(/must be an origin/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('keeps its federation key in dataDir and publishes it only while federation is on', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'chat-files-index-'));
    const logger = { info() {}, warn() {}, error() {} };
    const answer = async (handler: RequestHandler) => {
      let status = 200;
      let body: unknown;
      const res = {
        set: () => res,
        status: (code: number) => ((status = code), res),
        json: (value: unknown) => ((body = value), res),
      };
      await handler({} as never, res as never, () => undefined);
      return { status, body };
    };
    try {
      const off = createChatFilesServer({ host, dataDir, logger });
      expect(off.federation).toBeNull();
      expect((await answer(off.wellKnown)).status).toBe(404);
      await off.close();

      const config = { federation: { enabled: true, peers: ['https://peer.example'] } };
      const open = () =>
        createChatFilesServer({
          host,
          dataDir,
          logger,
          config,
          publicOrigin: 'https://me.example/',
        });
      const first = open();
      const published = (await answer(first.wellKnown)).body as Record<string, unknown>;
      expect(published).toMatchObject({
        origin: 'https://me.example',
        api_base: 'https://me.example/api/chat/files',
        version: 1,
      });
      expect(first.federation?.trusts('https://peer.example')).toBe(true);
      await first.close();
      const second = open();
      expect(((await answer(second.wellKnown)).body as Record<string, unknown>).public_key).toBe(
        published.public_key,
      );
      await second.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('creates chat-files.db in dataDir, and close() is idempotent and final', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'chat-files-index-'));
    try {
      const server = createChatFilesServer({
        host,
        dataDir,
        logger: { info() {}, warn() {}, error() {} },
      });
      await server.ready;
      const { readdirSync } = await import('node:fs');
      expect(readdirSync(dataDir)).toContain('chat-files.db');
      expect(server.options.storageDir).toBe(path.join(dataDir, 'uploads', 'chat_files'));
      // Not bound to an HTTP server, so there is nothing to close.
      const io = new SocketIOServer();
      server.attach(io);
      await Promise.all([server.close(), server.close()]);
      expect(() => server.attach(io)).toThrow(/closed/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('the server mounted in the reference chat app', () => {
  let app: TestApp;
  let alice: TestClient;
  let bob: TestClient;
  beforeAll(async () => {
    app = await startTestApp({ chatApp: { users: { bob: { groups: ['pro'] } } } });
    alice = await app.login('alice');
    bob = await app.login('bob');
  });
  afterAll(() => app.close());

  it('shares, uploads, downloads, lists and claims through the app session', async () => {
    const aliceSocket = await alice.socket();
    const bobSocket = await bob.socket();
    const bytes = bytesOf(70_000, 1);
    const message = nextEvent<{ content: string }>(bobSocket, 'chat:message_received');
    const shared = await ack(aliceSocket, 'chat:file:share', {
      room_id: 'general',
      name: 'photo.jpg',
      size: bytes.length,
      mime_type: 'application/octet-stream',
      manifest: manifestOf(bytes),
    });
    expect(shared.success).toBe(true);
    const fileId = shared.file_id as string;
    expect((await message).content).toContain(fileId);
    // The app stores the [FILE] message like any other.
    const history = await bob.json<{ messages: Array<{ content: string }> }>(
      'GET',
      '/api/rooms/general/messages',
    );
    expect(history.body.messages.some((m) => m.content.includes(fileId))).toBe(true);

    const form = multipart([
      { name: 'file_id', value: fileId },
      { name: 'file', filename: 'photo.jpg', data: bytes },
    ]);
    const upload = await alice.fetch('/api/chat/files/upload', {
      method: 'POST',
      headers: { 'content-type': form.contentType },
      body: form.body,
    });
    expect(upload.status).toBe(200);
    expect(((await upload.json()) as { sha256: string }).sha256).toBe(sha256Hex(bytes));

    const range = await bob.fetch(`/api/chat/files/${fileId}/download`, {
      headers: { range: 'bytes=100-199' },
    });
    expect(range.status).toBe(206);
    expect(Buffer.from(await range.arrayBuffer())).toEqual(bytes.subarray(100, 200));

    const listing = await bob.json<{ files: Array<{ id: string; room_name: string }> }>(
      'GET',
      '/api/chat/files/user',
    );
    expect(listing.body.files.find((f) => f.id === fileId)).toMatchObject({
      room_name: 'general',
      sender_chat_name: 'alice',
    });

    const claim = await bob.json('POST', '/api/chat/files/store-permanently', { file_id: fileId });
    expect(claim.body).toEqual({
      success: true,
      total_stored_bytes: 70_000,
      tier_limit: 5 * 1024 ** 3,
      tier_name: 'pro',
    });
    const noSession = await fetch(`${app.url}/api/chat/files/user/storage`);
    expect(noSession.status).toBe(401);
  });
});
