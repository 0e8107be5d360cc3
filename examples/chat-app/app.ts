/**
 * The reference host chat app: login, rooms, membership and live messages, with the
 * chat-files SDK mounted on its express app and socket.io server. It runs as one node
 * (SQLite, socket.io's in-memory adapter) or as one of many (a shared store and adapter).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response } from 'express';
import { Server as SocketIOServer, type ServerOptions, type Socket } from 'socket.io';
import {
  authInputFrom,
  createChatFilesServer,
  isStorageFull,
  type ChatFilesServer,
  type ChatFilesServerOptions,
  type HostAdapter,
} from '../../server/index.js';
import { requestLogging } from '../../server/logging.js';
import type { Logger } from '../../server/options.js';
import { consoleLogger } from '../../server/options.js';
import { DEFAULT_API_BASE } from '../../src/core/wire/protocol.js';
import { isValidUsername, SESSION_COOKIE, tokenFromHeaders, USERNAME_RULE } from './auth.js';
import { GENERAL_ROOM_ID, type ChatStore, type Room, type StoredMessage } from './chat-store.js';
import { SqliteChatStore } from './sqlite-chat-store.js';
import type { AppConfig } from './config-file.js';
import { loadAppConfig } from './config-file.js';

/** Options of {@link createChatApp}. */
export interface ChatAppOptions {
  /** Directory for the app's and the SDK's data. @default './data' */
  dataDir?: string;
  /** Loaded configuration. @default every default */
  config?: AppConfig;
  /**
   * This instance's public origin (share links, federation). `chat_files.federation.origin`
   * in the config wins when set. @default 'http://localhost:3000'
   */
  publicOrigin?: string;
  /** Diagnostics sink. @default console */
  logger?: Logger;
  /**
   * Other origins whose pages may call this app with a bearer token (CORS), or `true`
   * for any origin. Cookies are never sent cross-origin. @default [] (same origin only)
   */
  corsOrigins?: string[] | true;
  /** The app's store. @default a `SqliteChatStore` in `dataDir` */
  store?: ChatStore;
  /** socket.io adapter shared by the nodes. @default socket.io's in-memory adapter (one node) */
  socketAdapter?: ServerOptions['adapter'];
  /** More options for the chat-files server (a shared store, relay session key, ...). */
  files?: Partial<Omit<ChatFilesServerOptions, 'host' | 'config' | 'dataDir' | 'logger'>>;
  /** Extra readiness checks (e.g. Redis), by name; each rejects when its service is down. */
  readinessChecks?: Record<string, () => Promise<unknown>>;
  /** Request log (JSON lines with request ids, secrets redacted). @default none */
  requestLog?: Parameters<typeof requestLogging>[0];
}

/** What {@link ChatApp.shutdown} does, and for how long. */
export interface ShutdownOptions {
  /** Longest wait for requests in progress (uploads) before they are cut. @default 30000 */
  timeoutMs?: number;
  /**
   * How long readiness answers 503 before the listener closes, so a balancer that polls
   * readiness takes the node out before connections are refused. @default 0
   */
  readinessGraceMs?: number;
}

/** A running (or ready to run) reference app. */
export interface ChatApp {
  app: express.Express;
  httpServer: HttpServer;
  io: SocketIOServer;
  store: ChatStore;
  files: ChatFilesServer;
  /** Listens on `port` (0 for any) and resolves to the bound port. */
  listen(port: number, hostname?: string): Promise<number>;
  /**
   * Leaves the pool gracefully: readiness answers 503, no new connection is accepted,
   * sockets are told to go (they reconnect through the balancer to another node),
   * requests in progress (uploads) may finish until `timeoutMs`, then the SDK (releasing
   * its job lease) and the database close.
   */
  shutdown(options?: ShutdownOptions): Promise<void>;
  /** Closes sockets, the HTTP server, the SDK and the database at once. */
  close(): Promise<void>;
}

/** The folder that holds this package's package.json. */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('chat-app: cannot find the package root');
    dir = parent;
  }
  return dir;
}

/** Longest wait for one readiness check. */
const READINESS_TIMEOUT_MS = 2000;

/** Resolves like `promise`, or rejects after `ms`. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** An error answered to the client as `{ error, code }`. */
/** What a client hears while the disk or the database is full; it recovers by itself. */
const STORAGE_FULL_MESSAGE = "The server's storage is full; try again later.";

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Authed = Request & { username: string };

