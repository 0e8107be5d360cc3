/**
 * Starts `server-child.ts` (the reference app plus a bare upload handler) in its own
 * Node process and measures that process's peak RSS around a piece of work.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Messages to the child. */
export type ChildRequest = { type: 'memory-start' } | { type: 'memory-stop' } | { type: 'exit' };

/** Messages from the child. */
export type ChildReply =
  | { type: 'ready'; appPort: number; barePort: number; bareDir: string }
  | { type: 'memory-started' }
  | { type: 'memory'; before: number; peak: number; idle: number; cpuSeconds: number };

/** A running server process. */
export interface ServerProcess {
  /** The reference app, e.g. `http://127.0.0.1:41234`. */
  appUrl: string;
  /** The bare handler: every request body is written to a new file in `bareDir`. */
  bareUrl: string;
  bareDir: string;
  /**
   * Runs `work` and returns its result with the server's peak RSS during it, in bytes,
   * over the RSS just before it (`rssGrowth`) and over the process's idle RSS after
   * start-up (`rssOverIdle`).
   */
  measureMemory<T>(
    work: () => Promise<T>,
  ): Promise<{ result: T; rssGrowth: number; rssOverIdle: number; cpuSeconds: number }>;
  stop(): Promise<void>;
}

const childPath = path.join(path.dirname(fileURLToPath(import.meta.url)), 'server-child.ts');

/** Starts the server process with the given `chat_files` block and data directory. */
export async function startServerProcess(
  dataDir: string,
  chatFiles: Record<string, unknown>,
): Promise<ServerProcess> {
  // `npm run bench -- --profile` (BENCH_PROFILE_DIR) writes a CPU profile of each server.
  const profileDir = process.env.BENCH_PROFILE_DIR;
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  // Benchmarks set up rooms with a thousand shares in a row, which the rate limits would
  // (rightly) refuse; they measure throughput, so the limits are off unless a bench sets them.
  const block = { rate_limits: { enabled: false }, ...chatFiles };
  const child: ChildProcess = fork(childPath, [], {
    execArgv: ['--import', 'tsx', '--expose-gc', ...profile],
    env: { ...process.env, BENCH_DATA_DIR: dataDir, BENCH_CHAT_FILES: JSON.stringify(block) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <K extends ChildReply['type']>(type: K) =>
    new Promise<Extract<ChildReply, { type: K }>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server process: no ${type} reply`)), 60_000);
      const onExit = (code: number | null) => reject(new Error(`server process exited (${code})`));
      const onMessage = (message: ChildReply) => {
        if (message.type !== type) return;
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(message as Extract<ChildReply, { type: K }>);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const request = (message: ChildRequest) => child.send(message);

  const ready = await next('ready');
  return {
    appUrl: `http://127.0.0.1:${ready.appPort}`,
    bareUrl: `http://127.0.0.1:${ready.barePort}`,
    bareDir: ready.bareDir,
    async measureMemory(work) {
      const started = next('memory-started');
      request({ type: 'memory-start' });
      await started;
      const result = await work();
      const stopped = next('memory');
      request({ type: 'memory-stop' });
      const { before, peak, idle, cpuSeconds } = await stopped;
      return { result, rssGrowth: peak - before, rssOverIdle: peak - idle, cpuSeconds };
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      request({ type: 'exit' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
