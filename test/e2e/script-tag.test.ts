import { createHash, randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, startAppProcess, type AppProcess } from './support/app-process.js';

describe('the script-tag example (IIFE bundle, no build step)', () => {
  let app: AppProcess;
  let browser: Browser;

  beforeAll(async () => {
    app = await startAppProcess();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('shares a file from the script-tag page that a reference-app user downloads', async () => {
    const dave = await (await browser.newContext()).newPage();
    const errors: string[] = [];
    dave.on('pageerror', (error) => errors.push(error.message));
    await dave.goto(`${app.url}/examples/script-tag/?user=dave`);
    await dave.waitForSelector('body[data-ready="true"]');
    expect(await dave.evaluate(() => typeof customElements.get('chat-file-card'))).toBe('function');

    const bob = await (await browser.newContext()).newPage();
    await bob.goto(`${app.url}/?user=bob&room=general`);
    await bob.waitForSelector('body[data-socket="connected"][data-room="general"]');

    const bytes = randomBytes(700_000);
    await dave.locator('chat-file-upload input[type="file"]').setInputFiles({
      name: 'from-script-tag.bin',
      mimeType: 'application/octet-stream',
      buffer: bytes,
    });
    // The script-tag page shows its own card, complete from memory.
    const own = dave.locator('chat-file-card', { hasText: 'from-script-tag.bin' });
    await expect.poll(() => own.getAttribute('state'), { timeout: 15_000 }).toBe('complete');

    const card = bob.locator('chat-file-card', { hasText: 'from-script-tag.bin' });
    await card.locator('button', { hasText: 'Download' }).click();
    await expect.poll(() => card.getAttribute('state'), { timeout: 20_000 }).toBe('complete');
    const hash = await card.evaluate(async (el) => {
      const file = await (el as HTMLElement & { getFile(): Promise<File> }).getFile();
      const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
      return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
    });
    expect(hash).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(errors).toEqual([]);
  });
});
