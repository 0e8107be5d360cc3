/**
 * Federation end to end in one process: two real reference apps on two loopback ports,
 * each trusting the other. A room created on A appears on B; text goes both ways; a file
 * shared on A reaches B as a `[FILE]` card pointing at A, whose preview B proxies and
 * whose bytes come from A's share link; nothing of it is written on B; revoking it on A
 * turns it unavailable everywhere.
 */
import { createHash } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFileMessage } from '../../../../src/core/wire/file-message.js';
import type { ChatMessage, FileMessagePayload } from '../../../../src/core/wire/protocol.js';
import type { TestClient } from '../../../support/test-app.js';
import {
  createFederatedRoom,
  filesContaining,
  randomPng,
  shareAndUploadFile,
  startFederatedPair,
  postFileUpload,
  type FederatedPair,
} from '../support/federated-pair.js';
import { nextEvent, settle } from '../support/helpers.js';

const API = '/api/chat/files';
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Resolves with the first `chat:message_received` on `socket` that `accept`s. */
function messageWhere(
  socket: Socket,
  accept: (message: ChatMessage) => boolean,
  timeoutMs = 8000,
): Promise<ChatMessage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off('chat:message_received', listener);
      reject(new Error(`no matching message within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (message: ChatMessage) => {
      if (!accept(message)) return;
      clearTimeout(timer);
      socket.off('chat:message_received', listener);
      resolve(message);
    };
    socket.on('chat:message_received', listener);
  });
}

/** The federated `[FILE]` message of a file named `name` on `socket`. */
async function federatedCard(socket: Socket, name: string) {
  const message = await messageWhere(socket, (m) => decodeFileMessage(m.content)?.name === name);
  const payload = decodeFileMessage(message.content)!;
  return { message, payload, file: payload.federated! };
}

describe('federation between two instances', () => {
  let pair: FederatedPair;
  let aliceA: TestClient;
  let carolA: TestClient;
  let bobB: TestClient;
  let daveB: TestClient;
  let aliceSocket: Socket;
  let bobSocket: Socket;
  let roomId: string;
  let hostA: string;
  const image = randomPng(48, 48);
  let imageFileId: string;
  let card: {
    message: ChatMessage;
    payload: FileMessagePayload;
    file: FileMessagePayload['federated'] & object;
  };

  beforeAll(async () => {
    pair = await startFederatedPair();
    hostA = new URL(pair.originA).host;
    [aliceA, carolA, bobB, daveB] = await Promise.all([
      pair.a.login('alice'),
      pair.a.login('carol'),
      pair.b.login('bob'),
      pair.b.login('dave'),
    ]);
    [aliceSocket, bobSocket] = await Promise.all([aliceA.socket(), bobB.socket()]);
  });
  afterAll(() => pair.close());

  it('publishes each instance’s identity at /.well-known/chat-files', async () => {
    const res = await fetch(`${pair.originA}/.well-known/chat-files`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      origin: pair.originA,
      api_base: `${pair.originA}${API}`,
      version: 1,
    });
    expect(Buffer.from(body.public_key as string, 'base64').length).toBe(44); // Ed25519 SPKI
  });

  it('creates a federated room on A that appears on B, where B’s users join it', async () => {
    const created = await createFederatedRoom(aliceA, 'design', [pair.originB]);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      type: 'federated',
      federated_with: [pair.originB],
      federation: [{ origin: pair.originB, delivered: true, retrying: false }],
    });
    roomId = created.body.id;

    const { body } = await bobB.json<{ rooms: Array<Record<string, unknown>> }>(
      'GET',
      '/api/rooms',
    );
    expect(body.rooms.find((room) => room.id === roomId)).toMatchObject({
      name: 'design',
      type: 'federated',
      federated_with: [pair.originA],
      member: false,
    });
    expect((await bobB.json('POST', `/api/rooms/${roomId}/join`)).status).toBe(200);
    expect((await carolA.json('POST', `/api/rooms/${roomId}/join`)).status).toBe(200);
  });

  it('refuses a room federated with an origin that is not a trusted peer, naming it', async () => {
    const res = await createFederatedRoom(aliceA, 'elsewhere', ['https://evil.example']);
    expect(res.status).toBe(400);
    expect(res.body.error).toContain('https://evil.example');
  });

  it('relays text messages both ways, named user@host', async () => {
    const atB = messageWhere(bobSocket, (m) => m.content === 'hello from A');
    aliceSocket.emit('chat:send_message', { room_id: roomId, content: 'hello from A' });
    expect(await atB).toMatchObject({ room_id: roomId, sender: `alice@${hostA}` });

    const atA = messageWhere(aliceSocket, (m) => m.content === 'hi from B');
    expect(
      (await bobB.json('POST', `/api/rooms/${roomId}/messages`, { content: 'hi from B' })).status,
    ).toBe(201);
    expect(await atA).toMatchObject({ sender: `bob@${new URL(pair.originB).host}` });
  });

  it('delivers an image shared on A to B as a federated file card', async () => {
    const arriving = federatedCard(bobSocket, 'cat.png');
    imageFileId = await shareAndUploadFile(aliceA, aliceSocket, {
      roomId,
      name: 'cat.png',
      mimeType: 'image/png',
      bytes: image,
    });
    card = await arriving;
    expect(card.message.sender).toBe(`alice@${hostA}`);
    expect(card.payload.file_id).toMatch(/^fed_[0-9a-f]{32}$/);
    expect(card.payload).toMatchObject({
      name: 'cat.png',
      size: image.length,
      mime_type: 'image/png',
    });
    expect(card.file).toMatchObject({
      name: 'cat.png',
      size: image.length,
      mimeType: 'image/png',
      sha256: sha256(image),
      origin: pair.originA,
    });
    const shareBase = new RegExp(`^${pair.originA}${API}/shares/[A-Za-z0-9_-]{43}/`);
    expect(card.file.downloadUrl).toMatch(shareBase);
    expect(card.file.previewUrl).toMatch(shareBase);
  });

  it('serves the file object of the card to members of the room on B only', async () => {
    const res = await bobB.json('GET', `${API}/federation/v1/files/${card.payload.file_id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: card.payload.file_id,
      room_id: roomId,
      origin: pair.originA,
      origin_file_id: imageFileId,
      sender: `alice@${hostA}`,
      file: card.file,
      revoked: false,
    });
    expect(
      (await daveB.json('GET', `${API}/federation/v1/files/${card.payload.file_id}`)).status,
    ).toBe(403);
    expect(
      (await bobB.json('GET', `${API}/federation/v1/files/fed_${'0'.repeat(32)}`)).status,
    ).toBe(404);
  });

  it('lists the card in B’s file listing when asked for peer files', async () => {
    const plain = await bobB.json<{ files: Array<{ id: string }> }>('GET', `${API}/user`);
    expect(plain.body.files.map((f) => f.id)).not.toContain(card.payload.file_id);
    const listed = await bobB.json<{ files: Array<Record<string, unknown>> }>(
      'GET',
      `${API}/user?federated=1&search=CAT`,
    );
    expect(listed.body.files).toEqual([
      expect.objectContaining({
        id: card.payload.file_id,
        name: 'cat.png',
        room_id: roomId,
        room_name: 'design',
        room_type: 'federated',
        sender: `alice@${hostA}`,
        federated: card.file,
        revoked: false,
      }),
    ]);
  });

  it('proxies the image preview on B from A', async () => {
    const res = await bobB.fetch(`${API}/federation/v1/files/${card.payload.file_id}/preview`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await res.arrayBuffer())).toEqual(image);
    const stranger = await daveB.fetch(
      `${API}/federation/v1/files/${card.payload.file_id}/preview`,
    );
    expect(stranger.status).toBe(403);
  });

  it('downloads the same bytes from A’s share link, whole and by range, from any page', async () => {
    const res = await fetch(card.file.downloadUrl, { headers: { origin: pair.originB } });
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(image);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('content-disposition')).toContain('cat.png');
    expect(res.headers.get('etag')).toBe(`"${sha256(image)}"`);

    const part = await fetch(card.file.downloadUrl, { headers: { range: 'bytes=100-999' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-999/${image.length}`);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(image.subarray(100, 1000));
  });

  it('writes no byte of the file on B (while A, the origin, holds it)', async () => {
    // A window of random pixels: present in any copy, impossible by chance.
    const needle = image.subarray(200, 456);
    expect(await filesContaining(pair.a.dataDir, needle)).not.toEqual([]);
    expect(await filesContaining(pair.b.dataDir, needle)).toEqual([]);
    expect(await filesContaining(pair.b.dataDir, image)).toEqual([]);
  });

  it('sends a file once, however often its bytes are uploaded', async () => {
    // The server already holds it: a second upload is refused and sends nothing.
    expect((await postFileUpload(aliceA, imageFileId, image, 'image/png')).status).toBe(409);
    // Another link of the same file (made through the REST API) is not sent either.
    expect((await aliceA.json('POST', `${API}/${imageFileId}/shares`, {})).status).toBe(201);
    await pair.a.chat.files.federation!.idle();
    await settle(200);
    const { body } = await bobB.json<{ messages: ChatMessage[] }>(
      'GET',
      `/api/rooms/${roomId}/messages`,
    );
    const cards = body.messages.map((m) => decodeFileMessage(m.content)).filter(Boolean);
    expect(cards.filter((c) => c!.name === 'cat.png')).toHaveLength(1);
  });

  it('carries files the other way too, from B to A', async () => {
    const fromB = randomPng(16, 16);
    const arriving = federatedCard(aliceSocket, 'from-b.png');
    await shareAndUploadFile(bobB, bobSocket, {
      roomId,
      name: 'from-b.png',
      mimeType: 'image/png',
      bytes: fromB,
    });
    const { message, file } = await arriving;
    expect(message.sender).toBe(`bob@${new URL(pair.originB).host}`);
    expect(file.origin).toBe(pair.originB);
    expect(Buffer.from(await (await fetch(file.downloadUrl)).arrayBuffer())).toEqual(fromB);
  });

  it('gives a non-image file no preview', async () => {
    const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomPng(8, 8)]);
    const arriving = federatedCard(bobSocket, 'report.pdf');
    await shareAndUploadFile(aliceA, aliceSocket, {
      roomId,
      name: 'report.pdf',
      mimeType: 'application/pdf',
      bytes: pdf,
    });
    const { payload, file } = await arriving;
    expect(file.previewUrl).toBeNull();
    expect(Buffer.from(await (await fetch(file.downloadUrl)).arrayBuffer())).toEqual(pdf);
    expect((await bobB.fetch(`${API}/federation/v1/files/${payload.file_id}/preview`)).status).toBe(
      404,
    );
  });

  it('lets only the sender revoke, and then the file is unavailable on both instances', async () => {
    expect((await carolA.json('POST', `${API}/${imageFileId}/revoke`)).status).toBe(403);

    const revokedAtB = nextEvent<{ file_id: string; room_id: string }>(
      bobSocket,
      'chat:file:revoked',
      8000,
    );
    const revokedAtA = nextEvent<{ file_id: string; room_id: string }>(
      aliceSocket,
      'chat:file:revoked',
    );
    const res = await aliceA.json('POST', `${API}/${imageFileId}/revoke`);
    expect(res).toMatchObject({
      status: 200,
      body: { success: true, revoked: 2, notified_peers: [pair.originB] },
    });
    expect(await revokedAtA).toEqual({ file_id: imageFileId, room_id: roomId });
    expect(await revokedAtB).toEqual({ file_id: card.payload.file_id, room_id: roomId });

    for (const url of [card.file.downloadUrl, card.file.previewUrl!]) {
      const gone = await fetch(url);
      expect(gone.status, url).toBe(410);
      expect(((await gone.json()) as { code: string }).code).toBe('ERR_GONE');
    }
    expect(
      (await bobB.fetch(`${API}/federation/v1/files/${card.payload.file_id}/preview`)).status,
    ).toBe(410);
    const object = await bobB.json('GET', `${API}/federation/v1/files/${card.payload.file_id}`);
    expect(object.body).toMatchObject({ revoked: true });
  });

  it('never offers a revoked file again, even when its bytes are uploaded again', async () => {
    const before = (
      await bobB.json<{ messages: ChatMessage[] }>('GET', `/api/rooms/${roomId}/messages`)
    ).body.messages.length;
    expect((await postFileUpload(aliceA, imageFileId, image, 'image/png')).status).toBe(409);
    await pair.a.chat.files.federation!.idle();
    await settle(200);
    const after = (
      await bobB.json<{ messages: ChatMessage[] }>('GET', `/api/rooms/${roomId}/messages`)
    ).body.messages.length;
    expect(after).toBe(before);
  });
});
