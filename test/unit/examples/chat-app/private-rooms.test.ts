/** Rooms of the reference app are private: only members and invitees get in. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, type TestClient } from '../../../support/test-app.js';
import { ack, bytesOf, manifestOf } from '../../server/support/helpers.js';

describe('private rooms', () => {
  let app: TestApp;
  let alice: TestClient;
  let bob: TestClient;
  let mallory: TestClient;
  let roomId: string;
  let fileId: string;

  beforeAll(async () => {
    app = await startTestApp();
    [alice, bob, mallory] = await Promise.all(['alice', 'bob', 'mallory'].map(app.login));
    const created = await alice.json<{ id: string }>('POST', '/api/rooms', {
      name: 'plans',
      members: ['bob'],
    });
    roomId = created.body.id;
    const socket = await alice.socket();
    const bytes = bytesOf(3000);
    const shared = await ack(socket, 'chat:file:share', {
      room_id: roomId,
      name: 'plan.txt',
      size: bytes.length,
      mime_type: 'text/plain',
      manifest: manifestOf(bytes),
    });
    fileId = shared.file_id as string;
    const form = new FormData();
    form.append('file_id', fileId);
    form.append('file', new Blob([new Uint8Array(bytes)], { type: 'text/plain' }), 'plan.txt');
    const upload = await alice.fetch('/api/chat/files/upload', { method: 'POST', body: form });
    expect(upload.status).toBe(200);
  });
  afterAll(() => app.close());

  it('answers a stranger who learns the room id with 403 on join, messages and files', async () => {
    const listed = await mallory.json<{ rooms: Array<{ id: string }> }>('GET', '/api/rooms');
    expect(listed.body.rooms.map((r) => r.id)).toEqual(['general']);
    expect((await mallory.json('POST', `/api/rooms/${roomId}/join`)).status).toBe(403);
    expect((await mallory.json('GET', `/api/rooms/${roomId}/messages`)).status).toBe(403);
    expect(
      (await mallory.json('POST', `/api/rooms/${roomId}/messages`, { content: 'hi' })).status,
    ).toBe(403);
    const download = await mallory.fetch(`/api/chat/files/${fileId}/download`);
    expect(download.status).toBe(403);
    await download.arrayBuffer();
    const socket = await mallory.socket();
    expect(
      await ack(socket, 'chat:file:request_peers', { file_id: fileId, room_id: roomId }),
    ).toMatchObject({
      success: false,
      code: 'ERR_NOT_MEMBER',
    });
  });

  it('lets members named at creation in without an invitation', async () => {
    expect((await bob.json('GET', `/api/rooms/${roomId}/messages`)).status).toBe(200);
    const download = await bob.fetch(`/api/chat/files/${fileId}/download`);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(bytesOf(3000));
  });

  it('lets only the creator invite; the invitee then sees and joins the room', async () => {
    expect(
      (await bob.json('POST', `/api/rooms/${roomId}/invite`, { username: 'carol' })).status,
    ).toBe(403);
    expect(
      (await alice.json('POST', `/api/rooms/${roomId}/invite`, { username: 'no one' })).status,
    ).toBe(400);
    expect((await alice.json('POST', '/api/rooms/nope/invite', { username: 'x' })).status).toBe(
      404,
    );
    expect(
      (await alice.json('POST', '/api/rooms/general/invite', { username: 'mallory' })).status,
    ).toBe(400);
    const carol = await app.login('carol');
    const socket = await carol.socket();
    const told = new Promise((resolve) => socket.once('chat:room_added', resolve));
    expect(
      (await alice.json('POST', `/api/rooms/${roomId}/invite`, { username: 'carol' })).status,
    ).toBe(200);
    expect(await told).toMatchObject({ id: roomId, name: 'plans' });
    const listed = await carol.json<{ rooms: Array<{ id: string; member: boolean }> }>(
      'GET',
      '/api/rooms',
    );
    expect(listed.body.rooms.find((r) => r.id === roomId)).toMatchObject({ member: false });
    expect((await carol.json('POST', `/api/rooms/${roomId}/join`)).status).toBe(200);
    const download = await carol.fetch(`/api/chat/files/${fileId}/download`);
    expect(download.status).toBe(200);
    await download.arrayBuffer();
  });

  it('keeps general open to everyone', async () => {
    expect((await mallory.json('POST', '/api/rooms/general/join')).status).toBe(200);
    expect((await mallory.json('GET', '/api/rooms/general/messages')).status).toBe(200);
  });
});
