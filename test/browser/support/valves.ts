/**
 * Valves that make swarm tests deterministic: a seeder that serves a set number of pieces
 * and then holds the rest, and the server's range downloads of a file held until the test
 * lets them through. Without them, which source delivers a piece first is a race.
 */

/** Lets the first `allowance` callers through at once and holds the rest until allowed. */
export class Valve {
  private allowance: number;
  private readonly held: Array<() => void> = [];
  private opened = false;

  constructor(allowance = 0) {
    this.allowance = allowance;
  }

  /** Resolves at once while the allowance lasts, later ones when {@link allow}ed or opened. */
  pass(): Promise<void> {
    if (this.opened) return Promise.resolve();
    if (this.allowance > 0) {
      this.allowance--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.held.push(resolve));
  }

  /** Lets `count` more calls through, the oldest held ones first. */
  allow(count: number): void {
    for (let i = 0; i < count; i++) {
      const next = this.held.shift();
      if (next) next();
      else this.allowance++;
    }
  }

  /** Lets every held and later call through. */
  open(): void {
    this.opened = true;
    for (const release of this.held.splice(0)) release();
  }
}

const heldDownloads = new Set<() => void>();

/**
 * Holds this page's requests for the server's copy of `fileId` (`GET …/:file_id/download`)
 * until the returned function is called; other requests go through. {@link releaseDownloads}
 * releases every hold (call it after each test).
 */
export function holdServerDownloads(fileId: string): () => void {
  const real = globalThis.fetch;
  const valve = new Valve();
  const needle = `/${encodeURIComponent(fileId)}/download`;
  globalThis.fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (url.includes(needle)) {
      // A held request can still be aborted, as a real one in flight can.
      const signal = init?.signal;
      const aborted = new Promise<never>((_, reject) => {
        if (signal?.aborted) reject(signal.reason);
        signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
      aborted.catch(() => {}); // an abort after the valve let it through is fetch's business
      await Promise.race([valve.pass(), aborted]);
    }
    return real(input, init);
  };
  const release = () => {
    if (!heldDownloads.delete(release)) return;
    globalThis.fetch = real;
    valve.open();
  };
  heldDownloads.add(release);
  return release;
}

/** Releases every download held by {@link holdServerDownloads}. */
export function releaseDownloads(): void {
  for (const release of [...heldDownloads].reverse()) release();
}
