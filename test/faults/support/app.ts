/**
 * The reference app as a real process for fault tests: started from source with tsx on a
 * free port and a data directory that survives restarts, so a test can kill it with
 * SIGKILL and start it again on the same data. Exposes the process's resident memory and
 * open descriptors from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { io as connect, type Socket } from 'socket.io-client';
import { freePort } from '../../e2e/support/app-process.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const main = path.join(root, 'examples/chat-app/main.ts');

/** Options of {@link startFaultApp}. */
export interface FaultAppOptions {
  /** Directory for config, data and the SQLite file; kept across restarts. */
  dir: string;
  /** The `chat_files` block. */
  chatFiles?: Record<string, unknown>;
}

/** A running (or killed) reference app process. */
export interface FaultApp {
  readonly url: string;
  readonly dataDir: string;
  /** The current process id. */
  pid(): number;
  /** True while the process is running. */
  alive(): boolean;
  /** Everything the current process printed. */
  output(): string;
  /** SIGKILL, no cleanup: what a crash or an OOM kill does. */
  kill9(): Promise<void>;
  /** Starts a new process on the same port and data. */
  restart(): Promise<void>;
  /** Stops the process (SIGTERM, then SIGKILL). */
  stop(): Promise<void>;
  /** Resident memory of the process, in bytes. */
  rss(): number;
  /** Open file descriptors of the process. */
  fds(): number;
  /** What each open descriptor points at (for a message when they do not come back). */
  fdTargets(): string[];
  /** Logs `username` in; returns the bearer token. */
  login(username: string): Promise<string>;
  /** A connected socket for `token`. */
  socket(token: string): Promise<Socket>;
}

/** Starts the reference app. */
export async function startFaultApp(options: FaultAppOptions): Promise<FaultApp> {
  const port = await freePort();
  const dataDir = path.join(options.dir, 'data');
  const configFile = path.join(options.dir, 'config.json');
  writeFileSync(
    configFile,
    JSON.stringify({ chat_files: { ice_servers: [], ...options.chatFiles } }),
  );
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess;
  let output = '';
  const sockets: Socket[] = [];

  const launch = async () => {
    output = '';
    child = spawn(process.execPath, ['--import', 'tsx', main], {
      cwd: root,
      env: {
        ...process.env,
        PORT: String(port),
        DATA_DIR: dataDir,
        CHAT_FILES_CONFIG: configFile,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const current = child;
    current.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    current.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`app did not start:\n${output}`)), 60_000);
      const check = () => {
        if (output.includes('ready at')) {
          clearTimeout(timer);
          current.stdout!.off('data', check);
          resolve();
        }
      };
      current.stdout!.on('data', check);
      current.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`app exited with ${code}:\n${output}`));
      });
    });
  };
  await launch();

  const exited = () =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const closeSockets = () => {
    for (const s of sockets.splice(0)) s.close();
  };

  return {
    url,
    dataDir,
    pid: () => child.pid!,
    alive: () => child.exitCode === null && child.signalCode === null,
    output: () => output,
    async kill9() {
      closeSockets();
      const done = exited();
      child.kill('SIGKILL');
      await done;
    },
    restart: launch,
    async stop() {
      closeSockets();
      if (child.exitCode !== null || child.signalCode !== null) return;
      const done = exited();
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await done;
      clearTimeout(timer);
    },
    rss() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    },
    fds: () => readdirSync(`/proc/${child.pid}/fd`).length,
    fdTargets() {
      const dir = `/proc/${child.pid}/fd`;
      return readdirSync(dir).map((fd) => {
        try {
          return readlinkSync(path.join(dir, fd));
        } catch {
          return '?';
        }
      });
    },
    async login(username) {
      const res = await fetch(`${url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username }),
      });
      if (res.status !== 200) throw new Error(`login ${username}: ${res.status}`);
      return ((await res.json()) as { token: string }).token;
    },
    socket(token) {
      return new Promise((resolve, reject) => {
        const socket = connect(url, {
          auth: { token },
          transports: ['websocket'],
          forceNew: true,
          reconnection: false,
        });
        sockets.push(socket);
        socket.once('connect', () => resolve(socket));
        socket.once('connect_error', reject);
      });
    },
  };
}
