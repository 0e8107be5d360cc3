/**
 * Starts a real reference app (express, socket.io, SQLite, disk) on a free loopback
 * port with a fresh data directory, for Node-side tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
export { freePort } from './ports.js';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { createChatApp, type ChatApp, type ChatAppOptions } from '../../examples/chat-app/app.js';
import { resolveConfig, type ChatFilesConfigInput } from '../../src/core/wire/config.js';
import type { ChatAppSettings } from '../../examples/chat-app/config-file.js';

/** A logged-in user of a test app. */
export interface TestClient {
  username: string;
  token: string;
  /** fetch with the user's bearer token; `path` is relative to the app. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** JSON request helper: returns status and parsed body. */
  json<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }>;
  /** A connected socket for the user (closed by the app's close()). */
  socket(): Promise<Socket>;
}

/** A running test app. */
export interface TestApp {
  url: string;
  chat: ChatApp;
  dataDir: string;
  login(username: string): Promise<TestClient>;
  /** Closes sockets and the server; removes the data directory unless `keepData`. */
  close(options?: { keepData?: boolean }): Promise<void>;
}

/** Options of {@link startTestApp}. */
export interface TestAppOptions {
  chatFiles?: ChatFilesConfigInput;
  chatApp?: Partial<ChatAppSettings>;
  /** Reuse an existing data directory (e.g. to test a restart). */
  dataDir?: string;
  /** Port to listen on (e.g. one a peer instance already trusts). @default 0 (any free port) */
  port?: number;
  /** The app's public origin; `chatFiles.federation.origin` wins when set. @default the app's own default */
  publicOrigin?: string;
  /** More app options (a store, an adapter, readiness checks, a request log). */
  app?: Omit<ChatAppOptions, 'dataDir' | 'config' | 'publicOrigin'>;
}

const silent = { info() {}, warn() {}, error() {} };

/** Starts the app and returns helpers bound to it. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'chat-files-test-'));
  const chat = createChatApp({
    dataDir,
    config: {
      chatFiles: resolveConfig({ ice_servers: [], ...options.chatFiles }, { onWarning: () => {} }),
      chatApp: { users: {}, max_message_length: 4000, ...options.chatApp },
    },
    logger: process.env.TEST_LOG ? undefined : silent,
    publicOrigin: options.publicOrigin,
    ...options.app,
  });
  const port = await chat.listen(options.port ?? 0, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  const sockets: Socket[] = [];

  const login = async (username: string): Promise<TestClient> => {
    const response = await fetch(`${url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username }),
    });
    if (!response.ok) throw new Error(`login ${username}: HTTP ${response.status}`);
    const { token } = (await response.json()) as { token: string };
    const authed = (p: string, init: RequestInit = {}) =>
      fetch(`${url}${p}`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) },
      });
    return {
      username,
      token,
      fetch: authed,
      async json(method, p, body) {
        const res = await authed(p, {
          method,
          headers: body === undefined ? {} : { 'content-type': 'application/json' },
          body:
            body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
        });
        const text = await res.text();
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // not JSON; keep the text
        }
        return { status: res.status, body: parsed as never };
      },
      socket: () =>
        new Promise((resolve, reject) => {
          const socket = connectSocket(url, {
            auth: { token },
            transports: ['websocket'],
            forceNew: true,
            reconnection: false,
          });
          sockets.push(socket);
          socket.once('connect', () => resolve(socket));
          socket.once('connect_error', reject);
        }),
    };
  };

  return {
    url,
    chat,
    dataDir,
    login,
    async close({ keepData = false } = {}) {
      for (const socket of sockets) socket.close();
      await chat.close();
      if (!keepData && !options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
