/**
 * Options of {@link createChatFilesServer}, their defaults, and the resolver that fills
 * them once into a fully required object.
 */
import path from 'node:path';
import type { Registry } from 'prom-client';
import {
  resolveConfig,
  type ChatFilesConfig,
  type ChatFilesConfigInput,
} from '../src/core/wire/config.js';
import { DEFAULT_API_BASE } from '../src/core/wire/protocol.js';
import type { HostAdapterInput } from './host-adapter.js';
import type { LimiterBackend } from './limits/limiter.js';
import type { BlobStorage } from './storage/blob-storage.js';
import type { MetadataStore } from './store/metadata-store.js';
import type { Locker } from '@tus/server';
import type { UploadGate } from './uploads/upload-gate.js';

/** Where the server writes its diagnostics. Never receives secrets or file contents. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string, error?: unknown): void;
}

/** Options accepted by `createChatFilesServer`. */
export interface ChatFilesServerOptions {
  /**
   * The adapter to the host chat app. Required: `authenticate`, and `isMember` or
   * `listRoomIds`; every other hook has a default (see {@link HostAdapter}).
   */
  host: HostAdapterInput;
  /** The `chat_files` block; every key optional. @default {} (all documented defaults) */
  config?: ChatFilesConfigInput | ChatFilesConfig;
  /** Directory for the SQLite file, blob storage and keys. @default './data' */
  dataDir?: string;
  /** Path at which the host mounts `router`; used to build absolute URLs. @default '/api/chat/files' */
  basePath?: string;
  /** This instance's public origin (e.g. `https://chat.example.org`); needed for federation links. @default config.federation.origin */
  publicOrigin?: string | null;
  /** Diagnostics sink. @default console, prefixed with `[chat-files]` */
  logger?: Logger;
  /** Start the periodic cleanup job. @default true */
  cleanupJob?: boolean;
  /** Metadata store. @default a `SqliteMetadataStore` on `<dataDir>/chat-files.db`, or a `PostgresMetadataStore` when `databaseUrl` is set */
  store?: MetadataStore;
  /**
   * PostgreSQL connection string (`postgres://user:password@host:5432/database`). When
   * set (and no `store` is passed), metadata lives in that database, so several nodes can
   * share it; otherwise in SQLite inside `dataDir`.
   * @default null
   */
  databaseUrl?: string | null;
  /**
   * This instance's federation signing key (PEM, PKCS#8 Ed25519), the same on every node.
   * @default null (from the shared store on PostgreSQL, else a key file generated in `dataDir`)
   */
  federationKey?: string | null;
  /** Blob storage. @default the one `server_seeding.storage` names (a `DiskBlobStorage` in `storageDir`) */
  blobStorage?: BlobStorage;
  /** Clock, in epoch milliseconds; tests pass a fake one. @default Date.now */
  now?: () => number;
  /**
   * Where rate-limit and share-link counters live. Pass `redisLimiterBackend(client)` when
   * several nodes serve one app, so they spend from one budget. @default in this process's memory
   */
  limiterBackend?: LimiterBackend;
  /**
   * Key (at least 16 bytes) that signs relay session ids. Every node of one deployment
   * must be given the same key so that any node can check a session another opened.
   * @default a secret kept in the metadata store, shared by every node that shares the store
   */
  relaySessionKey?: string | Buffer;
  /** Locks of tus uploads; pass a shared one (e.g. `RedisLocker`) when several nodes serve uploads. @default in memory */
  uploadLocker?: Locker;
  /** Which upload may store a file; pass a shared one (e.g. `RedisUploadGate`) on several nodes. @default in memory */
  uploadGate?: UploadGate;
  /** prom-client registry to add the `chat_files_*` metrics to. @default a registry of its own */
  metricsRegistry?: Registry;
}

/** Options after defaults are applied. */
export interface ResolvedServerOptions {
  host: HostAdapterInput;
  config: ChatFilesConfig;
  dataDir: string;
  basePath: string;
  publicOrigin: string | null;
  logger: Logger;
  cleanupJob: boolean;
  /** Absolute directory of stored blobs. */
  storageDir: string;
  store: MetadataStore | null;
  databaseUrl: string | null;
  federationKey: string | null;
  blobStorage: BlobStorage | null;
  now: () => number;
  limiterBackend: LimiterBackend | null;
  relaySessionKey: string | Buffer | null;
  uploadLocker: Locker | null;
  uploadGate: UploadGate | null;
  metricsRegistry: Registry | null;
}

/** The default logger: console with a prefix. */
export const consoleLogger: Logger = {
  info: (message) => console.log(`[chat-files] ${message}`),
  warn: (message) => console.warn(`[chat-files] ${message}`),
  error: (message, error) =>
    console.error(`[chat-files] ${message}`, error instanceof Error ? error.stack : (error ?? '')),
};

/** A PostgreSQL connection string, checked; throws a message that says what to pass. */
function checkedDatabaseUrl(url: string | null | undefined): string | null {
  if (url === undefined || url === null || url === '') return null;
  if (typeof url !== 'string' || !/^postgres(ql)?:\/\//.test(url)) {
    throw new TypeError(
      'createChatFilesServer(options): databaseUrl must be a PostgreSQL connection string (postgres://user:password@host:5432/database)',
    );
  }
  return url;
}

/** Fills in defaults and validates; throws with a message that says what to pass. */
export function resolveServerOptions(options: ChatFilesServerOptions): ResolvedServerOptions {
  if (!options || typeof options !== 'object') {
    throw new TypeError(
      'createChatFilesServer(options): pass an options object with at least { host }',
    );
  }
  const { host } = options;
  const missing: string[] = [];
  if (typeof host?.authenticate !== 'function') missing.push('authenticate');
  if (typeof host?.isMember !== 'function' && typeof host?.listRoomIds !== 'function') {
    missing.push('isMember (or listRoomIds)');
  }
  for (const name of ['getRoom', 'postMessage', 'displayName', 'listRoomIds', 'isAdmin'] as const) {
    if (host?.[name] !== undefined && typeof host[name] !== 'function') {
      missing.push(`${name} as a function`);
    }
  }
  if (missing.length > 0) {
    throw new TypeError(
      `createChatFilesServer(options): options.host must implement ${missing.join(', ')} (see HostAdapter)`,
    );
  }
  const logger = options.logger ?? consoleLogger;
  const config = resolveConfig(options.config ?? {}, { onWarning: (m) => logger.warn(m) });
  const dataDir = path.resolve(options.dataDir ?? './data');
  const basePath = (options.basePath ?? DEFAULT_API_BASE).replace(/\/+$/, '');
  // The reference doc writes storage_path as an absolute-looking path inside the app, so
  // it is always resolved inside the data directory, leading slashes or not.
  const storageDir = path.join(dataDir, config.server_seeding.storage_path.replace(/^\/+/, ''));
  return {
    host,
    config,
    dataDir,
    basePath,
    publicOrigin: options.publicOrigin ?? config.federation.origin,
    logger,
    cleanupJob: options.cleanupJob ?? true,
    storageDir,
    store: options.store ?? null,
    databaseUrl: checkedDatabaseUrl(options.databaseUrl),
    federationKey: options.federationKey ?? null,
    blobStorage: options.blobStorage ?? null,
    now: options.now ?? Date.now,
    limiterBackend: options.limiterBackend ?? null,
    relaySessionKey: options.relaySessionKey ?? null,
    uploadLocker: options.uploadLocker ?? null,
    uploadGate: options.uploadGate ?? null,
    metricsRegistry: options.metricsRegistry ?? null,
  };
}
