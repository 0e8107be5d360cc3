/**
 * Several built reference-app processes run as the nodes of one deployment: each with its
 * own DATA_DIR, all sharing a private PostgreSQL (DATABASE_URL), a private Redis
 * (REDIS_URL) and one blob directory; optionally Debian's nginx in
 * front of them with the repository's `deploy/nginx/chat-files.conf`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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
const NGINX = '/usr/sbin/nginx';

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
  if (!existsSync(NGINX)) {
    throw new Error('nginx is not installed: apt-get install -y nginx-light');
  }
  const port = await freePort();
  const shipped = readFileSync(path.join(root, 'deploy/nginx/chat-files.conf'), 'utf8');
  let index = 0;
  const site = shipped
    .replace(/server 127\.0\.0\.1:300\d/g, () => `server 127.0.0.1:${nodePorts[index++]}`)
    .replace(/listen 8080;/, `listen 127.0.0.1:${port};`);
  if (index !== nodePorts.length) throw new Error('chat-files.conf does not list three nodes');
  const dir = path.join(workDir, 'nginx');
  mkdirSync(path.join(dir, 'logs'), { recursive: true });
  writeFileSync(path.join(dir, 'chat-files.conf'), site);
  const conf = path.join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `daemon off;
${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${dir}/chat-files.conf;
}
`,
  );
  const child: ChildProcess = spawn(NGINX, ['-c', conf, '-p', dir], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
    try {
      await fetch(`${url}/healthz`);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`nginx did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGQUIT');
      }),
  };
}

/** The value of one series in a node's `/metrics`, or `undefined`. */
export async function metricOf(nodeUrl: string, series: string): Promise<number | undefined> {
  const text = await (await fetch(`${nodeUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}
