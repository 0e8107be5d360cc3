/**
 * The mountable chat-files server. It never listens by itself: the host mounts `router`
 * on its express app and calls `attach(io)` with its socket.io server.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { RequestHandler, Router } from 'express';
import type { Server as SocketIOServer } from 'socket.io';
import type { ServerContext } from './context.js';
import { withHostDefaults } from './host-adapter.js';
import { joinUserRooms, syncUserRooms } from './host-rooms.js';
import { FederationService, type ChatFilesFederation } from './federation/federation.js';
import { loadInstanceKeys } from './federation/instance-keys.js';
import {
  resolveServerOptions,
  type ChatFilesServerOptions,
  type ResolvedServerOptions,
} from './options.js';
import { reconcileOnce, runCleanup, startCleanupJob, type CleanupReport } from './retention.js';
import { checkReadiness, type ReadinessReport } from './health.js';
import { ChatFilesMetrics } from './metrics.js';
import { buildRouter } from './router.js';
import { startStartupSweep } from './startup-sweep.js';
import { attachSocketHandlers } from './socket/attach.js';
import { discoveryHandlers } from './socket/discovery-handlers.js';
import { mediaHandlers } from './socket/media-handlers.js';
import {
  closeIdleRelaySessions,
  closeRelaySessionsOf,
  listenToRelayNotices,
  relayHandlers,
} from './socket/relay-handlers.js';
import { memoryLimiterBackend } from './limits/memory-limiter.js';
import { RateLimits } from './limits/rate-limits.js';
import { ShareGate } from './shares/share-access.js';
import { RelaySessions } from './socket/relay-sessions.js';
import { shareHandlers } from './socket/share-handlers.js';
import { signalHandlers } from './socket/signal-handlers.js';
import { closeTusEndpoint } from './tus/tus-route.js';
import type { BlobStorage } from './storage/blob-storage.js';
import { configuredBlobStorage } from './storage/configured-blob-storage.js';
import type { MetadataStore } from './store/metadata-store.js';
import { PostgresMetadataStore } from './store/postgres-store.js';
import { DATABASE_FILE, SqliteMetadataStore } from './store/sqlite-store.js';

export type { ChatFilesServerOptions, Logger, ResolvedServerOptions } from './options.js';
export type {
  AnnouncedRoom,
  AuthInput,
  HostAdapter,
  HostAdapterInput,
  HostUserInput,
  HostFederationHooks,
  HostRoom,
  HostUser,
  Handshake,
} from './host-adapter.js';
export type { ChatFilesFederation, DeliveryResult } from './federation/federation.js';
export type {
  MetadataStore,
  StoreScope,
  FileStore,
  ServerCopyStore,
  ClaimStore,
  ShareStore,
  FederationStore,
  LeaseResult,
} from './store/metadata-store.js';
export type { BlobStorage, BlobWriter } from './storage/blob-storage.js';
export type { CleanupReport } from './retention.js';
export type { LimiterBackend, Limiter, LimitRule, LimitDecision } from './limits/limiter.js';
export { memoryLimiterBackend } from './limits/memory-limiter.js';
export { redisLimiterBackend } from './limits/redis-limiter.js';
export type { ReadinessReport } from './health.js';
export { ChatFilesMetrics } from './metrics.js';
export { createJsonLogger, pinoLogger, requestLogging, redactUrl } from './logging.js';
export { ChatFilesError, isStorageFull } from './errors.js';
export {
  authInputFrom,
  bearerToken,
  cookieValue,
  handshakeAuth,
  parseCookies,
  sessionToken,
} from './auth-helpers.js';
export type { SessionTokenOptions } from './auth-helpers.js';
export { SqliteMetadataStore } from './store/sqlite-store.js';
export { PostgresMetadataStore, type PostgresStoreOptions } from './store/postgres-store.js';
export { DiskBlobStorage } from './storage/disk-blob-storage.js';
export { S3BlobStorage, type S3BlobStorageOptions } from './storage/s3-blob-storage.js';
export { RedisLocker, RedisUploadGate } from './uploads/redis-locks.js';
export { PostgresLocker, PostgresUploadGate } from './uploads/postgres-locks.js';
export type { UploadGate, UploadPass } from './uploads/upload-gate.js';
export { resolveConfig, ConfigError, DEFAULT_CONFIG } from '../src/core/wire/config.js';
export type { ChatFilesConfig, ChatFilesConfigInput } from '../src/core/wire/config.js';

/** Name of the shared secret that signs relay session ids. */
const RELAY_SESSION_SECRET = 'relay-session-key';

