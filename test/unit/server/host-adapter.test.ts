/**
 * A host that gives only what it knows: `authenticate` (one input for requests and
 * handshakes) and `listRoomIds`. The SDK fills in the rest: membership from the room
 * list, rooms that exist, `[FILE]` messages delivered over socket.io, sockets joined to
 * the user's rooms.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { Server as SocketIOServer } from 'socket.io';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createChatFilesServer,
  sessionToken,
  type AuthInput,
  type ChatFilesServer,
} from '../../../server/index.js';
import { ack, nextEvent, settle } from './support/helpers.js';

const rooms = new Map<string, string[]>([
  ['alice', ['general', 'design']],
  ['bob', ['general']],
]);
const inputs: AuthInput[] = [];
let http: HttpServer;
let io: SocketIOServer;
let files: ChatFilesServer;
let dataDir: string;
let origin: string;
const sockets: Socket[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'chat-files-host-'));
  files = createChatFilesServer({
    dataDir,
    cleanupJob: false,
    host: {
      async authenticate(input) {
        inputs.push(input);
        return sessionToken(input, { cookie: 'sid' });
      },
      listRoomIds: async (username) => rooms.get(username) ?? [],
    },
  });
  const app = express();
  app.use('/api/chat/files', files.router);
  http = createServer(app);
  io = new SocketIOServer(http);
  files.attach(io);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

afterEach(() => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  inputs.length = 0;
});

afterAll(async () => {
  await files.close();
  io.close();
  await new Promise((resolve) => http.close(resolve));
  rmSync(dataDir, { recursive: true, force: true });
});

async function connectAs(token: string): Promise<Socket> {
  const socket = connectSocket(origin, { auth: { token }, transports: ['websocket'] });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  // The first acknowledged event waits for the host's answer, and so for the room joins.
  await ack(socket, 'chat:file:server_status_batch', { file_ids: [] });
  return socket;
}

const share = (socket: Socket, roomId: string) =>
  ack(socket, 'chat:file:share', { room_id: roomId, name: 'notes.txt', size: 5 });

describe('authenticate', () => {
  it('gets { kind, headers, cookies, query, request } for a request', async () => {
    const response = await fetch(`${origin}/api/chat/files/me?lang=en&x=1&x=2`, {
      headers: { cookie: 'theme=dark; sid=bob%20b' },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ username: 'bob b', groups: [] });
    const [input] = inputs;
    expect(input!.kind).toBe('http');
    expect(input!.cookies).toEqual({ theme: 'dark', sid: 'bob b' });
    expect(input!.query).toEqual({ lang: 'en', x: ['1', '2'] });
    expect('auth' in input!).toBe(false);
    expect(input!.request.url).toBe('/me?lang=en&x=1&x=2');
  });

  it('gets the same shape, plus auth, for a socket handshake', async () => {
    const socket = connectSocket(`${origin}?room=general`, {
      auth: { token: 'alice' },
      extraHeaders: { cookie: 'sid=ignored' },
      transports: ['polling'],
    });
    sockets.push(socket);
    await nextEvent(socket, 'connect');
    await ack(socket, 'chat:file:server_status_batch', { file_ids: [] });
    const input = inputs.find((i) => i.kind === 'socket')!;
    expect(input.auth).toEqual({ token: 'alice' });
    expect(input.cookies).toEqual({ sid: 'ignored' });
    expect(input.query.room).toBe('general');
    expect(input.request.headers.cookie).toBe('sid=ignored');
    expect(input.handshake).toBeDefined();
  });

  it('no session is 401 on REST', async () => {
    const response = await fetch(`${origin}/api/chat/files/me`);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { code: string }).code).toBe('ERR_UNAUTHENTICATED');
  });
});

describe('defaults for the hooks the host left out', () => {
  it('delivers [FILE] messages to the room as chat:message_received, sockets joined by listRoomIds', async () => {
    const alice = await connectAs('alice');
    const bob = await connectAs('bob');
    const received = nextEvent<Record<string, unknown>>(alice, 'chat:message_received');
    const reply = await share(bob, 'general');
    expect(reply.success).toBe(true);
    const message = await received;
    expect(message).toEqual(reply.message);
    expect(Object.keys(message).sort()).toEqual([
      'content',
      'created_at',
      'id',
      'room_id',
      'sender',
    ]);
    expect(message).toMatchObject({ room_id: 'general', sender: 'bob' });
    expect(message.id).toMatch(/^[0-9a-f]{32}$/);
    expect(typeof message.created_at).toBe('number');
    expect(String(message.content)).toMatch(/^\[FILE\]\{"file_id":"[^"]+","name":"notes\.txt"/);
  });

  it('membership comes from listRoomIds: a room not listed is refused', async () => {
    const bob = await connectAs('bob');
    const reply = await share(bob, 'design');
    expect(reply).toMatchObject({ success: false, code: 'ERR_NOT_MEMBER' });
  });

  it('a room the user joined later reaches their live sockets after joinRooms(username)', async () => {
    const bob = await connectAs('bob');
    const alice = await connectAs('alice');
    const seen: unknown[] = [];
    bob.on('chat:message_received', (m: unknown) => seen.push(m));
    await share(alice, 'design');
    await settle();
    expect(seen).toEqual([]);

    rooms.set('bob', ['general', 'design']);
    await files.joinRooms('bob');
    const received = nextEvent(bob, 'chat:message_received');
    const reply = await share(alice, 'design');
    expect(await received).toEqual(reply.message);
  });
});

describe('options.host', () => {
  it('needs authenticate and a way to tell membership, and says so', () => {
    expect(() => createChatFilesServer({ host: {} as never })).toThrow(
      'options.host must implement authenticate, isMember (or listRoomIds)',
    );
    expect(() =>
      createChatFilesServer({ host: { authenticate: () => null, postMessage: 'no' as never } }),
    ).toThrow('isMember (or listRoomIds), postMessage as a function');
  });
});

describe('a host whose session middleware decorates the request', () => {
  it('finds request.session on REST requests and, after io.engine.use, on sockets', async () => {
    // What express-session does, in miniature: a cookie names a server-side session.
    const store = new Map([['s1', { user: 'carol' }]]);
    const session = (
      req: IncomingMessage & { session?: { user: string } },
      _res: unknown,
      next: () => void,
    ) => {
      const sid = /(?:^|;\s*)connect\.sid=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
      req.session = sid ? store.get(sid) : undefined;
      next();
    };
    const dir = mkdtempSync(path.join(tmpdir(), 'chat-files-session-'));
    const sessionFiles = createChatFilesServer({
      dataDir: dir,
      cleanupJob: false,
      host: {
        authenticate: (input) =>
          (input.request as { session?: { user: string } }).session?.user ?? null,
        listRoomIds: () => ['general'],
      },
    });
    const app = express();
    app.use(session);
    app.use('/api/chat/files', sessionFiles.router);
    const server = createServer(app);
    const sessionIo = new SocketIOServer(server);
    sessionIo.engine.use(session);
    sessionFiles.attach(sessionIo);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const me = await fetch(`${url}/api/chat/files/me`, { headers: { cookie: 'connect.sid=s1' } });
      expect(await me.json()).toEqual({ username: 'carol', groups: [] });

      const socket = connectSocket(url, {
        transports: ['websocket'],
        extraHeaders: { cookie: 'connect.sid=s1' },
      });
      sockets.push(socket);
      await nextEvent(socket, 'connect');
      const reply = await share(socket, 'general');
      expect(reply).toMatchObject({ success: true, message: { sender: 'carol' } });
    } finally {
      await sessionFiles.close();
      sessionIo.close();
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a host adapter written as a class', () => {
  it('keeps its methods: membership from listRoomIds, names from displayName', async () => {
    class Adapter {
      private readonly names = new Map([['dora', 'Dora D.']]);
      authenticate(input: AuthInput) {
        return sessionToken(input);
      }
      listRoomIds() {
        return ['general'];
      }
      displayName(username: string) {
        return this.names.get(username) ?? username;
      }
    }
    const dir = mkdtempSync(path.join(tmpdir(), 'chat-files-class-'));
    const classFiles = createChatFilesServer({
      dataDir: dir,
      cleanupJob: false,
      host: new Adapter(),
    });
    const app = express();
    app.use('/api/chat/files', classFiles.router);
    const server = createServer(app);
    const classIo = new SocketIOServer(server);
    classFiles.attach(classIo);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const socket = connectSocket(url, { auth: { token: 'dora' }, transports: ['websocket'] });
      sockets.push(socket);
      await nextEvent(socket, 'connect');
      expect(await share(socket, 'general')).toMatchObject({ success: true });
      expect(await share(socket, 'elsewhere')).toMatchObject({ code: 'ERR_NOT_MEMBER' });
      const listing = await fetch(`${url}/api/chat/files/user`, {
        headers: { authorization: 'Bearer dora' },
      });
      const { files: listed } = (await listing.json()) as {
        files: Array<{ name: string; sender_chat_name: string }>;
      };
      expect(listed).toMatchObject([{ name: 'notes.txt', sender_chat_name: 'Dora D.' }]);
    } finally {
      await classFiles.close();
      classIo.close();
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
