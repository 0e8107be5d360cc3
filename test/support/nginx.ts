/**
 * Debian's nginx for tests and benchmarks: started on a free loopback port with a
 * configuration written into a temporary directory, stopped gracefully.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './test-app.js';

/** Where Debian installs nginx. */
export const NGINX = '/usr/sbin/nginx';

/** A running nginx. */
export interface TestNginx {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Its working directory (configuration, logs). */
  workDir: string;
  /** Stops nginx and removes its working directory. */
  stop(): Promise<void>;
}

/**
 * Workers run as the current user, so they read the server's private blob files (mode
 * 0600) just as the Node server does. Under root nginx needs this said.
 */
const userLine = () => (process.getuid?.() === 0 ? 'user root;' : '');

/** What {@link launchNginx} needs. */
export interface NginxLaunch {
  /** Directory for the configuration, logs and temp files (kept by `stop()` unless created here). */
  workDir?: string;
  /** The port nginx listens on (the caller's configuration names it). */
  port: number;
  /** What goes in the `http` block after the common settings. */
  httpBody: string;
  /** Path whose answer (any status) means nginx is up. @default '/' */
  readyPath?: string;
  /** Extra files to write into `workDir` before starting, by name. */
  files?: Record<string, string>;
}

/**
 * Writes an `nginx.conf` (the common settings plus `httpBody`), starts nginx on it and
 * waits until `readyPath` answers. Throws with the install command when nginx is missing.
 */
export async function launchNginx(launch: NginxLaunch): Promise<TestNginx> {
  if (!existsSync(NGINX)) {
    throw new Error('nginx is not installed: apt-get install -y nginx-light');
  }
  const ownDir = launch.workDir === undefined;
  const workDir = launch.workDir ?? mkdtempSync(path.join(tmpdir(), 'chat-files-nginx-'));
  mkdirSync(path.join(workDir, 'logs'), { recursive: true });
  for (const [name, text] of Object.entries(launch.files ?? {})) {
    writeFileSync(path.join(workDir, name), text);
  }
  const conf = path.join(workDir, 'nginx.conf');
  writeFileSync(
    conf,
    `daemon off;
${userLine()}
worker_processes 1;
pid ${workDir}/nginx.pid;
error_log ${workDir}/logs/error.log warn;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path ${workDir}/client_body;
  proxy_temp_path ${workDir}/proxy;
  fastcgi_temp_path ${workDir}/fastcgi;
  uwsgi_temp_path ${workDir}/uwsgi;
  scgi_temp_path ${workDir}/scgi;
${launch.httpBody}
}
`,
  );
  const child: ChildProcess = spawn(NGINX, ['-c', conf, '-p', workDir], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = `http://127.0.0.1:${launch.port}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        if (ownDir) rmSync(workDir, { recursive: true, force: true });
        resolve();
      };
      if (child.exitCode !== null || child.signalCode !== null) return done();
      // A graceful stop first; a worker stuck on a connection gets 5 s.
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(timer);
        done();
      });
      child.kill('SIGQUIT');
    });
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`nginx exited: ${stderr}`);
    }
    try {
      await fetch(`${url}${launch.readyPath ?? '/'}`, { method: 'HEAD' });
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`nginx did not start: ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return { url, workDir, stop };
}

/**
 * Starts nginx with one `server` block: `serverBody` is what goes inside it after the
 * `listen` line, `httpBody` what goes in `http` before it (e.g. an `upstream`).
 */
export async function startNginx(serverBody: string, httpBody = ''): Promise<TestNginx> {
  const port = await freePort();
  return launchNginx({
    port,
    httpBody: `  sendfile on;
  tcp_nopush on;
  default_type application/octet-stream;
${httpBody}
  server {
    listen 127.0.0.1:${port};
${serverBody}
  }`,
  });
}
