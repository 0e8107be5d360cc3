/**
 * Private PostgreSQL and Redis servers from Debian's packages, started on free loopback
 * ports in temporary directories for the tests that need them, and stopped afterwards.
 * Nothing here touches a system-wide cluster or service.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './ports.js';

/** A running private service. */
export interface TestService {
  /** Connection URL (`postgres://...` or `redis://...`). */
  url: string;
  port: number;
  /** Stops the server and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

/** Resolves once something accepts TCP connections on `port`, or rejects after `timeoutMs`. */
async function waitForPort(port: number, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline)
      throw new Error(`service on port ${port} did not start: ${describe()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The directory holding Debian's PostgreSQL server binaries (`initdb`, `pg_ctl`, `postgres`). */
export function postgresBinDir(): string {
  const fromEnv = process.env.PG_BIN_DIR;
  if (fromEnv && existsSync(path.join(fromEnv, 'initdb'))) return fromEnv;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error(
      'PostgreSQL server binaries not found (looked in /usr/lib/postgresql/*/bin and PG_BIN_DIR). ' +
        'Install them: apt-get install -y postgresql',
    );
  }
  return path.join(root, versions[0]!, 'bin');
}

/** PostgreSQL refuses to run as root: run its binaries as the `postgres` user then. */
function asPostgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (id.status !== 0) {
    throw new Error(
      'running as root, and there is no `postgres` user to run PostgreSQL as: apt-get install -y postgresql',
    );
  }
  return { uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * Starts a private PostgreSQL cluster (trust auth on loopback, fsync off for speed) and
 * returns a URL for its `postgres` database. Create one database per test with
 * {@link createDatabase} to keep tests apart.
 */
export async function startPostgres(): Promise<TestService> {
  const bin = postgresBinDir();
  const user = asPostgresUser();
  const dir = mkdtempSync(path.join(tmpdir(), 'chat-files-pg-'));
  chmodSync(dir, 0o700);
  if (user) chownSync(dir, user.uid, user.gid);
  const dataDir = path.join(dir, 'data');
  const run = (cmd: string, args: string[]) =>
    spawnSync(path.join(bin, cmd), args, {
      encoding: 'utf8',
      cwd: dir,
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
  const init = run('initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync']);
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const port = await freePort();
  const child: ChildProcess = spawn(
    path.join(bin, 'postgres'),
    [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=300',
    ],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      cwd: dir,
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  await waitForPort(port, 30_000, () => stderr);
  // Accepting TCP is not yet accepting queries: wait for the startup to finish.
  const { default: pg } = await import('pg');
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      break;
    } catch (error) {
      await client.end().catch(() => {});
      if (Date.now() > deadline)
        throw new Error(`PostgreSQL did not accept queries: ${String(error)} ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  let stopped: Promise<void> | undefined;
  return {
    url,
    port,
    stop: () =>
      (stopped ??= new Promise<void>((resolve) => {
        const done = () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null) return done();
        child.once('exit', done);
        child.kill('SIGINT'); // fast shutdown
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      })),
  };
}

let databaseCounter = 0;

/** Creates a fresh, empty database in the cluster at `serverUrl` and returns its URL. */
export async function createDatabase(serverUrl: string, prefix = 'test'): Promise<string> {
  const { default: pg } = await import('pg');
  const name =
    `${prefix}_${process.pid}_${Date.now().toString(36)}_${databaseCounter++}`.toLowerCase();
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Starts a private Redis server (no persistence) on a free loopback port. */
export async function startRedis(): Promise<TestService> {
  const binary = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) =>
    existsSync(p),
  );
  if (!binary)
    throw new Error('redis-server not found. Install it: apt-get install -y redis-server');
  const dir = mkdtempSync(path.join(tmpdir(), 'chat-files-redis-'));
  const port = await freePort();
  const child: ChildProcess = spawn(
    binary,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (d: Buffer) => (output = (output + d.toString()).slice(-4000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  await waitForPort(port, 15_000, () => output);
  let stopped: Promise<void> | undefined;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () =>
      (stopped ??= new Promise<void>((resolve) => {
        const done = () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null) return done();
        child.once('exit', done);
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
      })),
  };
}
