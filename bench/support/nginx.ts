/**
 * Starts Debian's nginx on loopback serving one directory, as the download baseline.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../../test/e2e/support/app-process.js';

const NGINX = '/usr/sbin/nginx';

/** A running nginx. */
export interface Nginx {
  url: string;
  stop(): Promise<void>;
}

/**
 * Workers run as the benchmark's own user, so they can read the server's private blob
 * files (mode 0600) just as the Node server does. Under root nginx needs this said.
 */
function userLine(): string {
  return process.getuid?.() === 0 ? 'user root;' : '';
}

/** Serves `root` at `http://127.0.0.1:<port>/`; throws with the install command when nginx is missing. */
export async function startNginx(root: string, workDir: string): Promise<Nginx> {
  if (!existsSync(NGINX)) {
    throw new Error(
      'nginx is not installed; the download baseline needs it: apt-get install -y nginx-light',
    );
  }
  const port = await freePort();
  mkdirSync(path.join(workDir, 'logs'), { recursive: true });
  const conf = path.join(workDir, 'nginx.conf');
  writeFileSync(
    conf,
    `daemon off;
${userLine()}
worker_processes 1;
pid ${workDir}/nginx.pid;
error_log ${workDir}/logs/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  client_body_temp_path ${workDir}/client_body;
  proxy_temp_path ${workDir}/proxy;
  fastcgi_temp_path ${workDir}/fastcgi;
  uwsgi_temp_path ${workDir}/uwsgi;
  scgi_temp_path ${workDir}/scgi;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:${port};
    root ${root};
  }
}
`,
  );
  const child: ChildProcess = spawn(NGINX, ['-c', conf, '-p', workDir], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
    try {
      await fetch(`${url}/`, { method: 'HEAD' });
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
        // A graceful stop first; a worker stuck on a connection gets 5 s.
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGQUIT');
      }),
  };
}