const asyncRoute =
  (handler: (req: Authed, res: Response) => unknown) =>
  (req: Request, res: Response, next: NextFunction) => {
    Promise.resolve()
      .then(() => handler(req as Authed, res))
      .catch(next);
  };

/** Builds the app without listening. */
export function createChatApp(options: ChatAppOptions = {}): ChatApp {
  const dataDir = path.resolve(options.dataDir ?? './data');
  mkdirSync(dataDir, { recursive: true });
  const logger = options.logger ?? consoleLogger;
  const config = options.config ?? loadAppConfig(undefined, (m) => logger.warn(m));
  const publicOrigin =
    config.chatFiles.federation.origin ?? options.publicOrigin ?? 'http://localhost:3000';
  const store = options.store ?? new SqliteChatStore(path.join(dataDir, 'chat.db'));
  const root = packageRoot();

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  const httpServer = createServer(app);
  const corsOrigins = options.corsOrigins ?? [];
  const allowOrigin = (origin: string | undefined): boolean =>
    origin !== undefined && (corsOrigins === true || corsOrigins.includes(origin));
  const io = new SocketIOServer(httpServer, {
    ...(options.socketAdapter ? { adapter: options.socketAdapter } : {}),
    maxHttpBufferSize: 2 * 1024 * 1024,
    cors: { origin: (origin, cb) => cb(null, allowOrigin(origin)) },
  });

  const userFromHeaders = async (
    headers: Parameters<typeof tokenFromHeaders>[0],
  ): Promise<string | null> => {
    const token = tokenFromHeaders(headers);
    return token ? store.sessionUser(token) : null;
  };

  const groupsOf = (username: string): string[] => config.chatApp.users[username]?.groups ?? [];
  /** Members of the `admin` group may delete any room's server copies. */
  const isAdmin = (username: string): boolean => groupsOf(username).includes('admin');

  const toRoomView = (room: Room) => ({
    id: room.id,
    name: room.name,
    type: room.type,
    federated_with: room.federated_with,
  });

  const deliver = (message: StoredMessage) => {
    io.to(message.room_id).emit('chat:message_received', message);
  };

  const host: HostAdapter = {
    async authenticate(source) {
      const headers = 'headers' in source ? source.headers : {};
      const auth = 'auth' in source ? (source.auth as { token?: unknown }) : undefined;
      const token = typeof auth?.token === 'string' ? auth.token : tokenFromHeaders(headers);
      const username = token ? await store.sessionUser(token) : null;
      return username ? { username, groups: groupsOf(username) } : null;
    },
    isMember: (username, roomId) => store.isMember(roomId, username),
    isAdmin,
    async getRoom(roomId) {
      const room = await store.getRoom(roomId);
      if (!room || room.deleted) return null;
      return { name: room.name, type: room.type, federated_with: room.federated_with };
    },
    async postMessage(roomId, sender, content) {
      const message = await store.addMessage(roomId, sender, content);
      deliver(message);
      return message;
    },
    listRoomIds: (username) => store.roomsOf(username),
    federation: {
      async upsertRoom({ id, name, origin }) {
        const existing = await store.getRoom(id);
        if (existing) {
          // A deleted room stays deleted; a local room is never taken over by a peer.
          if (existing.deleted || !existing.federated_with.includes(origin)) return false;
          if (existing.name !== name) await store.renameRoom(id, name);
          return true;
        }
        const room = await store.createFederatedRoom({ id, name, origin });
        // Pages list rooms on load; this lets open ones show the new room at once.
        io.emit('chat:room_added', toRoomView(room));
        return true;
      },
    },
  };

  const files = createChatFilesServer({
    basePath: DEFAULT_API_BASE,
    publicOrigin,
    ...options.files,
    host,
    config: config.chatFiles,
    dataDir,
    logger,
  });

  // Requests in progress, so a shutdown lets uploads finish before closing.
  let inFlight = 0;
  let onIdle: (() => void) | null = null;
  let draining = false;
  app.use((_req, res, next) => {
    inFlight++;
    res.once('close', () => {
      inFlight--;
      if (inFlight === 0) onIdle?.();
    });
    next();
  });
  if (options.requestLog) app.use(requestLogging(options.requestLog));

  // For the balancer: alive while the process runs; ready while every service answers.
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.get(
    '/readyz',
    asyncRoute(async (_req, res) => {
      if (draining) {
        res.status(503).json({ ready: false, draining: true });
        return;
      }
      const checks: Record<string, () => Promise<unknown>> = {
        store: () => store.ping(),
        files: async () => {
          const report = await files.readiness();
          if (!report.ready) throw new Error('chat-files is not ready');
        },
        ...options.readinessChecks,
      };
      const results = await Promise.all(
        Object.entries(checks).map(async ([name, check]) => {
          const ok = await withTimeout(check(), READINESS_TIMEOUT_MS).then(
            () => true,
            () => false,
          );
          return [name, ok] as const;
        }),
      );
      const ready = results.every(([, ok]) => ok);
      res.status(ready ? 200 : 503).json({ ready, checks: Object.fromEntries(results) });
    }),
  );
  app.get(
    '/metrics',
    asyncRoute(async (_req, res) => {
      res.setHeader('Content-Type', files.metrics.registry.contentType);
      res.send(await files.metrics.registry.metrics());
    }),
  );

  /** Puts every live socket of `username` into the socket.io room of `roomId`. */
  const joinSockets = async (username: string, roomId: string) => {
    // fetchSockets and join go through the adapter: they reach the user on every node.
    const sockets = await io.in(`user:${username}`).fetchSockets();
    for (const socket of sockets) socket.join(roomId);
  };

  /** Share links answer any origin themselves (token-authenticated, no cookies). */
  const sharePaths = `${DEFAULT_API_BASE}/shares/`;

  app.use((req, res, next) => {
    const origin = req.headers.origin;
    if (allowOrigin(origin) && !req.path.startsWith(sharePaths)) {
      res.setHeader('Access-Control-Allow-Origin', origin!);
      res.setHeader('Vary', 'Origin');
      res.setHeader(
        'Access-Control-Expose-Headers',
        'Content-Range, Content-Length, ETag, Accept-Ranges, Location, Upload-Offset, Upload-Length, Upload-Expires, Tus-Resumable',
      );
      if (req.method === 'OPTIONS') {
        res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, POST, PATCH, DELETE');
        res.setHeader(
          'Access-Control-Allow-Headers',
          'Authorization, Content-Type, Range, If-Range, Tus-Resumable, Upload-Length, Upload-Offset, Upload-Metadata, Upload-Checksum',
        );
        res.setHeader('Access-Control-Max-Age', '600');
        res.status(204).end();
        return;
      }
    }
    next();
  });
  // Before the app's JSON parser: the SDK reads some bodies itself (uploads, and signed
  // federation envelopes whose signature covers the exact bytes).
  app.use(DEFAULT_API_BASE, files.router);
  app.get('/.well-known/chat-files', files.wellKnown);
  app.use(express.json({ limit: '64kb' }));

  const requireUser = (req: Request, _res: Response, next: NextFunction) => {
    userFromHeaders(req.headers).then((username) => {
      if (!username)
        return next(new HttpError(401, 'ERR_UNAUTHENTICATED', 'Log in first (POST /auth/login).'));
      (req as Authed).username = username;
      next();
    }, next);
  };

  const login = async (username: unknown, res: Response) => {
    if (!isValidUsername(username))
      throw new HttpError(400, 'ERR_VALIDATION', `Invalid username: ${USERNAME_RULE}.`);
    await store.upsertUser(username, groupsOf(username));
    const token = await store.createSession(username);
    res.cookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'lax', path: '/' });
    return token;
  };

  app.post(
    '/auth/login',
    asyncRoute(async (req, res) => {
      const body: unknown = req.body;
      const username =
        typeof body === 'object' && body !== null
          ? (body as { username?: unknown }).username
          : undefined;
      const token = await login(username, res);
      res.json({ token, username });
    }),
  );

  app.post(
    '/auth/logout',
    asyncRoute(async (req, res) => {
      const token = tokenFromHeaders(req.headers);
      if (token) await store.deleteSession(token);
      res.clearCookie(SESSION_COOKIE, { path: '/' });
      res.json({ success: true });
    }),
  );

  // The page asks this before anyone signs in: a visitor is an answer, not an error.
  app.get(
    '/auth/session',
    asyncRoute(async (req, res) => {
      const username = await userFromHeaders(req.headers);
      res.json(username ? { username, groups: groupsOf(username) } : { username: null });
    }),
  );

  app.get('/auth/me', requireUser, (req, res) => {
    const username = (req as Authed).username;
    res.json({ username, groups: groupsOf(username) });
  });

  app.get(
    '/api/rooms',
    requireUser,
    asyncRoute(async (req, res) => {
      const rooms = await store.listRooms(req.username);
      res.json({
        rooms: rooms.map((room) => ({
          ...toRoomView(room),
          member: room.member,
          members: room.members,
        })),
      });
    }),
  );

  app.post(
    '/api/rooms',
    requireUser,
    asyncRoute(async (req, res) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const name = typeof body.name === 'string' ? body.name.trim() : '';
      if (!name || name.length > 80)
        throw new HttpError(400, 'ERR_VALIDATION', 'A room needs a name of 1 to 80 characters.');
      const members = body.members ?? [];
      if (!Array.isArray(members) || !members.every(isValidUsername)) {
        throw new HttpError(
          400,
          'ERR_VALIDATION',
          `members must be a list of usernames (${USERNAME_RULE}).`,
        );
      }
      const federatedWith = federatedOrigins(body.federated_with);
      for (const member of members) await store.upsertUser(member, groupsOf(member));
      const room = await store.createRoom({
        name,
        createdBy: req.username,
        members,
        federatedWith,
      });
      for (const member of new Set([req.username, ...members])) await joinSockets(member, room.id);
      // The peers create the same room; each says whether it did.
      const federation =
        federatedWith.length > 0 && files.federation
          ? (await files.federation.announceRoom(room.id)).map(
              ({ origin, delivered, retrying }) => ({ origin, delivered, retrying: !!retrying }),
            )
          : [];
      res.status(201).json({ ...toRoomView(room), ...(federation.length ? { federation } : {}) });
    }),
  );

  /** `federated_with` of a new room: trusted peer origins only. */
  const federatedOrigins = (value: unknown): string[] => {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value) || !value.every((o) => typeof o === 'string')) {
      throw new HttpError(400, 'ERR_VALIDATION', 'federated_with must be a list of origins.');
    }
    const origins = [...new Set(value.map((o) => o.replace(/\/+$/, '')))];
    for (const origin of origins) {
      if (!files.federation?.trusts(origin)) {
        throw new HttpError(
          400,
          'ERR_VALIDATION',
          files.federation
            ? `${origin} is not a trusted peer of this instance (chat_files.federation.peers).`
            : `Federation is turned off here, so ${origin} cannot join the room (chat_files.federation.enabled).`,
        );
      }
    }
    return origins;
  };

  const liveRoom = async (id: string): Promise<Room> => {
    const room = await store.getRoom(id);
    if (!room || room.deleted) throw new HttpError(404, 'ERR_NOT_FOUND', 'No such room.');
    return room;
  };

  /**
   * Rooms are private: `general` and federated rooms (shared with peer instances, whose
   * users join them freely) are open; any other needs membership or an invitation.
   */
  const mayJoin = async (room: Room, username: string): Promise<boolean> =>
    room.id === GENERAL_ROOM_ID ||
    room.type === 'federated' ||
    (await store.isMember(room.id, username)) ||
    (await store.isInvited(room.id, username));

  app.post(
    '/api/rooms/:id/join',
    requireUser,
    asyncRoute(async (req, res) => {
      const room = await liveRoom(String(req.params.id));
      if (!(await mayJoin(room, req.username))) {
        throw new HttpError(
          403,
          'ERR_FORBIDDEN',
          'This room is private: ask its creator for an invitation.',
        );
      }
      await store.join(room.id, req.username);
      await joinSockets(req.username, room.id);
      io.to(room.id).emit('chat:room_peer_joined', {
        room_id: room.id,
        username: req.username,
        socket_id: '',
      });
      res.json({ success: true, id: room.id });
    }),
  );

  app.post(
    '/api/rooms/:id/invite',
    requireUser,
    asyncRoute(async (req, res) => {
      const room = await liveRoom(String(req.params.id));
      const username = ((req.body ?? {}) as Record<string, unknown>).username;
      if (!isValidUsername(username))
        throw new HttpError(400, 'ERR_VALIDATION', `Invalid username: ${USERNAME_RULE}.`);
      if (room.id === GENERAL_ROOM_ID || room.type === 'federated')
        throw new HttpError(400, 'ERR_VALIDATION', 'This room is open; no invitation is needed.');
      if (room.created_by !== req.username)
        throw new HttpError(403, 'ERR_FORBIDDEN', 'Only the room creator can invite.');
      await store.upsertUser(username, groupsOf(username));
      await store.invite(room.id, username, req.username);
      // Open pages of the invitee list the room at once.
      io.to(`user:${username}`).emit('chat:room_added', toRoomView(room));
      res.json({ success: true, id: room.id, username });
    }),
  );

  app.delete(
    '/api/rooms/:id',
    requireUser,
    asyncRoute(async (req, res) => {
      const room = await liveRoom(String(req.params.id));
      if (room.id === GENERAL_ROOM_ID)
        throw new HttpError(403, 'ERR_FORBIDDEN', 'The general room cannot be deleted.');
      if (room.created_by !== req.username)
        throw new HttpError(403, 'ERR_FORBIDDEN', 'Only the room creator can delete it.');
      await store.deleteRoom(room.id);
      io.in(room.id).socketsLeave(room.id);
      res.json({ success: true });
    }),
  );

  app.get(
    '/api/rooms/:id/messages',
    requireUser,
    asyncRoute(async (req, res) => {
      const room = await liveRoom(String(req.params.id));
      if (!(await store.isMember(room.id, req.username)))
        throw new HttpError(403, 'ERR_NOT_MEMBER', 'You are not a member of this room.');
      const before = Number(req.query.before);
      res.json({
        messages: await store.messages(room.id, 200, Number.isFinite(before) ? before : undefined),
      });
    }),
  );

  /** Validates and stores a text message from `username`. */
  const sendMessage = async (
    username: string,
    roomId: unknown,
    content: unknown,
  ): Promise<StoredMessage> => {
    if (typeof roomId !== 'string' || roomId === '')
      throw new HttpError(400, 'ERR_VALIDATION', 'room_id must be a string.');
    if (typeof content !== 'string' || content.trim() === '') {
      throw new HttpError(400, 'ERR_VALIDATION', 'content must be a non-empty string.');
    }
    if (content.length > config.chatApp.max_message_length) {
      throw new HttpError(
        413,
        'ERR_TOO_LARGE',
        `A message may have at most ${config.chatApp.max_message_length} characters.`,
      );
    }
    const room = await liveRoom(roomId);
    if (!(await store.isMember(room.id, username)))
      throw new HttpError(403, 'ERR_NOT_MEMBER', 'You are not a member of this room.');
    const message = (await host.postMessage(room.id, username, content)) as StoredMessage;
    if (room.federated_with.length > 0 && files.federation) {
      // Peers post it as username@this-host; a failure there does not undo it here.
      files.federation.relayText(room.id, username, content).catch((error: unknown) => {
        logger.error('cannot relay a message to peer instances', error);
      });
    }
    return message;
  };

  app.post(
    '/api/rooms/:id/messages',
    requireUser,
    asyncRoute(async (req, res) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      res.status(201).json(await sendMessage(req.username, String(req.params.id), body.content));
    }),
  );

  // Pages and bundles.
  const distDir = path.join(root, 'dist');
  app.use('/sdk', express.static(path.join(distDir, 'browser'), { fallthrough: false }));
  app.use('/app', express.static(path.join(distDir, 'chat-app'), { fallthrough: false }));
  app.use('/examples/script-tag', express.static(path.join(root, 'examples', 'script-tag')));
  app.get(
    '/',
    asyncRoute(async (req, res) => {
      const user = req.query.user;
      if (user !== undefined) {
        await login(user, res);
        const room = typeof req.query.room === 'string' ? req.query.room : '';
        res.redirect(room ? `/?room=${encodeURIComponent(room)}` : '/');
        return;
      }
      res.sendFile(path.join(root, 'examples', 'chat-app', 'public', 'index.html'));
    }),
  );
  app.get('/favicon.ico', (_req, res) =>
    res
      .type('image/svg+xml')
      .set('cache-control', 'public, max-age=86400')
      .sendFile(path.join(root, 'examples', 'chat-app', 'public', 'favicon.svg')),
  );
  app.get('/app.css', (_req, res) =>
    res.sendFile(path.join(root, 'examples', 'chat-app', 'public', 'app.css')),
  );

  app.use((_req, res) => res.status(404).json({ error: 'Not found.', code: 'ERR_NOT_FOUND' }));
  app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    if (error instanceof HttpError)
      return res.status(error.status).json({ error: error.message, code: error.code });
    const status = (error as { status?: number }).status;
    if (status === 413)
      return res.status(413).json({ error: 'Request body too large.', code: 'ERR_TOO_LARGE' });
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return res.status(status).json({ error: 'Malformed request body.', code: 'ERR_BAD_REQUEST' });
    }
    if (isStorageFull(error)) {
      logger.warn('storage full: a request was refused with 507');
      return res.status(507).json({ error: STORAGE_FULL_MESSAGE, code: 'ERR_STORAGE_FULL' });
    }
    logger.error('request failed', error);
    res.status(500).json({ error: 'Internal server error.', code: 'ERR_INTERNAL' });
  });

  io.use((socket, next) => {
    if (draining) return next(new Error('draining: reconnect to another node'));
    Promise.resolve(host.authenticate(authInputFrom(socket))).then(
      async (user) => {
        if (!user) return next(new Error('unauthenticated: log in first'));
        socket.data.username = user.username;
        // Joined before the connection completes, so nothing sent to the rooms is missed.
        const roomIds = await store.roomsOf(user.username);
        socket.data.roomIds = roomIds;
        socket.join([`user:${user.username}`, ...roomIds]);
        next();
      },
      (error: unknown) => {
        logger.error('socket authentication failed', error);
        next(new Error('unavailable: try again'));
      },
    );
  });

  io.on('connection', (socket: Socket) => {
    const username = socket.data.username as string;
    for (const roomId of socket.data.roomIds as string[]) {
      socket
        .to(roomId)
        .emit('chat:room_peer_joined', { room_id: roomId, username, socket_id: socket.id });
    }
    socket.on('chat:send_message', (payload: unknown, cb: unknown) => {
      const reply = typeof cb === 'function' ? (cb as (r: unknown) => void) : () => undefined;
      const body = (typeof payload === 'object' && payload !== null ? payload : {}) as Record<
        string,
        unknown
      >;
      sendMessage(username, body.room_id, body.content).then(
        (message) => reply({ success: true, message }),
        (error: unknown) => {
          if (error instanceof HttpError)
            reply({ success: false, error: error.message, code: error.code });
          else if (isStorageFull(error))
            reply({ success: false, error: STORAGE_FULL_MESSAGE, code: 'ERR_STORAGE_FULL' });
          else {
            logger.error('chat:send_message failed', error);
            reply({ success: false, error: 'Internal server error.', code: 'ERR_INTERNAL' });
          }
        },
      );
    });
  });
  files.attach(io);

  let closing: Promise<void> | null = null;
  return {
    app,
    httpServer,
    io,
    store,
    files,
    listen(port, hostname) {
      return new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, hostname, () => {
          httpServer.off('error', reject);
          const address = httpServer.address();
          resolve(typeof address === 'object' && address ? address.port : port);
        });
      });
    },
    shutdown({ timeoutMs = 30_000, readinessGraceMs = 0 } = {}) {
      closing ??= (async () => {
        draining = true;
        if (readinessGraceMs > 0) await new Promise((r) => setTimeout(r, readinessGraceMs));
        // Stop accepting; idle keep-alive connections go now, busy ones when they finish.
        const stopped = new Promise<void>((resolve) => httpServer.close(() => resolve()));
        httpServer.closeIdleConnections();
        // Sockets reconnect through the balancer to a node that is not draining.
        io.local.disconnectSockets(true);
        const idle = new Promise<void>((resolve) => {
          // This request list counts only requests, not the sockets' upgrade connections.
          if (inFlight === 0) resolve();
          else onIdle = resolve;
        });
        const timedOut = await withTimeout(idle, timeoutMs).then(
          () => false,
          () => true,
        );
        if (timedOut) logger.warn(`shutdown: requests still running after ${timeoutMs} ms, cut`);
        httpServer.closeAllConnections();
        await stopped;
        await new Promise<void>((resolve) => io.close(() => resolve()));
        await files.close();
        await store.close();
      })();
      return closing;
    },
    close() {
      closing ??= (async () => {
        draining = true;
        io.local.disconnectSockets(true);
        await new Promise<void>((resolve) => io.close(() => resolve()));
        await files.close();
        await store.close();
      })();
      return closing;
    },
  };
}
