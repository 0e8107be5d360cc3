/**
 * The services a node of the reference app shares with the other nodes, chosen from the
 * environment: PostgreSQL (`DATABASE_URL`) for the app's data, and Redis (`REDIS_URL`)
 * for socket.io's adapter. The SDK's upload locks live in Redis when it is there, else
 * in PostgreSQL. Without them the app runs as one node on SQLite.
 */
import { createAdapter } from '@socket.io/redis-streams-adapter';
import pg from 'pg';
import { createClient } from 'redis';
import type { ServerOptions } from 'socket.io';
import {
  PostgresLocker,
  PostgresUploadGate,
  RedisLocker,
  RedisUploadGate,
  redisLimiterBackend,
  type ChatFilesServerOptions,
} from '../../server/index.js';
import type { ChatStore } from './chat-store.js';
import { PgChatStore } from './pg-chat-store.js';

/**
 * Connections for the upload locks on PostgreSQL: a held tus lock keeps its connection
 * while its request writes, so this is how many tus requests a node serves at once
 * before the next one waits for a connection.
 */
const LOCK_POOL_SIZE = 20;

/** What {@link openEngines} connected. */
export interface Engines {
  /** The shared store, or `undefined` for the default SQLite one. */
  store?: ChatStore;
  /** The socket.io adapter, or `undefined` for the in-memory one. */
  adapter?: ServerOptions['adapter'];
  /** Options of the SDK's server that make its locks and limits shared by the nodes. */
  files: Partial<ChatFilesServerOptions>;
  /** Readiness checks of the shared services, by name. */
  checks: Record<string, () => Promise<unknown>>;
  /** Closes what was opened here (the store is closed by the app). */
  close(): Promise<void>;
}

/** Connects to the services named by `env`; throws a message naming the variable on failure. */
export async function openEngines(env: {
  DATABASE_URL?: string;
  REDIS_URL?: string;
}): Promise<Engines> {
  const engines: Engines = { files: {}, checks: {}, close: async () => {} };
  if (env.DATABASE_URL) {
    try {
      engines.store = await PgChatStore.open(env.DATABASE_URL);
    } catch (error) {
      throw new Error(`DATABASE_URL: cannot open the database: ${(error as Error).message}`);
    }
  }
  if (env.REDIS_URL) {
    let started = false;
    const client = createClient({
      url: env.REDIS_URL,
      socket: {
        // At start a refused connection is a wrong REDIS_URL: fail. Later, Redis is only
        // away for a while: keep trying, at most every 2 s (readiness says 503 meanwhile).
        reconnectStrategy: (retries: number, cause: Error) =>
          started ? Math.min(100 * 2 ** retries, 2000) : cause,
      },
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      started = true;
    } catch (error) {
      await engines.store?.close();
      throw new Error(`REDIS_URL: cannot connect: ${(error as Error).message}`);
    }
    // Streams, not the plain pub/sub adapter: a node that loses Redis for a moment reads
    // on from its last stream offset when it comes back, so no packet is lost meanwhile.
    engines.adapter = createAdapter(client as unknown as Parameters<typeof createAdapter>[0]);
    // tus upload locks, the one-upload-per-file gate and rate-limit counters, shared by the
    // nodes. On connections of their own: the adapter's blocking stream reads would hold
    // every command queued behind them on its connection for seconds.
    const commands = client.duplicate();
    const subscriber = client.duplicate();
    for (const connection of [commands, subscriber]) {
      connection.on('error', () => undefined);
      await connection.connect();
    }
    engines.files = {
      uploadLocker: new RedisLocker({ client: commands, subscriber }),
      uploadGate: new RedisUploadGate({ client: commands }),
      limiterBackend: redisLimiterBackend(commands),
    };
    engines.checks.redis = () => client.ping();
    engines.close = async () => {
      // A graceful close waits for Redis to answer queued commands; without Redis, drop them.
      for (const connection of [subscriber, commands, client]) {
        if (connection.isReady) await connection.close().catch(() => undefined);
        else connection.destroy();
      }
    };
  } else if (env.DATABASE_URL) {
    // No Redis: the tus locks and the one-upload-per-file gate live in PostgreSQL, on a
    // pool of their own so that requests holding locks never starve the stores' queries.
    const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: LOCK_POOL_SIZE });
    // An idle connection that breaks is replaced by the pool; the process carries on.
    pool.on('error', () => undefined);
    const locker = new PostgresLocker({ pool });
    engines.files = { uploadLocker: locker, uploadGate: new PostgresUploadGate({ pool }) };
    engines.close = async () => {
      await locker.close();
      await pool.end();
    };
  }
  return engines;
}
