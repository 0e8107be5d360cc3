/**
 * The mountable chat-files server. It never listens by itself: the host mounts `router`
 * on its express app and calls `attach(io)` with its socket.io server.
 */
import express, { type Router } from 'express';
import type { Server as SocketIOServer } from 'socket.io';
import { errorMiddleware } from './errors.js';
import {
  resolveServerOptions,
  type ChatFilesServerOptions,
  type ResolvedServerOptions,
} from './options.js';

export type { ChatFilesServerOptions, Logger } from './options.js';
export type { HostAdapter, HostRoom, HostUser, Handshake } from './host-adapter.js';
export { ChatFilesError } from './errors.js';
export { resolveConfig, ConfigError, DEFAULT_CONFIG } from '../src/core/config.js';
export type { ChatFilesConfig, ChatFilesConfigInput } from '../src/core/config.js';

/** What `createChatFilesServer` returns. */
export interface ChatFilesServer {
  /** Express router with the REST API; mount it at `options.basePath`. */
  router: Router;
  /** Registers the socket handlers on the host's socket.io server. */
  attach(io: SocketIOServer): void;
  /** Stops timers, detaches handlers and closes the database. Idempotent. */
  close(): Promise<void>;
  /** The resolved options (config with every default filled in). */
  readonly options: ResolvedServerOptions;
}

/** Creates the chat-files server for a host app. */
export function createChatFilesServer(options: ChatFilesServerOptions): ChatFilesServer {
  const resolved = resolveServerOptions(options);
  const router = express.Router();
  const attached: SocketIOServer[] = [];
  let closed = false;

  router.get('/health', (_req, res) => {
    res.json({ ok: true, server_seeding: resolved.config.server_seeding.enabled });
  });
  router.use((_req, res) => {
    res.status(404).json({ error: 'No such chat-files route.', code: 'ERR_NOT_FOUND' });
  });
  router.use(errorMiddleware((m, e) => resolved.logger.error(m, e)));

  return {
    router,
    options: resolved,
    attach(io) {
      if (closed) throw new Error('chat-files server is closed');
      attached.push(io);
    },
    async close() {
      if (closed) return;
      closed = true;
      attached.length = 0;
    },
  };
}
