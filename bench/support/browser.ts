/**
 * Browser side of the benchmarks: the system Chromium (headless, driven by
 * playwright-core), and benchmark pages (`/bench/page.html`, served by the server process
 * from `bench/pages/`) that load the built SDK bundle (`/sdk/chat-files.js`).
 */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { chromiumArgs, chromiumPath } from '../../test/support/chromium.js';

/**
 * Longest a single page call may take (a 500 MiB transfer on a busy machine included);
 * past it the benchmark fails instead of waiting forever, and closing the page stops it.
 */
const CALL_TIMEOUT_MS = 15 * 60 * 1000;

/** Launches headless Chromium with exact heap figures and a `gc()` for the pages. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [...chromiumArgs, '--enable-precise-memory-info', '--js-flags=--expose-gc'],
  });
}

/** The Chromium version, e.g. `156.0.8078.79`. */
export async function browserVersion(): Promise<string> {
  const browser = await launchBrowser();
  try {
    return browser.version();
  } finally {
    await browser.close();
  }
}

/** A client configuration for the page's `ChatFiles`, matching the server's. */
export type PageClientConfig = Record<string, unknown>;

/** A benchmark page with its own browser context (own IndexedDB, like its own browser). */
export interface BenchPage {
  page: Page;
  context: BrowserContext;
  username: string;
  token: string;
  /** The socket id of the page's client, once {@link BenchPage.init} ran. */
  socketId: string;
  /** Calls `window.bench[fn](...args)` in the page (arguments go as JSON). */
  call<T = unknown>(fn: string, ...args: unknown[]): Promise<T>;
  /** Builds the page's `ChatFiles` client and waits for its socket. */
  init(options?: { config?: PageClientConfig; rtc?: boolean }): Promise<void>;
  /** Reloads the page (a fresh client is then needed). */
  reload(): Promise<void>;
  close(): Promise<void>;
}

/** Logs `username` in and opens a benchmark page for them. */
export async function openBenchPage(
  browser: Browser,
  appUrl: string,
  username: string,
): Promise<BenchPage> {
  const response = await fetch(`${appUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username }),
  });
  if (!response.ok) throw new Error(`login ${username}: HTTP ${response.status}`);
  const { token } = (await response.json()) as { token: string };
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  const load = async () => {
    await page.goto(`${appUrl}/bench/page.html`);
    await page.waitForFunction('window.bench !== undefined', undefined, { timeout: 30_000 });
  };
  await load();
  const bench: BenchPage = {
    page,
    context,
    username,
    token,
    socketId: '',
    async call<T>(fn: string, ...args: unknown[]) {
      const list = args.map((a) => JSON.stringify(a)).join(', ');
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${CALL_TIMEOUT_MS / 1000} s`)),
          CALL_TIMEOUT_MS,
        );
      });
      try {
        return (await Promise.race([page.evaluate(`window.bench.${fn}(${list})`), timeout])) as T;
      } catch (error) {
        const extra = errors.length > 0 ? ` (page errors: ${errors.join('; ')})` : '';
        throw new Error(`${username}: bench.${fn} failed: ${(error as Error).message}${extra}`);
      } finally {
        clearTimeout(timer);
      }
    },
    async init({ config = {}, rtc = true } = {}) {
      bench.socketId = await bench.call<string>('init', { username, token, config, rtc });
    },
    async reload() {
      await load();
    },
    close: () => context.close(),
  };
  return bench;
}
