/**
 * A bare host for server tests: express + socket.io on a free loopback port, the SDK
 * mounted, and a small in-memory host adapter (users, rooms, messages). Unlike the
 * reference app it lets anonymous sockets connect, so "no session" can be tested on
 * socket events, and it takes any server option (clock, config, data directory).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express, { type RequestHandler } from 'express';
import { Server as SocketIOServer, type ServerOptions } from 'socket.io';
import { io as connectSocket, type Socket } from 'socket.io-client';
import {
  createChatFilesServer,
  type ChatFilesServer,
  type ChatFilesServerOptions,
  type HostAdapter,
} from '../../../../server/index.js';
import type { ChatFilesConfigInput } from '../../../../src/core/wire/config.js';
import type { ChatMessage } from '../../../../src/core/wire/protocol.js';

export interface TestRoom {
  name: string;
  type: string;
  members: Set<string>;
  deleted: boolean;
  partner_username?: string;
}

/** Options of {@link startBareServer}. */
export interface BareServerOptions {
  config?: ChatFilesConfigInput;
  dataDir?: string;
  now?: () => number;
  /** Extra server options. */
  server?: Partial<ChatFilesServerOptions>;
  /** Replaces methods of the test host adapter. */
  host?: Partial<HostAdapter>;
  /** Middleware the host runs before the files router. */
  middleware?: RequestHandler[];
  /** Options of the socket.io server (e.g. an `adapter` shared with other nodes). */
  socketOptions?: Partial<ServerOptions>;
  /** Users and rooms shared with other bare servers, as the nodes of one host app share them. */
  shared?: BareHostState;
  /** Port to listen on (a restarted server can take its predecessor's). @default a free one */
  port?: number;
}

/** The host app's users (by token) and rooms. */
export interface BareHostState {
  rooms: Map<string, TestRoom>;
  users: Map<string, { username: string; groups: string[] }>;
}

/** Fresh, empty host state to hand to several bare servers. */
export function bareHostState(): BareHostState {
  return { rooms: new Map(), users: new Map() };
}

/** A user with a token. */
export interface BareUser {
  username: string;
  token: string;
  /** fetch with the user's bearer token. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** JSON request: status and parsed body. */
  json<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }>;
  /** A new connected socket. */
  socket(): Promise<Socket>;
}

/** A running bare server. */
export interface BareServer {
  url: string;
  /** Base URL of the files API. */
  api: string;
  dataDir: string;
  files: ChatFilesServer;
  io: SocketIOServer;
  http: HttpServer;
  messages: ChatMessage[];
  /** Adds a room with these members. */
  addRoom(id: string, members: string[], extra?: Partial<Omit<TestRoom, 'members'>>): void;
  /** Adds a member to a room and joins their live sockets to it. */
  join(roomId: string, username: string): Promise<void>;
  /** Marks a room deleted. */
  deleteRoom(id: string): void;
  /** Creates a user (member of `general`), or signs in with a token another node issued. */
  user(username: string, groups?: string[], token?: string): BareUser;
  /** A socket with no session. */
  anonymousSocket(): Promise<Socket>;
  /** Closes everything; removes the data directory unless `keepData`. */
  close(options?: { keepData?: boolean }): Promise<void>;
}

const silent = { info() {}, warn() {}, error() {} };

