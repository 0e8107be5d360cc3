/**
 * `examples/minimal` in Chromium, started as its README says: two people log in with the
 * page's own form, chat, and one shares a file that the other downloads, bytes equal.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/app-process.js';
import { startExample, type ExampleProcess } from './support/example-process.js';
import { chatAndShare } from './support/share-flow.js';

let browser: Browser;
let app: ExampleProcess;

beforeAll(async () => {
  app = await startExample('examples/minimal/server.mjs');
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe('examples/minimal', () => {
  it('two people chat and share a file; the bytes arrive unchanged', async () => {
    const workers = await chatAndShare(browser, app.url);
    // The page imported the ES module from the router, which started its worker from there.
    expect(workers).toContainEqual(
      expect.stringMatching(
        /^http:\/\/localhost:\d+\/api\/chat\/files\/sdk\/assets\/file-worker-[\w-]+\.js$/,
      ),
    );
  });
});
