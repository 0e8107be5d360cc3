/**
 * `examples/react` in Chromium: the page built with vite from `chat-files` and
 * `chat-files/react`, then the same flow as the minimal example (bytes equal).
 */
import { execFileSync } from 'node:child_process';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { launchChromium } from './support/app-process.js';
import { startExample, type ExampleProcess } from './support/example-process.js';
import { chatAndShare } from './support/share-flow.js';

let browser: Browser;
let app: ExampleProcess;

beforeAll(async () => {
  execFileSync(process.execPath, ['examples/react/build.mjs'], { stdio: 'pipe' });
  app = await startExample('examples/react/server.mjs');
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe('examples/react', () => {
  it('two people chat and share a file through the React components; bytes equal', async () => {
    await chatAndShare(browser, app.url);
  });
});
