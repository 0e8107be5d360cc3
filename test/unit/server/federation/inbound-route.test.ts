/**
 * `POST /federation/v1/messages` against hand-made requests: only a correctly signed,
 * fresh, first-time request from a trusted peer with a valid envelope changes anything;
 * everything else is refused with `{ error, code }` and leaves the receiver as it was.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeEnvelope, type Envelope } from '../../../../server/federation/envelope.js';
import { MESSAGES_PATH } from '../../../../server/federation/outbound.js';
import { loadOrCreateKeys, signRequest } from '../../../../server/federation/signing.js';
import { decodeFileMessage } from '../../../../src/core/wire/file-message.js';
import type { ChatMessage } from '../../../../src/core/wire/protocol.js';
import { startTestApp, type TestApp, type TestClient } from '../../../support/test-app.js';
import {
  createFederatedRoom,
  startFederatedPair,
  type FederatedPair,
} from '../support/federated-pair.js';

const API = '/api/chat/files';
const PATH = `${API}${MESSAGES_PATH}`;

describe('inbound federation messages', () => {
  let pair: FederatedPair;
  let bobB: TestClient;
  let roomId: string;
  let keysA: ReturnType<typeof loadOrCreateKeys>;

  /** Signs `body` as A (or as told) and POSTs it to B. */
  const send = async (
    body: string,
    options: {
      origin?: string;
      privateKey?: ReturnType<typeof loadOrCreateKeys>['privateKey'];
      now?: number;
      headers?: Record<string, string>;
      signedBody?: string;
    } = {},
  ) => {
    const headers =
      options.headers ??
      signRequest({
        method: 'POST',
        path: PATH,
        body: options.signedBody ?? body,
        origin: options.origin ?? pair.originA,
        keys: { privateKey: options.privateKey ?? keysA.privateKey },
        now: options.now,
      });
    const res = await fetch(`${pair.originB}${PATH}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body,
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers };
  };

  const message = (patch: Record<string, unknown> = {}) =>
    JSON.stringify({
      v: 1,
      type: 'message',
      id: `m-${Math.random().toString(36).slice(2)}`,
      room_id: roomId,
      sender: 'alice',
      text: 'plain words',
      created_at: Date.now(),
      ...patch,
    });

  const messagesOnB = async () =>
    (await bobB.json<{ messages: ChatMessage[] }>('GET', `/api/rooms/${roomId}/messages`)).body
      .messages;

  const file = (url: string) => ({
    name: 'cat.png',
    size: 10,
    mimeType: 'image/png',
    previewUrl: `${url}/preview`,
    downloadUrl: `${url}/download`,
  });

  beforeAll(async () => {
    pair = await startFederatedPair();
    keysA = loadOrCreateKeys(pair.a.dataDir);
    const aliceA = await pair.a.login('alice');
    bobB = await pair.b.login('bob');
    roomId = (await createFederatedRoom(aliceA, 'signed', [pair.originB])).body.id;
    await bobB.json('POST', `/api/rooms/${roomId}/join`);
  });
  afterAll(() => pair.close());

  it('accepts a signed text message from the peer once, and a replay of it never', async () => {
    const body = message({ text: 'first' });
    const first = await send(body);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ success: true });
    const replay = await fetch(`${pair.originB}${PATH}`, {
      method: 'POST',
      headers: { ...first.headers, 'content-type': 'application/json' },
      body,
    });
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({
      code: 'ERR_BAD_SIGNATURE',
      error: expect.stringMatching(/replayed/),
    });
    expect((await messagesOnB()).filter((m) => m.content === 'first')).toHaveLength(1);
  });

  it('shows a message sent twice (same envelope id, fresh signature) once', async () => {
    const body = message({ id: 'same-envelope', text: 'once only' });
    expect((await send(body)).status).toBe(200);
    expect((await send(body)).body).toMatchObject({ success: true, duplicate: true });
    expect((await messagesOnB()).filter((m) => m.content === 'once only')).toHaveLength(1);
  });

  describe('refuses, changing nothing', () => {
    let before: number;
    beforeAll(async () => {
      before = (await messagesOnB()).length;
    });
    afterAll(async () => {
      expect((await messagesOnB()).length).toBe(before);
    });

    it('an unsigned request', async () => {
      const res = await send(message(), { headers: {} });
      expect(res).toMatchObject({ status: 401, body: { code: 'ERR_BAD_SIGNATURE' } });
    });

    it('a forged signature (the peer’s origin, another key)', async () => {
      const { privateKey } = generateKeyPairSync('ed25519');
      const res = await send(message(), { privateKey });
      expect(res).toMatchObject({ status: 401, body: { code: 'ERR_BAD_SIGNATURE' } });
    });

    it('an origin that is not a trusted peer', async () => {
      const { privateKey } = generateKeyPairSync('ed25519');
      const res = await send(message(), { origin: 'http://127.0.0.1:9', privateKey });
      expect(res).toMatchObject({ status: 403, body: { code: 'ERR_FORBIDDEN' } });
    });

    it('a stale request', async () => {
      const res = await send(message(), { now: Date.now() - 10 * 60_000 });
      expect(res.status).toBe(401);
      expect(res.body.error).toMatch(/stale/);
    });

    it('a body changed after signing', async () => {
      const res = await send(message({ text: 'tampered' }), { signedBody: message() });
      expect(res.status).toBe(401);
      expect(res.body.error).toMatch(/digest/);
    });

    it('a body that is not JSON, or not an envelope', async () => {
      expect((await send('{nope')).body).toMatchObject({ code: 'ERR_BAD_REQUEST' });
      const res = await send(JSON.stringify({ type: 'message', room_id: roomId }));
      expect(res).toMatchObject({ status: 400, body: { code: 'ERR_VALIDATION' } });
      expect(res.body.error).toMatch(/^Invalid envelope: created_at:/);
    });

    it('a file whose URLs point at another host', async () => {
      const res = await send(
        message({ file: file('https://elsewhere.example/f'), file_id: 'f-1' }),
      );
      expect(res).toMatchObject({ status: 400, body: { code: 'ERR_VALIDATION' } });
      expect(res.body.error).toContain('file.previewUrl');
    });

    it('a file on a loopback port that is not the peer', async () => {
      const sshd = `http://127.0.0.1:22/x`;
      const res = await send(
        message({ file: { ...file(`${pair.originA}/f`), downloadUrl: sshd }, file_id: 'f-2' }),
      );
      expect(res.status).toBe(400);
      expect(res.body.error).toContain('file.downloadUrl');
    });

    it('a text message that would pass for a local file card', async () => {
      const res = await send(message({ text: '[FILE]{"file_id":"x","name":"a","size":1}' }));
      expect(res).toMatchObject({ status: 400, body: { code: 'ERR_VALIDATION' } });
    });

    it('messages into rooms not shared with the peer, or unknown here', async () => {
      expect(await send(message({ room_id: 'general' }))).toMatchObject({
        status: 403,
        body: { code: 'ERR_FORBIDDEN' },
      });
      expect(await send(message({ room_id: 'no-such-room' }))).toMatchObject({
        status: 404,
        body: { code: 'ERR_NOT_FOUND' },
      });
    });

    it('a room announcement that would take over a local room', async () => {
      const res = await send(
        serializeEnvelope({ type: 'room', room: { id: 'general', name: 'mine' } }),
      );
      expect(res).toMatchObject({ status: 409, body: { code: 'ERR_CONFLICT' } });
      const { body } = await bobB.json<{
        rooms: Array<{ id: string; name: string; type: string }>;
      }>('GET', '/api/rooms');
      expect(body.rooms.find((r) => r.id === 'general')).toMatchObject({
        name: 'general',
        type: 'group',
      });
    });

    it('a body over the size limit', async () => {
      const res = await send(message({ text: 'x'.repeat(300 * 1024) }));
      expect(res).toMatchObject({ status: 413, body: { code: 'ERR_TOO_LARGE' } });
    });
  });

  it('posts a valid file message as a [FILE] card and revokes it for the room', async () => {
    const envelope: Envelope = {
      type: 'message',
      id: 'file:f-9',
      room_id: roomId,
      sender: 'alice',
      text: 'alice shared a file: cat.png (10 B) …',
      file: { ...file(`${pair.originA}${API}/shares/t`), origin: pair.originA },
      file_id: 'f-9',
      created_at: Date.now(),
    };
    const res = await send(JSON.stringify({ ...envelope, unknown_future_field: { x: 1 } }));
    expect(res).toMatchObject({ status: 200, body: { success: true } });
    const localId = res.body.file_id as string;
    const posted = (await messagesOnB()).at(-1)!;
    expect(decodeFileMessage(posted.content)).toMatchObject({
      file_id: localId,
      federated: envelope.file,
    });

    const revoke = serializeEnvelope({ type: 'revoke', room_id: roomId, file_id: 'f-9' });
    expect((await send(revoke)).body).toMatchObject({ success: true, revoked: 1 });
    expect((await send(revoke)).body).toMatchObject({ success: true, revoked: 0 });
    const record = await pair.b.chat.files.store.federation.getFile(localId);
    expect(record?.revoked_at).toEqual(expect.any(Number));
  });

  it('has the proxy refuse a stored preview URL that is not on the file’s origin', async () => {
    // Inbound validation keeps such records out; this checks the proxy does not rely on it.
    const id = `fed_${'ab'.repeat(16)}`;
    await pair.b.chat.files.store.federation.createFile({
      id,
      room_id: roomId,
      origin: pair.originA,
      origin_file_id: 'f-10',
      sender: 'alice',
      file: file('http://127.0.0.1:22/f'),
      revoked_at: null,
      created_at: Date.now(),
    });
    const res = await bobB.json('GET', `${API}/federation/v1/files/${id}/preview`);
    expect(res).toMatchObject({ status: 403, body: { code: 'ERR_FORBIDDEN' } });
  });
});

describe('replay protection across a restart', () => {
  it('refuses a request replayed after the receiver restarted', async () => {
    const pair = await startFederatedPair();
    let restarted: TestApp | null = null;
    try {
      const keysA = loadOrCreateKeys(pair.a.dataDir);
      const body = serializeEnvelope({ type: 'room', room: { id: 'r-restart', name: 'restart' } });
      const headers = {
        ...signRequest({ method: 'POST', path: PATH, body, origin: pair.originA, keys: keysA }),
        'content-type': 'application/json',
      };
      const post = () => fetch(`${pair.originB}${PATH}`, { method: 'POST', headers, body });
      expect((await post()).status).toBe(200);

      const portB = Number(new URL(pair.originB).port);
      await pair.b.close({ keepData: true });
      restarted = await startTestApp({
        dataDir: pair.b.dataDir,
        port: portB,
        chatFiles: { federation: { enabled: true, origin: pair.originB, peers: [pair.originA] } },
      });
      const replay = await post();
      expect(replay.status).toBe(401);
      expect(((await replay.json()) as { error: string }).error).toMatch(/replayed/);
    } finally {
      await restarted?.close();
      await pair.a.close();
    }
  });
});
