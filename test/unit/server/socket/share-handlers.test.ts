import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFileMessage } from '../../../../src/core/wire/file-message.js';
import { startBareServer, type BareServer } from '../support/bare-server.js';
import { ack, manifestOf, nextEvent, settle, collect, sha256Hex } from '../support/helpers.js';
import { startRoomFixture, type RoomFixture } from '../support/room-fixture.js';

describe('chat:file:share', () => {
  let f: RoomFixture;
  beforeAll(async () => {
    f = await startRoomFixture({ config: { max_file_size: 1000, max_thumbnail_size: 200 } });
  });
  afterAll(() => f.server.close());

  it('creates the record, registers the sender as seeder and posts the [FILE] message', async () => {
    const bytes = Buffer.from('hello world');
    const received = nextEvent<{ content: string; sender: string }>(
      f.bobSocket,
      'chat:message_received',
    );
    const reply = await ack(f.aliceSocket, 'chat:file:share', {
      room_id: 'team',
      name: 'hello.txt',
      size: bytes.length,
      mime_type: 'Text/Plain; charset=utf-8',
      manifest: manifestOf(bytes),
    });
    expect(reply.success).toBe(true);
    const fileId = reply.file_id as string;
    expect(fileId).toMatch(/^[0-9a-f-]{36}$/);
    expect((reply.message as { content: string }).content).toMatch(/^\[FILE\]/);

    const message = await received;
    expect(message.sender).toBe('alice');
    expect(decodeFileMessage(message.content)).toEqual({
      file_id: fileId,
      name: 'hello.txt',
      size: 11,
      mime_type: 'text/plain',
    });

    const peers = await ack(f.bobSocket, 'chat:file:request_peers', {
      file_id: fileId,
      room_id: 'team',
    });
    expect(peers.seeders).toEqual([{ username: 'alice', socket_ids: [f.aliceSocket.id] }]);
    expect(peers.file).toMatchObject({
      id: fileId,
      room_id: 'team',
      name: 'hello.txt',
      size: 11,
      mime_type: 'text/plain',
      sender: 'alice',
      chunk_size: 65536,
      total_chunks: 1,
      thumbnail: null,
      md5: null,
      sanitized_name: null,
      manifest: manifestOf(bytes),
    });
  });

  it('keeps display names free of control characters and truncates 300-character names', async () => {
    const evil = await ack(f.aliceSocket, 'chat:file:share', {
      room_id: 'team',
      name: '../../etc/\u0000pass\u0007wd\u202e.txt',
      size: 1,
    });
    const peers = await ack(f.aliceSocket, 'chat:file:request_peers', {
      file_id: evil.file_id,
      room_id: 'team',
    });
    expect((peers.file as { name: string }).name).toBe('../../etc/passwd.txt');

    const long = `${'a'.repeat(296)}.pdf`;
    const reply = await ack(f.aliceSocket, 'chat:file:share', {
      room_id: 'team',
      name: long,
      size: 1,
      mime_type: 'application/pdf',
    });
    expect(reply.success).toBe(true);
    const file = (
      await ack(f.aliceSocket, 'chat:file:request_peers', {
        file_id: reply.file_id,
        room_id: 'team',
      })
    ).file as { name: string };
    expect(file.name).toHaveLength(255);
    expect(file.name.endsWith('.pdf')).toBe(true);

    const huge = await ack(f.aliceSocket, 'chat:file:share', {
      room_id: 'team',
      name: 'n'.repeat(4097),
      size: 1,
    });
    expect(huge).toMatchObject({ success: false, code: 'ERR_VALIDATION' });

    const empty = await ack(f.aliceSocket, 'chat:file:share', {
      room_id: 'team',
      name: '',
      size: 1,
    });
    expect(empty).toMatchObject({ success: false, code: 'ERR_VALIDATION' });
    const onlyControls = await ack(f.aliceSocket, 'chat:file:share', {
      room_id: 'team',
      name: '\u0001\u0002',
      size: 1,
    });
    const fallback = await ack(f.aliceSocket, 'chat:file:request_peers', {
      file_id: onlyControls.file_id,
      room_id: 'team',
    });
    expect((fallback.file as { name: string }).name).toBe('file');
  });

  it('accepts a zero-byte file with an empty manifest', async () => {
    const reply = await ack(f.aliceSocket, 'chat:file:share', {
      room_id: 'team',
      name: 'empty',
      size: 0,
      manifest: { piece_size: 1048576, pieces: [], root: sha256Hex(Buffer.alloc(0)) },
    });
    expect(reply.success).toBe(true);
  });

  it('enforces max_file_size at the declared size: exactly at the limit passes, one over fails', async () => {
    const atLimit = await ack(f.aliceSocket, 'chat:file:share', {
      room_id: 'team',
      name: 'a.bin',
      size: 1000,
    });
    expect(atLimit.success).toBe(true);
    const over = await ack(f.aliceSocket, 'chat:file:share', {
      room_id: 'team',
      name: 'a.bin',
      size: 1001,
    });
    expect(over).toMatchObject({ success: false, code: 'ERR_TOO_LARGE' });
  });

  it('refuses manifests that do not describe the declared size', async () => {
    const bytes = Buffer.from('abc');
    const good = manifestOf(bytes, 1024);
    const cases = [
      { ...good, pieces: [] },
      { ...good, root: '0'.repeat(64) },
      { ...good, piece_size: 10 },
      { ...good, pieces: ['not hex'] },
      'manifest',
    ];
    for (const manifest of cases) {
      const reply = await ack(f.aliceSocket, 'chat:file:share', {
        room_id: 'team',
        name: 'abc',
        size: 3,
        manifest,
      });
      expect(reply, JSON.stringify(manifest)).toMatchObject({
        success: false,
        code: 'ERR_VALIDATION',
      });
    }
  });

  it('checks thumbnails: image data URLs within max_thumbnail_size only', async () => {
    const base = { room_id: 'team', name: 'p.png', size: 10, mime_type: 'image/png' };
    const ok = await ack(f.aliceSocket, 'chat:file:share', {
      ...base,
      thumbnail: 'data:image/png;base64,iVBORw0KGgo=',
    });
    expect(ok.success).toBe(true);
    const svg = await ack(f.aliceSocket, 'chat:file:share', {
      ...base,
      thumbnail: 'data:image/svg+xml;base64,PHN2Zz4=',
    });
    expect(svg).toMatchObject({ success: false, code: 'ERR_VALIDATION' });
    const big = await ack(f.aliceSocket, 'chat:file:share', {
      ...base,
      thumbnail: `data:image/png;base64,${'A'.repeat(300)}`,
    });
    expect(big).toMatchObject({ success: false, code: 'ERR_TOO_LARGE' });
  });

  it('refuses strangers, deleted rooms and unknown rooms', async () => {
    const stranger = await ack(f.mallorySocket, 'chat:file:share', {
      room_id: 'team',
      name: 'x',
      size: 1,
    });
    expect(stranger).toMatchObject({ success: false, code: 'ERR_NOT_MEMBER' });
    f.server.addRoom('gone', ['alice'], { deleted: true });
    expect(
      await ack(f.aliceSocket, 'chat:file:share', { room_id: 'gone', name: 'x', size: 1 }),
    ).toMatchObject({ success: false, code: 'ERR_NOT_MEMBER' });
    expect(
      await ack(f.aliceSocket, 'chat:file:share', { room_id: 'nowhere', name: 'x', size: 1 }),
    ).toMatchObject({ success: false, code: 'ERR_NOT_MEMBER' });
  });
});