/** Starts a bare server. */
export async function startBareServer(options: BareServerOptions = {}): Promise<BareServer> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'chat-files-server-'));
  const { rooms, users } = options.shared ?? bareHostState();
  const messages: ChatMessage[] = [];
  const app = express();
  const http = createServer(app);
  const io = new SocketIOServer(http, {
    maxHttpBufferSize: 4 * 1024 * 1024,
    ...options.socketOptions,
  });

  const userOf = (token: unknown) =>
    typeof token === 'string' ? (users.get(token) ?? null) : null;

  const host: HostAdapter = {
    authenticate(source) {
      if ('auth' in source) return userOf((source.auth as { token?: unknown }).token);
      const header = source.headers.authorization;
      const match = typeof header === 'string' ? /^Bearer (\S+)$/.exec(header) : null;
      return userOf(match?.[1]);
    },
    isMember: (username, roomId) => {
      const room = rooms.get(roomId);
      return Boolean(room && !room.deleted && room.members.has(username));
    },
    getRoom: (roomId) => {
      const room = rooms.get(roomId);
      if (!room || room.deleted) return null;
      return { name: room.name, type: room.type, partner_username: room.partner_username };
    },
    postMessage(roomId, sender, content) {
      const message: ChatMessage = {
        id: randomBytes(8).toString('hex'),
        room_id: roomId,
        sender,
        content,
        created_at: Date.now(),
      };
      messages.push(message);
      io.to(roomId).emit('chat:message_received', message);
      return message;
    },
    displayName: (username) => `${username[0]!.toUpperCase()}${username.slice(1)}`,
    listRoomIds: (username) =>
      [...rooms].filter(([, r]) => !r.deleted && r.members.has(username)).map(([id]) => id),
    ...options.host,
  };

  io.on('connection', (socket) => {
    const user = userOf((socket.handshake.auth as { token?: unknown }).token);
    if (!user) return;
    socket.join(`user:${user.username}`);
    for (const [id, room] of rooms) if (room.members.has(user.username)) socket.join(id);
  });

  const files = createChatFilesServer({
    host,
    dataDir,
    config: { ice_servers: [], ...options.config },
    logger: process.env.TEST_LOG ? undefined : silent,
    now: options.now,
    ...options.server,
  });
  for (const middleware of options.middleware ?? []) app.use(middleware);
  app.use('/api/chat/files', files.router);
  files.attach(io);
  await files.ready;

  await new Promise<void>((resolve) => http.listen(options.port ?? 0, '127.0.0.1', resolve));
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  const api = `${url}/api/chat/files`;
  const sockets: Socket[] = [];

  const open = (token: string | null) =>
    new Promise<Socket>((resolve, reject) => {
      const socket = connectSocket(url, {
        auth: token ? { token } : {},
        transports: ['websocket'],
        forceNew: true,
        reconnection: false,
      });
      sockets.push(socket);
      socket.once('connect', () => resolve(socket));
      socket.once('connect_error', reject);
    });

  const addRoom: BareServer['addRoom'] = (id, members, extra = {}) => {
    rooms.set(id, {
      name: extra.name ?? id,
      type: extra.type ?? 'group',
      members: new Set(members),
      deleted: extra.deleted ?? false,
      partner_username: extra.partner_username,
    });
  };
  if (!rooms.has('general')) addRoom('general', []);

  return {
    url,
    api,
    dataDir,
    files,
    io,
    http,
    messages,
    addRoom,
    async join(roomId, username) {
      rooms.get(roomId)!.members.add(username);
      // fetchSockets reaches the user's sockets on every node sharing the adapter.
      (await io.in(`user:${username}`).fetchSockets()).forEach((s) => s.join(roomId));
    },
    deleteRoom(id) {
      rooms.get(id)!.deleted = true;
    },
    user(username, groups = [], existingToken?: string) {
      const token = existingToken ?? randomBytes(16).toString('hex');
      users.set(token, { username, groups });
      rooms.get('general')!.members.add(username);
      const authed = (p: string, init: RequestInit = {}) =>
        fetch(`${api}${p}`, {
          ...init,
          headers: {
            authorization: `Bearer ${token}`,
            ...(init.headers as Record<string, string>),
          },
        });
      return {
        username,
        token,
        fetch: authed,
        async json(method, p, body) {
          const res = await authed(p, {
            method,
            headers: body === undefined ? {} : { 'content-type': 'application/json' },
            body: body === undefined ? undefined : JSON.stringify(body),
          });
          const text = await res.text();
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // keep the text
          }
          return { status: res.status, body: parsed as never };
        },
        socket: () => open(token),
      };
    },
    anonymousSocket: () => open(null),
    async close({ keepData = false } = {}) {
      for (const socket of sockets) socket.close();
      io.disconnectSockets(true);
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await files.close();
      if (!keepData && !options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
