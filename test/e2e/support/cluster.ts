/**
 * Several built reference-app processes run as the nodes of one deployment: each with its
 * own DATA_DIR, all sharing a private PostgreSQL (DATABASE_URL), a private Redis
 * (REDIS_URL) and one blob directory; optionally Debian's nginx in
 * front of them with the repository's `deploy/nginx/chat-files.conf`.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchNginx } from '../../support/nginx.js';
import {
  createDatabase,
  startPostgres,
  startRedis,
  type TestService,
} from '../../support/services.js';
import {
  freePort,
  startAppProcess,
  type AppProcess,
  type AppProcessOptions,
} from './app-process.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The services the nodes share. */
export interface SharedServices {
  postgres: TestService;
  redis: TestService;
  databaseUrl: string;
  /** The blob directory every node's `server_seeding.storage_path` points to. */
  blobDir: string;
  workDir: string;
  stop(): Promise<void>;
}

/** Starts PostgreSQL and Redis and prepares the shared blob directory. */
export async function startSharedServices(): Promise<SharedServices> {
  const [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
  const databaseUrl = await createDatabase(postgres.url, 'multinode');
  const workDir = mkdtempSync(path.join(tmpdir(), 'chat-files-cluster-'));
  const blobDir = path.join(workDir, 'blobs');
  mkdirSync(blobDir);
  return {
    postgres,
    redis,
    databaseUrl,
    blobDir,
    workDir,
    async stop() {
      await Promise.all([postgres.stop(), redis.stop()]);
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

/** Starts one node on the shared services; `config` is its `chat_files` block. */
export async function startNode(
  shared: SharedServices,
  name: string,
  config: Record<string, unknown>,
  port?: number,
): Promise<AppProcess> {
  const dataDir = path.join(shared.workDir, name);
  // The default storage_path lives in the data directory: point it at the shared one.
  const uploads = path.join(dataDir, 'uploads');
  mkdirSync(uploads, { recursive: true });
  if (!existsSync(path.join(uploads, 'chat_files'))) {
    symlinkSync(shared.blobDir, path.join(uploads, 'chat_files'), 'dir');
  }
  const options: AppProcessOptions = {
    config: { chat_files: config },
    env: {
      DATA_DIR: dataDir,
      DATABASE_URL: shared.databaseUrl,
      REDIS_URL: shared.redis.url,
      SHUTDOWN_TIMEOUT_MS: '2000',
    },
    ...(port === undefined ? {} : { port }),
  };
  return startAppProcess(options);
}

/** A running nginx in front of the nodes. */
export interface Balancer {
  url: string;
  stop(): Promise<void>;
}

/**
 * Runs nginx with `deploy/nginx/chat-files.conf`, its three upstream servers and its
 * listen port replaced by the test's; throws with the install command when nginx is missing.
 */
export async function startBalancer(workDir: string, nodePorts: number[]): Promise<Balancer> {
  const port = await freePort();
  const shipped = readFileSync(path.join(root, 'deploy/nginx/chat-files.conf'), 'utf8');
  let index = 0;
  const site = shipped
    .replace(/server 127\.0\.0\.1:300\d/g, () => `server 127.0.0.1:${nodePorts[index++]}`)
    .replace(/listen 8080;/, `listen 127.0.0.1:${port};`);
  if (index !== nodePorts.length) throw new Error('chat-files.conf does not list three nodes');
  const dir = path.join(workDir, 'nginx');
  return launchNginx({
    workDir: dir,
    port,
    files: { 'chat-files.conf': site },
    httpBody: `  include ${dir}/chat-files.conf;`,
    readyPath: '/healthz',
  });
}

/** The value of one series in a node's `/metrics`, or `undefined`. */
export async function metricOf(nodeUrl: string, series: string): Promise<number | undefined> {
  const text = await (await fetch(`${nodeUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}