describe('chat:file:share when the host cannot post the message', () => {
  it('answers an error and keeps no file record', async () => {
    const server = await startBareServer({
      host: {
        postMessage: () => {
          throw new Error('message store down');
        },
      },
    });
    try {
      const socket = await server.user('zoe').socket();
      const reply = await ack(socket, 'chat:file:share', {
        room_id: 'general',
        name: 'f.txt',
        size: 1,
      });
      expect(reply).toMatchObject({ success: false, code: 'ERR_INTERNAL' });
      expect(reply.error).not.toMatch(/message store down/);
      expect(await server.files.store.files.list({ sender: 'zoe', limit: 10 })).toEqual([]);
    } finally {
      await server.close();
    }
  });
});

describe('chat:file:share with allowed_mime_types', () => {
  let server: BareServer;
  beforeAll(async () => {
    server = await startBareServer({
      config: { server_seeding: { allowed_mime_types: ['image/*', 'application/pdf'] } },
    });
  });
  afterAll(() => server.close());

  it('accepts listed types (with wildcards) and refuses others with 415', async () => {
    const socket = await server.user('zoe').socket();
    const share = (mime_type?: string) =>
      ack(socket, 'chat:file:share', { room_id: 'general', name: 'f', size: 1, mime_type });
    expect((await share('image/webp')).success).toBe(true);
    expect((await share('application/pdf')).success).toBe(true);
    expect(await share('text/html')).toMatchObject({
      success: false,
      code: 'ERR_UNSUPPORTED_TYPE',
    });
    // No type at all is application/octet-stream, which is not listed.
    expect(await share(undefined)).toMatchObject({ success: false, code: 'ERR_UNSUPPORTED_TYPE' });
  });
});

describe('chat:file:seed_registered and chat:file:server_cached', () => {
  let f: RoomFixture;
  beforeAll(async () => {
    f = await startRoomFixture();
  });
  afterAll(() => f.server.close());

  it('records a member as seeder and tells the rest of the room', async () => {
    const fileId = await f.share(f.aliceSocket, { bytes: Buffer.from('seed me') });
    const announced = nextEvent(f.aliceSocket, 'chat:file:seeder_available');
    const strangerSaw = collect(f.mallorySocket, 'chat:file:seeder_available');
    const reply = await ack(f.bobSocket, 'chat:file:seed_registered', { file_id: fileId });
    expect(reply).toEqual({ success: true });
    expect(await announced).toEqual({
      file_id: fileId,
      room_id: 'team',
      username: 'bob',
      socket_id: f.bobSocket.id,
    });
    const peers = await ack(f.aliceSocket, 'chat:file:request_peers', {
      file_id: fileId,
      room_id: 'team',
    });
    expect(peers.seeders).toEqual([{ username: 'bob', socket_ids: [f.bobSocket.id] }]);
    await settle();
    expect(strangerSaw).toEqual([]);
  });

  it('refuses server_cached when the server holds no copy', async () => {
    const fileId = await f.share(f.aliceSocket, { bytes: Buffer.from('not uploaded') });
    const reply = await ack(f.aliceSocket, 'chat:file:server_cached', {
      file_id: fileId,
      room_id: 'team',
      expires_at: null,
    });
    expect(reply).toMatchObject({ success: false, code: 'ERR_NOT_FOUND' });
    const wrongRoom = await ack(f.aliceSocket, 'chat:file:server_cached', {
      file_id: fileId,
      room_id: 'general',
      expires_at: null,
    });
    expect(wrongRoom).toMatchObject({ success: false, code: 'ERR_NOT_FOUND' });
  });
});
