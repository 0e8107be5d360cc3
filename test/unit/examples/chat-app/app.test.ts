import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connectSocket } from 'socket.io-client';
import { startTestApp, type TestApp, type TestClient } from '../../../support/test-app.js';

describe('reference chat app', () => {
  let app: TestApp;
  let alice: TestClient;
  let bob: TestClient;

  beforeAll(async () => {
    app = await startTestApp({
      chatApp: { users: { bob: { groups: ['pro'] } }, max_message_length: 100 },
    });
    alice = await app.login('alice');
    bob = await app.login('bob');
  });
  afterAll(() => app.close());

  describe('POST /auth/login', () => {
    it('returns a token and sets an httpOnly session cookie', async () => {
      const res = await fetch(`${app.url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'carol' }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { token: string; username: string };
      expect(body.username).toBe('carol');
      expect(body.token).toMatch(/^[\w-]{43}$/);
      const cookie = res.headers.get('set-cookie') ?? '';
      expect(cookie).toMatch(/chat_session=/);
      expect(cookie).toMatch(/HttpOnly/i);
      const me = await fetch(`${app.url}/auth/me`, { headers: { cookie: cookie.split(';')[0]! } });
      expect(await me.json()).toEqual({ username: 'carol', groups: [] });
    });

    it.each([[''], ['a b'], ['-lead'], ['x'.repeat(33)], [42], [null]])(
      'rejects username %j with the rule',
      async (username) => {
        const { status, body } = await alice.json<{ error: string; code: string }>(
          'POST',
          '/auth/login',
          { username },
        );
        expect(status).toBe(400);
        expect(body.code).toBe('ERR_VALIDATION');
        expect(body.error).toMatch(/1 to 32 characters/);
      },
    );

    it('answers a malformed JSON body with 400', async () => {
      const { status, body } = await alice.json<{ code: string }>(
        'POST',
        '/auth/login',
        '{"username": ',
      );
      expect(status).toBe(400);
      expect(body.code).toBe('ERR_BAD_REQUEST');
    });

    it('knows the groups from the chat_app config', async () => {
      expect((await bob.json('GET', '/auth/me')).body).toEqual({
        username: 'bob',
        groups: ['pro'],
      });
    });
  });

  describe('rooms', () => {
    it('requires a session', async () => {
      const res = await fetch(`${app.url}/api/rooms`);
      expect(res.status).toBe(401);
      const forged = await fetch(`${app.url}/api/rooms`, {
        headers: { authorization: 'Bearer guessed' },
      });
      expect(forged.status).toBe(401);
    });

    it('puts every user in general', async () => {
      const { body } = await alice.json<{ rooms: Array<{ id: string; member: boolean }> }>(
        'GET',
        '/api/rooms',
      );
      expect(body.rooms.find((r) => r.id === 'general')?.member).toBe(true);
    });

    it('creates, joins, lists messages and deletes a room', async () => {
      const created = await alice.json<{ id: string; name: string }>('POST', '/api/rooms', {
        name: 'project',
      });
      expect(created.status).toBe(201);
      const id = created.body.id;
      expect(id).toMatch(/^[0-9a-f-]{36}$/);

      const forbidden = await bob.json('GET', `/api/rooms/${id}/messages`);
      expect(forbidden.status).toBe(403);
      const strangerPost = await bob.json('POST', `/api/rooms/${id}/messages`, {
        content: 'let me in',
      });
      expect(strangerPost.status).toBe(403);

      // Private until its creator invites bob.
      const refused = await bob.json<{ code: string }>('POST', `/api/rooms/${id}/join`);
      expect(refused).toMatchObject({ status: 403, body: { code: 'ERR_FORBIDDEN' } });
      expect((await bob.json('POST', `/api/rooms/${id}/invite`, { username: 'bob' })).status).toBe(
        403,
      );
      expect(
        (await alice.json('POST', `/api/rooms/${id}/invite`, { username: 'bob' })).body,
      ).toEqual({ success: true, id, username: 'bob' });
      expect((await bob.json('POST', `/api/rooms/${id}/join`)).status).toBe(200);
      expect((await bob.json('POST', `/api/rooms/${id}/messages`, { content: 'hi' })).status).toBe(
        201,
      );
      const { body } = await alice.json<{ messages: Array<{ content: string; sender: string }> }>(
        'GET',
        `/api/rooms/${id}/messages`,
      );
      expect(body.messages.map((m) => [m.sender, m.content])).toEqual([['bob', 'hi']]);

      expect((await bob.json('DELETE', `/api/rooms/${id}`)).status).toBe(403);
      expect((await alice.json('DELETE', `/api/rooms/${id}`)).status).toBe(200);
      expect((await alice.json('GET', `/api/rooms/${id}/messages`)).status).toBe(404);
    });

    it('validates room input', async () => {
      expect((await alice.json('POST', '/api/rooms', { name: '' })).status).toBe(400);
      expect((await alice.json('POST', '/api/rooms', { name: 'x', members: 'bob' })).status).toBe(
        400,
      );
      expect(
        (await alice.json('POST', '/api/rooms', { name: 'x', federated_with: [1] })).status,
      ).toBe(400);
      expect((await alice.json('POST', '/api/rooms/nope/join')).status).toBe(404);
      expect((await alice.json('DELETE', '/api/rooms/general')).status).toBe(403);
    });

    it('adds named members at creation', async () => {
      const { body } = await alice.json<{ id: string }>('POST', '/api/rooms', {
        name: 'pair',
        members: ['bob'],
      });
      expect((await bob.json('GET', `/api/rooms/${body.id}/messages`)).status).toBe(200);
    });
  });

  describe('messages', () => {
    it('rejects an oversized message with 413 and an empty one with 400', async () => {
      const big = await alice.json<{ code: string }>('POST', '/api/rooms/general/messages', {
        content: 'x'.repeat(101),
      });
      expect(big.status).toBe(413);
      expect(big.body.code).toBe('ERR_TOO_LARGE');
      expect(
        (await alice.json('POST', '/api/rooms/general/messages', { content: '  ' })).status,
      ).toBe(400);
      expect(
        (await alice.json('POST', '/api/rooms/unknown/messages', { content: 'x' })).status,
      ).toBe(404);
    });

    it('delivers socket messages live to the room, and never crashes on bad payloads', async () => {
      const aliceSocket = await alice.socket();
      const bobSocket = await bob.socket();
      const received = new Promise<{ content: string }>((resolve) =>
        bobSocket.once('chat:message_received', resolve),
      );
      const ok = await aliceSocket.emitWithAck('chat:send_message', {
        room_id: 'general',
        content: 'live',
      });
      expect(ok.success).toBe(true);
      expect((await received).content).toBe('live');

      for (const payload of [
        null,
        5,
        'x',
        { room_id: 7 },
        { room_id: 'general' },
        { room_id: 'general', content: {} },
      ]) {
        const reply = await aliceSocket.emitWithAck('chat:send_message', payload);
        expect(reply.success).toBe(false);
        expect(reply.code).toMatch(/^ERR_/);
      }
      aliceSocket.emit('chat:send_message', { room_id: 'general', content: 'no callback' });
      const stranger = await app.login('mallory');
      const { body } = await alice.json<{ id: string }>('POST', '/api/rooms', { name: 'closed' });
      const mallorySocket = await stranger.socket();
      const denied = await mallorySocket.emitWithAck('chat:send_message', {
        room_id: body.id,
        content: 'hi',
      });
      expect(denied).toMatchObject({ success: false, code: 'ERR_NOT_MEMBER' });
      expect(await app.chat.httpServer.listening).toBe(true);
    });

    it('refuses a socket handshake without a valid session', async () => {
      const socket = connectSocket(app.url, {
        auth: { token: 'forged' },
        transports: ['websocket'],
        reconnection: false,
      });
      const error = await new Promise<Error>((resolve) => socket.once('connect_error', resolve));
      socket.close();
      expect(error.message).toMatch(/unauthenticated/);
    });
  });

  describe('pages', () => {
    it('logs in through /?user=&room= and opens the room', async () => {
      const res = await fetch(`${app.url}/?user=dave&room=general`, { redirect: 'manual' });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/?room=general');
      expect(res.headers.get('set-cookie')).toMatch(/chat_session=/);
      const bad = await fetch(`${app.url}/?user=not%20valid`, { redirect: 'manual' });
      expect(bad.status).toBe(400);
    });

    it('answers who is signed in without an error status, and serves the icon', async () => {
      const visitor = await fetch(`${app.url}/auth/session`);
      expect(visitor.status).toBe(200);
      expect(await visitor.json()).toEqual({ username: null });
      expect((await alice.json('GET', '/auth/session')).body).toEqual({
        username: 'alice',
        groups: [],
      });
      const icon = await fetch(`${app.url}/favicon.ico`);
      expect(icon.status).toBe(200);
      expect(icon.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
      expect(await icon.text()).toContain('<svg');
    });

    it('mounts the chat-files router', async () => {
      const res = await fetch(`${app.url}/api/chat/files/health`);
      expect(await res.json()).toMatchObject({ ok: true });
    });
  });
});
