/**
 * Valves that make swarm tests deterministic: a seeder that serves a set number of pieces
 * and then holds the rest, and the server's range downloads of a file held until the test
 * lets them through. Without them, which source delivers a piece first is a race.
 */

/** Lets the first `allowance` callers through at once and holds the rest until opened. */
export class Valve {
  private passed = 0;
  private readonly opened: Promise<void>;
  private openNow!: () => void;

  constructor(private readonly allowance = 0) {
    this.opened = new Promise((resolve) => (this.openNow = resolve));
  }

  /** Resolves at once for the first `allowance` calls, later ones when {@link open} is called. */
  pass(): Promise<void> {
    return this.passed++ < this.allowance ? Promise.resolve() : this.opened;
  }

  /** Lets every held and later call through. */
  open(): void {
    this.openNow();
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
    if (url.includes(needle)) await valve.pass();
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
