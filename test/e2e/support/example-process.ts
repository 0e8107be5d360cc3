/**
 * Runs an example app (`examples/<name>/server.mjs`) as its README says, on a free port
 * with a temporary DATA_DIR, and waits until it answers HTTP.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './app-process.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** A running example. */
export interface ExampleProcess {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/** Starts `node <script>` (relative to the repository, or absolute) with `cwd`. */
export async function startExample(
  script: string,
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<ExampleProcess> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'chat-files-example-'));
  let output = '';
  const child: ChildProcess = spawn(process.execPath, [path.resolve(root, script)], {
    cwd: options.cwd ?? root,
    env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  // Ready once it answers HTTP (an example need not print anything).
  const url = `http://localhost:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`${script} exited with ${child.exitCode}:\n${output}`);
    }
    if (
      await fetch(url).then(
        () => true,
        () => false,
      )
    )
      break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${script} did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, output: () => output, stop };
}
