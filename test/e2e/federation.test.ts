/**
 * Federation as people see it: two reference app processes (two ports, two DATA_DIRs,
 * each trusting the other) and real Chromium. Alice on A shares an image and a PDF in a
 * federated room; Bob on B sees both cards, the image preview (through B's proxy) has
 * decoded, the PDF he downloads from A equals Alice's bytes; B's data directory holds no
 * copy; Alice stops sharing and Bob's card says "no longer available" without a reload.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesContaining, randomPng } from '../support/bytes-fixtures.js';
import {
  artifactsDir,
  freePort,
  launchChromium,
  startAppProcess,
  type AppProcess,
} from './support/app-process.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function openAs(browser: Browser, app: AppProcess, user: string): Promise<Page> {
  const page = await (
    await browser.newContext({ viewport: { width: 1000, height: 900 } })
  ).newPage();
  page.on('pageerror', (error) => console.error(`[${user}] page error:`, error.message));
  await page.goto(`${app.url}/?user=${user}`);
  await page.waitForSelector('body[data-socket="connected"]');
  return page;
}

/** A JSON request from inside the page, with its session cookie. */
const call = (page: Page, method: string, url: string, body?: unknown) =>
  page.evaluate(
    async ({ method, url, body }) => {
      const res = await fetch(url, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    },
    { method, url, body },
  );

const cardOf = (page: Page, name: string) =>
  page.locator('chat-file-card', { hasText: name }).last();

const hashOf = (card: Locator) =>
  card.evaluate(async (el) => {
    const file = await (el as HTMLElement & { getFile(): Promise<File> }).getFile();
    const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
    return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
  });

describe('files and photos in a federated room, in Chromium', () => {
  let a: AppProcess;
  let b: AppProcess;
  let browser: Browser;
  const image = randomPng(96, 64);
  const pdf = Buffer.concat([
    Buffer.from('%PDF-1.4\n% chat-files test\n'),
    randomPng(20, 20),
    Buffer.from('\n%%EOF\n'),
  ]);

  beforeAll(async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    const federation = (peer: string) => ({
      config: { chat_files: { ice_servers: [], federation: { enabled: true, peers: [peer] } } },
    });
    [a, b] = await Promise.all([
      startAppProcess({ port: portA, ...federation(`http://localhost:${portB}`) }),
      startAppProcess({ port: portB, ...federation(`http://localhost:${portA}`) }),
    ]);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('shows the cards on the other instance, previews, downloads from the origin, keeps no copy, and revokes live', async () => {
    const alice = await openAs(browser, a, 'alice');
    const created = await call(alice, 'POST', '/api/rooms', {
      name: 'design review',
      federated_with: [b.url],
    });
    expect(created.status).toBe(201);
    const roomId = (created.body as { id: string }).id;
    await alice.goto(`${a.url}/?room=${roomId}`);
    await alice.waitForSelector(`body[data-room="${roomId}"]`);

    const bob = await openAs(browser, b, 'bob');
    expect((await call(bob, 'POST', `/api/rooms/${roomId}/join`)).status).toBe(200);
    await bob.goto(`${b.url}/?room=${roomId}`);
    await bob.waitForSelector(`body[data-room="${roomId}"][data-socket="connected"]`);

    const input = alice.locator('chat-file-upload input[type="file"]');
    await input.setInputFiles({ name: 'mockup.png', mimeType: 'image/png', buffer: image });
    await input.setInputFiles({ name: 'brief.pdf', mimeType: 'application/pdf', buffer: pdf });

    // Bob's cards arrive live; the image preview comes through B's proxy and decodes.
    const imageCard = cardOf(bob, 'mockup.png');
    const pdfCard = cardOf(bob, 'brief.pdf');
    await imageCard.waitFor({ timeout: 30_000 });
    await pdfCard.waitFor({ timeout: 30_000 });
    expect(
      await bob.locator('.message__sender', { hasText: 'alice@' }).count(),
    ).toBeGreaterThanOrEqual(2);
    const preview = imageCard.locator('.card__preview img');
    await preview.waitFor({ timeout: 15_000 });
    await expect
      .poll(() => preview.evaluate((img: HTMLImageElement) => img.naturalWidth))
      .toBeGreaterThan(0);
    await imageCard.screenshot({
      path: path.join(artifactsDir, 'screenshots', 'federated-image-card.png'),
    });

    // The PDF downloads straight from A's share link.
    await pdfCard.locator('button', { hasText: 'Download' }).click();
    await expect.poll(() => pdfCard.getAttribute('state'), { timeout: 20_000 }).toBe('complete');
    expect(await pdfCard.getAttribute('transport')).toBe('federated');
    expect(await hashOf(pdfCard)).toBe(sha256(pdf));

    // Nothing of either file is stored on B; A holds both.
    expect(await filesContaining(b.dataDir, pdf)).toEqual([]);
    expect(await filesContaining(b.dataDir, image)).toEqual([]);
    expect((await filesContaining(a.dataDir, pdf)).length).toBeGreaterThan(0);

    // Alice stops sharing the image; Bob's card changes without a reload.
    const aliceCard = cardOf(alice, 'mockup.png');
    await aliceCard.locator('summary').click();
    await aliceCard.locator('button', { hasText: 'Stop sharing' }).click();
    // The card asks first; its dialog's last button confirms.
    await aliceCard.locator('dialog button').last().click();
    await expect
      .poll(() => imageCard.getAttribute('state'), { timeout: 15_000 })
      .toBe('unavailable');
    expect(await imageCard.locator('[part="status"]').textContent()).toContain(
      'no longer available',
    );
    expect(await imageCard.locator('.card__preview').count()).toBe(0);
    await imageCard.screenshot({
      path: path.join(artifactsDir, 'screenshots', 'federated-card-revoked.png'),
    });
  });
});
