/**
 * What every browser benchmark starts from: a server process (the reference app with the
 * SDK, on loopback, no STUN) and a headless Chromium, shared by the browser benchmarks of
 * a run. Each benchmark opens its own pages (each in its own browser context, like its own
 * browser) and closes them when done.
 */
import type { Browser } from 'playwright-core';
import { MiB } from './data.js';
import { launchBrowser, openBenchPage, type BenchPage } from './browser.js';
import type { BenchContext } from './measure.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

/**
 * The `chat_files` block of server and pages: no ICE servers (loopback only), files up to
 * 600 MiB, and a cache that holds a 500 MiB file whole (the default would evict it).
 */
export const BROWSER_BENCH_CONFIG = {
  ice_servers: [],
  max_file_size: 600 * MiB,
  cache_max_bytes: 1500,
  probe_timeout: 1000,
  server_seeding: { storage_path: 'blobs' },
};

/** The browser benchmarks' view of the shared server and browser. */
export interface BrowserBench {
  server: ServerProcess;
  browser: Browser;
  /**
   * Opens a page for a user and builds its client (`rtc: false` disables WebRTC; `config`
   * adds keys to {@link BROWSER_BENCH_CONFIG}).
   */
  page(
    username: string,
    options?: { rtc?: boolean; config?: Record<string, unknown> },
  ): Promise<BenchPage>;
  /** Closes this benchmark's pages (the server and browser stay for the next benchmark). */
  close(): Promise<void>;
}

/** The shared server and browser, started on first use in the run. */
export async function openBrowserBench({ shared }: BenchContext): Promise<BrowserBench> {
  const { server, browser } = await shared.get('browser', async (dir) => {
    const server = await startServerProcess(dir, BROWSER_BENCH_CONFIG);
    let browser: Browser;
    try {
      browser = await launchBrowser();
    } catch (error) {
      await server.stop();
      throw error;
    }
    return {
      value: { server, browser },
      async close() {
        await browser.close().catch(() => {});
        await server.stop();
      },
    };
  });
  const pages: BenchPage[] = [];
  return {
    server,
    browser,
    async page(username, { rtc = true, config = {} } = {}) {
      const page = await openBenchPage(browser, server.appUrl, username);
      pages.push(page);
      await page.init({ config: { ...BROWSER_BENCH_CONFIG, ...config }, rtc });
      return page;
    },
    async close() {
      for (const page of pages) await page.close().catch(() => {});
    },
  };
}
