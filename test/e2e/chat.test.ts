import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, startAppProcess, type AppProcess } from './support/app-process.js';

describe('reference chat app in Chromium', () => {
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

  it('shows alice’s message on bob’s page, live', async () => {
    const aliceContext = await browser.newContext();
    const bobContext = await browser.newContext();
    const alice = await aliceContext.newPage();
    const bob = await bobContext.newPage();

    await alice.goto(`${app.url}/?user=alice&room=general`);
    await bob.goto(`${app.url}/?user=bob&room=general`);
    for (const page of [alice, bob]) {
      await page.waitForSelector('body[data-socket="connected"][data-room="general"]');
    }
    expect(await alice.textContent('#me')).toBe('alice');
    expect(await bob.textContent('#room-title')).toBe('# general');

    await alice.fill('#composer-input', 'hello from alice');
    await alice.press('#composer-input', 'Enter');

    const message = bob.locator('.message', { hasText: 'hello from alice' });
    await message.waitFor({ timeout: 10_000 });
    expect(await message.locator('.message__sender').textContent()).toBe('alice');
    await aliceContext.close();
    await bobContext.close();
  });

  it('lets a person choose a name, create a room and talk in it', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
    });
    await page.goto(app.url);
    await page.waitForSelector('#login:not([hidden])');
    // The login page asks nothing it is refused, and its icon is there.
    expect(problems).toEqual([]);
    expect((await page.request.get(`${app.url}/favicon.ico`)).status()).toBe(200);
    await page.fill('#login-name', 'not valid!');
    await page.click('#login-form button');
    await expect.poll(() => page.textContent('#login-error')).toMatch(/1 to 32 characters/);
    await page.fill('#login-name', 'erin');
    await page.click('#login-form button');
    await page.waitForSelector('body[data-socket="connected"]');
    await page.fill('#new-room-name', 'book club');
    await page.click('#new-room button');
    await expect.poll(() => page.textContent('#room-title')).toBe('# book club');
    const empty = page.locator('#messages', {
      hasText: 'No messages yet. Say hello or share a file.',
    });
    await empty.waitFor();
    await page.fill('#composer-input', 'first!');
    await page.click('#composer button');
    await page.locator('.message', { hasText: 'first!' }).waitFor();
    expect(await page.locator('.messages__empty').count()).toBe(0);
    await context.close();
  });
});
