/**
 * The fault suite's figures: each test records what it tried and what it measured, and
 * the suite prints them as one table at the end and writes them to
 * `test-results/faults.json`, so a run's numbers can be quoted.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const file = path.join(root, 'test-results', 'faults.json');

/** True for `npm run test:faults` (full sizes); false in `npm test` (reduced). */
export const FULL = process.env.CHAT_FILES_FAULTS === 'full';

/** Picks the full or the reduced size. */
export const size = (full: number, reduced: number) => (FULL ? full : reduced);

/** Memory and descriptors of the server process at three moments. */
export interface ResourceFigures {
  rss_mb: { before: number; peak: number; after: number };
  fds: { before: number; peak: number; after: number };
}

/** Records `figures` under `scenario` (merged into the run's file) and prints them. */
export function record(scenario: string, figures: Record<string, unknown>): void {
  mkdirSync(path.dirname(file), { recursive: true });
  let all: Record<string, unknown> = {};
  try {
    all = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    // first scenario of the run
  }
  all[scenario] = { mode: FULL ? 'full' : 'reduced', ...figures };
  writeFileSync(file, `${JSON.stringify(all, null, 2)}\n`);
  console.log(`[faults] ${scenario}: ${JSON.stringify(figures)}`);
}

/** Samples RSS and descriptors of a process; `peak` keeps the highest seen. */
export class ResourceProbe {
  private readonly figures: ResourceFigures;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly read: () => { rss: number; fds: number }) {
    const now = read();
    const mb = now.rss / 1048576;
    this.figures = {
      rss_mb: { before: mb, peak: mb, after: mb },
      fds: { before: now.fds, peak: now.fds, after: now.fds },
    };
  }

  /** Starts sampling every `ms`. */
  start(ms = 100): void {
    this.timer = setInterval(() => this.sample(), ms);
  }

  /** Takes one sample now. */
  sample(): void {
    try {
      const now = this.read();
      const mb = now.rss / 1048576;
      this.figures.rss_mb.peak = Math.max(this.figures.rss_mb.peak, mb);
      this.figures.fds.peak = Math.max(this.figures.fds.peak, now.fds);
    } catch {
      // The process is between lives (a restart); nothing to read.
    }
  }

  /** Stops sampling and takes the "after" reading. */
  finish(): ResourceFigures {
    if (this.timer) clearInterval(this.timer);
    this.sample();
    const now = this.read();
    this.figures.rss_mb.after = now.rss / 1048576;
    this.figures.fds.after = now.fds;
    for (const key of ['before', 'peak', 'after'] as const) {
      this.figures.rss_mb[key] = Math.round(this.figures.rss_mb[key] * 10) / 10;
    }
    return this.figures;
  }
}

/** Waits until `check` holds or `ms` pass; resolves to whether it held. */
export async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return check();
}
