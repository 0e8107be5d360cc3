/**
 * Resources that several benchmarks of one run use (a server process and a browser), so
 * each is started once per run rather than once per benchmark, and always stopped.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';

/** A started resource and how to stop it. */
export interface Started<T> {
  value: T;
  close(): Promise<void>;
}

/** Shared resources of one benchmark run. */
export class SharedResources {
  private readonly started = new Map<string, Promise<Started<unknown>>>();

  /** @param dir Scratch directory; each resource gets a subdirectory named by its key. */
  constructor(private readonly dir: string) {}

  /** The resource named `key`, started by `start` on first use. */
  async get<T>(key: string, start: (dir: string) => Promise<Started<T>>): Promise<T> {
    let entry = this.started.get(key) as Promise<Started<T>> | undefined;
    if (!entry) {
      const dir = path.join(this.dir, key);
      mkdirSync(dir, { recursive: true });
      entry = start(dir);
      this.started.set(key, entry);
      // A resource that failed to start is retried by the next benchmark that asks.
      entry.catch(() => this.started.delete(key));
    }
    return (await entry).value;
  }

  /** Stops everything that was started, newest first. */
  async closeAll(): Promise<void> {
    const entries = [...this.started.values()].reverse();
    this.started.clear();
    for (const entry of entries) {
      await entry.then(
        (started) => started.close(),
        () => undefined,
      );
    }
  }
}