/** How often idle relay sessions are looked for. */
const RELAY_SWEEP_INTERVAL_MS = 30_000;

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
  /** The metadata store in use. */
  readonly store: MetadataStore;
  /** The blob storage in use. */
  readonly blobStorage: BlobStorage;
  /** Resolves once blob storage is ready and leftovers of an earlier run are reconciled. */
  readonly ready: Promise<void>;
  /** Runs the retention rules now (the cleanup job does so every `cleanup_interval_hours`). */
  runCleanup(): Promise<CleanupReport>;
  /**
   * Joins every live socket of `username` to the rooms `host.listRoomIds` now returns;
   * call it after the user joined a room. Needs `host.listRoomIds`.
   */
  joinRooms(username: string): Promise<void>;
  /**
   * Handler the host mounts at `GET /.well-known/chat-files` (federation): publishes
   * `{ origin, public_key, api_base, version }`; 404 while federation is off.
   */
  readonly wellKnown: RequestHandler;
  /** Federation (rooms, text relay) for the host app; `null` while `federation.enabled` is false. */
  readonly federation: ChatFilesFederation | null;
  /** Prometheus metrics of this node; the host serves `metrics.registry` (e.g. at `/metrics`). */
  readonly metrics: ChatFilesMetrics;
  /** Whether the metadata store and blob storage answer (for a readiness endpoint). */
  readiness(): Promise<ReadinessReport>;
}

/** This instance's origin for federation, checked; throws a message that says what to pass. */
function federationOrigin(publicOrigin: string | null): string {
  const fix =
    "federation.enabled needs this instance's public origin: pass publicOrigin or set federation.origin";
  if (!publicOrigin) throw new TypeError(`createChatFilesServer(options): ${fix}`);
  let url: URL;
  try {
    url = new URL(publicOrigin);
  } catch {
    throw new TypeError(
      `createChatFilesServer(options): ${fix} (got ${JSON.stringify(publicOrigin)})`,
    );
  }
  if (url.origin !== publicOrigin.replace(/\/$/, '')) {
    throw new TypeError(
      `createChatFilesServer(options): publicOrigin must be an origin (scheme, host, port; no path), got ${JSON.stringify(publicOrigin)}`,
    );
  }
  return url.origin;
}

/** The store the options ask for: PostgreSQL when `databaseUrl` is set, else SQLite in `dataDir`. */
function openStore(options: ResolvedServerOptions): MetadataStore {
  if (options.databaseUrl) {
    return new PostgresMetadataStore({
      connectionString: options.databaseUrl,
      now: options.now,
      logger: options.logger,
    });
  }
  return new SqliteMetadataStore(path.join(options.dataDir, DATABASE_FILE), { now: options.now });
}

