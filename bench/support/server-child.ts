/**
 * The server side of the HTTP benchmarks, run as its own process so its memory can be
 * measured apart from the client's: the reference app (the SDK mounted, as a host runs
 * it) and, in the same process, a bare Node handler that pipes a request body to a file.
 * Started by {@link startServerProcess}; talks over the IPC channel.
 */
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createChatApp } from '../../examples/chat-app/app.js';
import { resolveConfig } from '../../src/core/wire/config.js';
import type { ChildRequest, ChildReply } from './server-process.js';

const dataDir = process.env.BENCH_DATA_DIR!;
const bareDir = path.join(dataDir, 'bare');
mkdirSync(bareDir, { recursive: true });
const send = (reply: ChildReply) => process.send!(reply);
const silent = { info() {}, warn() {}, error: (...args: unknown[]) => console.error(...args) };

const chat = createChatApp({
  dataDir,
  config: {
    chatFiles: resolveConfig(JSON.parse(process.env.BENCH_CHAT_FILES ?? '{}'), {
      onWarning: () => {},
    }),
    chatApp: { users: {}, max_message_length: 4000 },
  },
  logger: silent,
});

// Benchmark pages are served by the app's own HTTP server, from `bench/pages/`, so they
// run on the app's origin exactly like a host's pages (Chromium refuses loopback
// connections from pages it cannot place on the local network).
const pagesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'pages');
const PAGE_TYPES: Record<string, string> = {
  'page.html': 'text/html; charset=utf-8',
  'bench-page.js': 'text/javascript; charset=utf-8',
};
const appListeners = chat.httpServer.listeners('request') as Array<
  (req: IncomingMessage, res: ServerResponse) => void
>;
chat.httpServer.removeAllListeners('request');
// The SDK bundle comes from the copy of dist/browser the runner took at the start, so a
// rebuild by someone else during a long run neither breaks it nor mixes two builds.
const sdkDir = process.env.BENCH_SDK_DIR;
chat.httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
  const url = req.url ?? '';
  const sdkFile = sdkDir ? /^\/sdk\/([\w-]+\.js)$/.exec(url)?.[1] : undefined;
  if (sdkFile !== undefined) {
    const stream = createReadStream(path.join(sdkDir!, sdkFile));
    stream.once('error', () => res.writeHead(404).end());
    stream.once('open', () => {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      stream.pipe(res);
    });
    return;
  }
  const name = /^\/bench\/([\w.-]+)$/.exec(url)?.[1];
  if (name === undefined) {
    for (const listener of appListeners) listener.call(chat.httpServer, req, res);
    return;
  }
  const type = PAGE_TYPES[name];
  if (!type) return void res.writeHead(404).end();
  res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
  createReadStream(path.join(pagesDir, name)).pipe(res);
});

// Baselines of the relay benchmark: a frame sent by one page reaches another page's socket
// through this same socket.io server with nothing in between (no session, no checks).
chat.io.on('connection', (socket) => {
  socket.on('bench:forward', (target: unknown, event: unknown, payload: unknown) => {
    if (typeof target === 'string' && typeof event === 'string' && event.startsWith('bench:')) {
      socket.to(target).emit(event, payload);
    }
  });
});

// The baseline of the upload benchmark: what the upload route does at its simplest, a
// request body piped to disk.
let bareCount = 0;
const bare = createServer((req, res) => {
  bareCount += 1;
  const target = path.join(bareDir, `upload-${bareCount}`);
  pipeline(req, createWriteStream(target)).then(
    () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"success":true}'),
    (error: unknown) => res.writeHead(500).end(String(error)),
  );
});

/**
 * Peak RSS sampling: a timer that keeps the highest `rss` seen since `start`. 20 ms is
 * fine-grained enough for transfers of seconds and costs well under 1% of a core.
 */
const SAMPLE_MS = 20;
let sampler: NodeJS.Timeout | null = null;
let rssBefore = 0;
let rssPeak = 0;
/** CPU time of the whole process (every thread, the hashing workers included). */
let cpuBefore = process.cpuUsage();
const sample = () => {
  const rss = process.memoryUsage.rss();
  if (rss > rssPeak) rssPeak = rss;
};

process.on('message', (message: ChildRequest) => {
  switch (message.type) {
    case 'memory-start':
      globalThis.gc?.();
      rssBefore = process.memoryUsage.rss();
      rssPeak = rssBefore;
      cpuBefore = process.cpuUsage();
      if (sampler) clearInterval(sampler);
      sampler = setInterval(sample, SAMPLE_MS);
      send({ type: 'memory-started' });
      break;
    case 'memory-stop':
      if (sampler) clearInterval(sampler);
      sampler = null;
      sample();
      {
        const cpu = process.cpuUsage(cpuBefore);
        send({
          type: 'memory',
          before: rssBefore,
          peak: rssPeak,
          idle: rssIdle,
          cpuSeconds: (cpu.user + cpu.system) / 1e6,
        });
      }
      break;
    case 'exit':
      void chat.close().finally(() => bare.close(() => process.exit(0)));
      break;
  }
});

const appPort = await chat.listen(0, '127.0.0.1');
// What the process holds once started and idle: the reference for growth over a whole run.
await chat.files.ready;
globalThis.gc?.();
const rssIdle = process.memoryUsage.rss();
await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
const address = bare.address();
send({
  type: 'ready',
  appPort,
  barePort: typeof address === 'object' && address ? address.port : 0,
  bareDir,
});
// Never outlive the benchmark that started this process.
process.on('disconnect', () => process.exit(0));
