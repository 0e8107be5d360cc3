/**
 * Federation between two separate processes of the built reference app (two ports, two
 * DATA_DIRs, each trusting the other), driven over HTTP and socket.io only: alice on A
 * shares an image and a PDF in a federated room; bob on B gets both cards, B's preview
 * proxy returns the image, A's share links return the exact bytes; B's data directory
 * holds none of them; alice revokes and bob hears of it live, after which every link is
 * gone.
 */
import { createHash } from 'node:crypto';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFileMessage } from '../../src/core/wire/file-message.js';
import type { ChatMessage, FileMessagePayload } from '../../src/core/wire/protocol.js';
import { filesContaining, randomPng } from '../support/bytes-fixtures.js';
import { manifestOf, multipart } from '../unit/server/support/helpers.js';
import { freePort, startAppProcess, type AppProcess } from './support/app-process.js';

const API = '/api/chat/files';

/** A logged-in user of one instance: bearer-token HTTP and a socket. */
interface User {
  name: string;
  json<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }>;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  socket: Socket;
}

async function login(app: AppProcess, name: string): Promise<User> {
  const res = await fetch(`${app.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: name }),
  });
  const { token } = (await res.json()) as { token: string };
  const authed = (path: string, init: RequestInit = {}) =>
    fetch(`${app.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) },
    });
  const socket = connectSocket(app.url, {
    auth: { token },
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return {
    name,
    fetch: authed,
    socket,
    async json(method, path, body) {
      const r = await authed(path, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: r.status, body: (await r.json()) as never };
    },
  };
}

/** The first event on `socket` that `accept`s. */
function eventWhere<T>(
  socket: Socket,
  event: string,
  accept: (payload: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, listener);
      reject(new Error(`no matching ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (payload: T) => {
      if (!accept(payload)) return;
      clearTimeout(timer);
      socket.off(event, listener);
      resolve(payload);
    };
    socket.on(event, listener);
  });
}

/** Shares a file through alice's socket and uploads its bytes to her instance. */
async function shareAndUpload(
  user: User,
  roomId: string,
  name: string,
  mimeType: string,
  bytes: Buffer,
): Promise<string> {
  const reply = (await user.socket.timeout(10_000).emitWithAck('chat:file:share', {
    room_id: roomId,
    name,
    size: bytes.length,
    mime_type: mimeType,
    manifest: manifestOf(bytes),
  })) as { success: boolean; file_id: string };
  expect(reply.success).toBe(true);
  const { body, contentType } = multipart([
    { name: 'file_id', value: reply.file_id },
    { name: 'file', filename: name, type: mimeType, data: bytes },
  ]);
  const res = await user.fetch(`${API}/upload`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
  expect(res.status).toBe(200);
  await res.arrayBuffer();
  return reply.file_id;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('federation between two reference app processes', () => {
  let a: AppProcess;
  let b: AppProcess;
  let alice: User;
  let bob: User;
  let roomId: string;
  const image = randomPng(64, 64);
  const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomPng(24, 24), Buffer.from('%%EOF\n')]);
  let imageId: string;
  const cards = new Map<string, FileMessagePayload>();

  beforeAll(async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    const originA = `http://localhost:${portA}`;
    const originB = `http://localhost:${portB}`;
    const federation = (peer: string) => ({
      config: { chat_files: { ice_servers: [], federation: { enabled: true, peers: [peer] } } },
    });
    [a, b] = await Promise.all([
      startAppProcess({ port: portA, ...federation(originB) }),
      startAppProcess({ port: portB, ...federation(originA) }),
    ]);
    [alice, bob] = await Promise.all([login(a, 'alice'), login(b, 'bob')]);
  });
  afterAll(async () => {
    alice?.socket.close();
    bob?.socket.close();
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('creates the room on both instances; bob joins it on his', async () => {
    const created = await alice.json<{ id: string; federation: unknown }>('POST', '/api/rooms', {
      name: 'launch',
      federated_with: [b.url],
    });
    expect(created.status).toBe(201);
    expect(created.body.federation).toEqual([{ origin: b.url, delivered: true, retrying: false }]);
    roomId = created.body.id;
    const rooms = await bob.json<{ rooms: Array<Record<string, unknown>> }>('GET', '/api/rooms');
    expect(rooms.body.rooms.find((r) => r.id === roomId)).toMatchObject({
      type: 'federated',
      federated_with: [a.url],
    });
    expect((await bob.json('POST', `/api/rooms/${roomId}/join`)).status).toBe(200);
  });

  it('carries text both ways', async () => {
    const atB = eventWhere<ChatMessage>(
      bob.socket,
      'chat:message_received',
      (m) => m.content === 'ping',
    );
    await alice.json('POST', `/api/rooms/${roomId}/messages`, { content: 'ping' });
    expect((await atB).sender).toBe(`alice@${new URL(a.url).host}`);
    const atA = eventWhere<ChatMessage>(
      alice.socket,
      'chat:message_received',
      (m) => m.content === 'pong',
    );
    await bob.json('POST', `/api/rooms/${roomId}/messages`, { content: 'pong' });
    expect((await atA).sender).toBe(`bob@${new URL(b.url).host}`);
  });

  it('delivers an image and a PDF shared on A to bob on B as federated cards', async () => {
    const arriving = (name: string) =>
      eventWhere<ChatMessage>(
        bob.socket,
        'chat:message_received',
        (m) => decodeFileMessage(m.content)?.name === name,
      ).then((m) => cards.set(name, decodeFileMessage(m.content)!));
    const both = Promise.all([arriving('photo.png'), arriving('spec.pdf')]);
    imageId = await shareAndUpload(alice, roomId, 'photo.png', 'image/png', image);
    await shareAndUpload(alice, roomId, 'spec.pdf', 'application/pdf', pdf);
    await both;
    expect(cards.get('photo.png')!.federated).toMatchObject({
      size: image.length,
      mimeType: 'image/png',
      sha256: sha256(image),
      origin: a.url,
      previewUrl: expect.stringMatching(new RegExp(`^${a.url}${API}/shares/`)),
    });
    expect(cards.get('spec.pdf')!.federated).toMatchObject({
      size: pdf.length,
      mimeType: 'application/pdf',
      previewUrl: null,
    });
  });

  it('previews the image through B and downloads both files from A, byte for byte', async () => {
    const photo = cards.get('photo.png')!;
    const preview = await bob.fetch(`${API}/federation/v1/files/${photo.file_id}/preview`);
    expect(preview.status).toBe(200);
    expect(preview.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await preview.arrayBuffer())).toEqual(image);
    for (const [name, bytes] of [
      ['photo.png', image],
      ['spec.pdf', pdf],
    ] as const) {
      const res = await fetch(cards.get(name)!.federated!.downloadUrl, {
        headers: { origin: b.url },
      });
      expect(res.status, name).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(Buffer.from(await res.arrayBuffer())).toEqual(bytes);
    }
  });

  it('keeps no byte of either file under B’s DATA_DIR', async () => {
    for (const bytes of [image, pdf]) {
      const needle = bytes.subarray(120, 376);
      expect(await filesContaining(a.dataDir, needle)).not.toEqual([]);
      expect(await filesContaining(b.dataDir, needle)).toEqual([]);
    }
  });

  it('tells bob live when alice revokes the image, after which its links are gone', async () => {
    const photo = cards.get('photo.png')!;
    const revoked = eventWhere<{ file_id: string; room_id: string }>(
      bob.socket,
      'chat:file:revoked',
      () => true,
    );
    const res = await alice.json('POST', `${API}/${imageId}/revoke`);
    expect(res).toMatchObject({ status: 200, body: { success: true, revoked: 1 } });
    expect(await revoked).toEqual({ file_id: photo.file_id, room_id: roomId });
    expect((await fetch(photo.federated!.downloadUrl)).status).toBe(410);
    expect((await fetch(photo.federated!.previewUrl!)).status).toBe(410);
    expect((await bob.fetch(`${API}/federation/v1/files/${photo.file_id}/preview`)).status).toBe(
      410,
    );
    const object = await bob.json('GET', `${API}/federation/v1/files/${photo.file_id}`);
    expect(object.body).toMatchObject({ revoked: true });
    // The PDF was not revoked.
    expect((await fetch(cards.get('spec.pdf')!.federated!.downloadUrl)).status).toBe(200);
  });
});
