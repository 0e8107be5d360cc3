/**
 * Runs an example app (`examples/<name>/server.mjs`) as its README says, on a free port
 * with a temporary DATA_DIR, and waits for its "ready at" line.
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
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${script} did not start:\n${output}`)),
        30_000,
      );
      child.stdout!.on('data', () => {
        if (output.includes('ready at')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${script} exited with ${code}:\n${output}`));
      });
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `http://localhost:${port}`, output: () => output, stop };
}