/** Creates the chat-files server for a host app. */
export function createChatFilesServer(options: ChatFilesServerOptions): ChatFilesServer {
  const resolved = resolveServerOptions(options);
  // Checked before anything is opened, so a wrong option leaves nothing behind.
  const origin = resolved.config.federation.enabled
    ? federationOrigin(resolved.publicOrigin)
    : null;
  const ownsStore = resolved.store === null;
  if (ownsStore) mkdirSync(resolved.dataDir, { recursive: true });
  const store = resolved.store ?? openStore(resolved);
  const blobs =
    resolved.blobStorage ??
    configuredBlobStorage(resolved.config.server_seeding, resolved.storageDir);
  const ioServers: SocketIOServer[] = [];
  const limiterBackend = resolved.limiterBackend ?? memoryLimiterBackend(resolved.now);
  const relay = new RelaySessions(resolved.relaySessionKey ?? undefined);
  const metrics = new ChatFilesMetrics({
    registry: resolved.metricsRegistry ?? undefined,
    // Sockets of this node only: each node reports its own.
    localSockets: () => ioServers.reduce((sum, io) => sum + io.of('/').sockets.size, 0),
    openRelaySessions: () => relay.size,
  });
  const ctx: { -readonly [K in keyof ServerContext]: ServerContext[K] } = {
    options: resolved,
    config: resolved.config,
    host: withHostDefaults(resolved.host, {
      ioServers,
      now: resolved.now,
      newId: () => randomBytes(16).toString('hex'),
    }),
    store,
    blobs,
    logger: resolved.logger,
    relay,
    metrics,
    ioServers,
    ready: Promise.resolve(),
    now: resolved.now,
    shareGate: new ShareGate(limiterBackend),
    limits: new RateLimits(resolved.config.rate_limits, limiterBackend),
    federation: null,
  };
  if (origin !== null) {
    const keys = loadInstanceKeys({
      store,
      sharedStore: !(store instanceof SqliteMetadataStore),
      dataDir: resolved.dataDir,
      configuredKey: resolved.federationKey,
    });
    ctx.federation = new FederationService(ctx, origin, keys);
  }
  const federation = ctx.federation;
  const wellKnown: RequestHandler = (req, res, next) => {
    if (federation) return federation.wellKnown(req, res, next);
    res
      .status(404)
      .json({ error: 'Federation is turned off on this server.', code: 'ERR_NOT_FOUND' });
  };
  let stopSweep: () => Promise<void> = async () => {};
  const ready = (async () => {
    // Without a configured key, every node sharing the store signs relay sessions with
    // the one the store holds (on SQLite, one node's own).
    if (resolved.relaySessionKey === null) {
      relay.useKey(await store.sharedSecret(RELAY_SESSION_SECRET));
    }
    await blobs.init();
    await reconcileOnce(ctx);
    stopSweep = startStartupSweep(ctx);
  })();
  ctx.ready = ready;
  // Routes await `ready` themselves; this only keeps a failure from going unhandled.
  ready.catch((error: unknown) => resolved.logger.error('cannot prepare file storage', error));

  const router = buildRouter(ctx);
  const stopCleanup = resolved.cleanupJob ? startCleanupJob(ctx) : async () => {};
  const relaySweep = setInterval(() => {
    for (const io of ioServers) closeIdleRelaySessions(ctx, io);
  }, RELAY_SWEEP_INTERVAL_MS);
  relaySweep.unref();

  const detachers: Array<() => void> = [];
  let closing: Promise<void> | null = null;

  return {
    router,
    options: resolved,
    store,
    blobStorage: blobs,
    ready,
    wellKnown,
    federation,
    attach(io) {
      if (closing) throw new Error('chat-files server is closed');
      if (ioServers.includes(io)) return;
      ioServers.push(io);
      detachers.push(
        attachSocketHandlers(
          ctx,
          io,
          [shareHandlers, discoveryHandlers, signalHandlers, relayHandlers, mediaHandlers],
          { onDisconnect: closeRelaySessionsOf, onAuthenticated: joinUserRooms },
        ),
      );
      detachers.push(listenToRelayNotices(ctx, io));
    },
    metrics,
    readiness: () => checkReadiness(ctx),
    runCleanup: () => runCleanup(ctx),
    joinRooms: (username) => syncUserRooms(ctx, username),
    close() {
      closing ??= (async () => {
        clearInterval(relaySweep);
        closeTusEndpoint(ctx);
        await federation?.close();
        for (const detach of detachers.splice(0)) detach();
        ioServers.length = 0;
        ctx.relay.clear();
        await stopCleanup();
        await ready.catch(() => undefined);
        await stopSweep();
        if (ownsStore) await store.close();
      })();
      return closing;
    },
  };
}
