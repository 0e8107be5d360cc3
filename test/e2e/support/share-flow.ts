/**
 * The flow every example app is checked with: two people log in through the page's own
 * form, chat, and one shares a file that the other downloads, bytes compared.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Opens `url` in a fresh context and logs in as `name` through the page's form. */
export async function logIn(browser: Browser, url: string, name: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[${name}] page error:`, error.message));
  await page.goto(url);
  await page.getByPlaceholder('Your name').fill(name);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByPlaceholder('Message').waitFor();
  return page;
}

/** SHA-256 of the file the card called `name` resolves to, computed in the page. */
const fileHashOf = (page: Page, name: string) =>
  page.locator('chat-file-card', { hasText: name }).evaluate(async (el) => {
    const file = await (el as HTMLElement & { getFile(): Promise<File> }).getFile();
    const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
    return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
  });

/**
 * Alice and Bob chat, Alice shares 3 MiB and a bit, Bob downloads it: same bytes.
 * Resolves to the URLs of the workers Alice's page started.
 */
export async function chatAndShare(browser: Browser, url: string): Promise<string[]> {
  const alice = await logIn(browser, url, 'alice');
  const bob = await logIn(browser, url, 'bob');
  const workers: string[] = [];
  alice.on('worker', (worker) => workers.push(worker.url()));

  await alice.getByPlaceholder('Message').fill('hello bob');
  await alice.getByRole('button', { name: 'Send' }).click();
  await bob.getByText('alice: hello bob').waitFor();

  const bytes = randomBytes(3 * 1024 * 1024 + 123);
  await alice
    .locator('chat-file-upload input[type="file"]')
    .setInputFiles({ name: 'report.bin', mimeType: 'application/octet-stream', buffer: bytes });

  const card = bob.locator('chat-file-card', { hasText: 'report.bin' });
  await card.waitFor();
  await expect.poll(() => card.getAttribute('state'), { timeout: 20_000 }).toBe('available');
  await card.evaluate((el) => (el as HTMLElement & { download(): void }).download());
  await expect.poll(() => card.getAttribute('state'), { timeout: 30_000 }).toBe('complete');
  expect(await fileHashOf(bob, 'report.bin')).toBe(sha256(bytes));
  // Alice sees her own message as a card too, complete from memory.
  await expect
    .poll(() => alice.locator('chat-file-card', { hasText: 'report.bin' }).getAttribute('state'))
    .toBe('complete');
  await alice.context().close();
  await bob.context().close();
  return workers;
}
