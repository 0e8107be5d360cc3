import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { bytesByTransport, recordCompletion } from './support/completion.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  artifactsDir,
  launchChromium,
  startAppProcess,
  type AppProcess,
} from './support/app-process.js';

const screenshots = path.join(artifactsDir, 'screenshots');
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Opens the app as `user` in `room` in a fresh browser context. */
async function open(
  browser: Browser,
  app: AppProcess,
  user: string,
  room = 'general',
  init?: () => void,
) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  if (init) await context.addInitScript(init);
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[${user}] page error:`, error.message));
  await page.goto(`${app.url}/?user=${user}&room=${encodeURIComponent(room)}`);
  await page.waitForSelector('body[data-socket="connected"]');
  await page.waitForSelector(`body[data-room]`);
  return { context, page };
}

/** The card of the file called `name` on `page`. */
const cardOf = (page: Page, name: string) =>
  page.locator('chat-file-card', { hasText: name }).last();

async function waitForState(card: Locator, state: string, timeout = 20_000) {
  await expect.poll(() => card.getAttribute('state'), { timeout }).toBe(state);
}

/** SHA-256 of the file a card resolves to, computed in the page. */
const cardFileHash = (card: Locator) =>
  card.evaluate(async (el) => {
    const file = await (el as HTMLElement & { getFile(): Promise<File> }).getFile();
    const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
    return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
  });

/** Shares bytes through the upload element's native file input. */
async function pick(page: Page, name: string, mimeType: string, buffer: Buffer) {
  await page
    .locator('chat-file-upload input[type="file"]')
    .setInputFiles({ name, mimeType, buffer });
}

/** A PNG drawn in the page. */
const pngFrom = (page: Page) =>
  page.evaluate(async () => {
    const canvas = new OffscreenCanvas(120, 80);
    const ctx = canvas.getContext('2d')!;
    ctx.fillStyle = '#2f5bd3';
    ctx.fillRect(0, 0, 120, 80);
    ctx.fillStyle = '#f2a33a';
    ctx.fillRect(30, 20, 60, 40);
    const blob = await canvas.convertToBlob({ type: 'image/png' });
    return [...new Uint8Array(await blob.arrayBuffer())];
  });

/** A two-second WebM recorded in the page. */
const webmFrom = (page: Page) =>
  page.evaluate(async () => {
    const canvas = document.createElement('canvas');
    canvas.width = 160;
    canvas.height = 120;
    const ctx = canvas.getContext('2d')!;
    const recorder = new MediaRecorder(canvas.captureStream(15), { mimeType: 'video/webm' });
    const chunks: Blob[] = [];
    recorder.ondataavailable = (e) => chunks.push(e.data);
    const stopped = new Promise((r) => (recorder.onstop = r));
    recorder.start(100);
    const start = performance.now();
    await new Promise<void>((resolve) => {
      const draw = () => {
        const t = (performance.now() - start) / 1000;
        ctx.fillStyle = `hsl(${(t * 120) % 360} 70% 50%)`;
        ctx.fillRect(0, 0, 160, 120);
        if (t < 2) requestAnimationFrame(draw);
        else resolve();
      };
      draw();
    });
    recorder.stop();
    await stopped;
    return [...new Uint8Array(await new Blob(chunks).arrayBuffer())];
  });

describe('sharing files in the reference app', () => {
  let app: AppProcess;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true });
    app = await startAppProcess({
      config: {
        chat_files: {
          ice_servers: [],
          probe_timeout: 1000,
          webrtc_timeout: 4000,
          peer_wait_timeout: 4000,
          upload_tiers: { default: 100 * 1024 * 1024, tiny: 50_000 },
        },
        chat_app: { users: { carol: { groups: ['tiny'] } } },
      },
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await app?.stop();
  });

  it('alice picks a file, bob sees the card and downloads it over WebRTC; the bytes are equal', async () => {
    const alice = await open(browser, app, 'alice');
    const bob = await open(browser, app, 'bob');
    contexts.push(alice.context, bob.context);
    const bytes = randomBytes(2 * 1024 * 1024 + 17);
    await pick(alice.page, 'quarterly.bin', 'application/octet-stream', bytes);

    const card = cardOf(bob.page, 'quarterly.bin');
    await card.waitFor();
    await waitForState(card, 'available');
    await card.screenshot({ path: path.join(screenshots, 'card-available.png') });
    // Bob's page cannot reach the server's copy, so which source wins is not a race.
    await bob.page.route(
      (url) => url.pathname.endsWith('/download'),
      (route) => route.abort(),
    );
    await recordCompletion(card);
    await card.locator('button', { hasText: 'Download' }).click();
    await waitForState(card, 'complete');
    // Alice sent over WebRTC.
    expect(['webrtc', 'swarm']).toContain(await card.getAttribute('transport'));
    expect((await bytesByTransport(card)).webrtc).toBeGreaterThan(0);
    expect(await cardFileHash(card)).toBe(sha256(bytes));
    await card.screenshot({ path: path.join(screenshots, 'card-complete-webrtc.png') });
  });

  it('falls back to the relay at once when bob’s browser has no RTCPeerConnection', async () => {
    const alice = await open(browser, app, 'alice');
    const bob = await open(browser, app, 'bob', 'general', () => {
      // A browser without WebRTC (or one where it is blocked).
      delete (window as { RTCPeerConnection?: unknown }).RTCPeerConnection;
    });
    contexts.push(alice.context, bob.context);
    const bytes = randomBytes(1024 * 1024);
    await pick(alice.page, 'relayed.bin', 'application/octet-stream', bytes);
    const card = cardOf(bob.page, 'relayed.bin');
    await card.waitFor();
    // Nor the server's copy: the relay is his only way (not a race with the server).
    await bob.page.route(
      (url) => url.pathname.endsWith('/download'),
      (route) => route.abort(),
    );
    await recordCompletion(card);
    const started = Date.now();
    await card.locator('button', { hasText: 'Download' }).click();
    await waitForState(card, 'complete', 10_000);
    const elapsed = Date.now() - started;
    expect(['relay', 'swarm']).toContain(await card.getAttribute('transport'));
    expect((await bytesByTransport(card)).relay).toBeGreaterThan(0);
    expect(elapsed).toBeLessThan(3000);
    expect(await cardFileHash(card)).toBe(sha256(bytes));
  });

  it('gets the file from the server when alice is gone, and from the cache after a reload', async () => {
    const alice = await open(browser, app, 'alice');
    const bob = await open(browser, app, 'bob');
    contexts.push(bob.context);
    const bytes = randomBytes(1536 * 1024);
    await pick(alice.page, 'seeded.bin', 'application/octet-stream', bytes);
    // Wait until alice's own card says the server holds a copy, then she leaves.
    await cardOf(alice.page, 'seeded.bin')
      .locator('[part="server"][data-server="cached"]')
      .waitFor({ timeout: 20_000 });
    await alice.context.close();

    const card = cardOf(bob.page, 'seeded.bin');
    await card.locator('button', { hasText: 'Download' }).click();
    await waitForState(card, 'complete', 30_000);
    expect(await card.getAttribute('transport')).toBe('server');
    expect(await cardFileHash(card)).toBe(sha256(bytes));

    await bob.page.reload();
    await bob.page.waitForSelector('body[data-socket="connected"]');
    const reloaded = cardOf(bob.page, 'seeded.bin');
    await waitForState(reloaded, 'complete');
    expect(await reloaded.getAttribute('transport')).toBe('cache');
    expect(await cardFileHash(reloaded)).toBe(sha256(bytes));
  });

  it('shows an inline preview of an image that has decoded', async () => {
    const alice = await open(browser, app, 'alice');
    const bob = await open(browser, app, 'bob');
    contexts.push(alice.context, bob.context);
    await pick(alice.page, 'sunset.png', 'image/png', Buffer.from(await pngFrom(alice.page)));
    const card = cardOf(bob.page, 'sunset.png');
    await waitForState(card, 'complete');
    const image = card.locator('.card__preview img');
    await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(120);
    await card.screenshot({ path: path.join(screenshots, 'card-image-preview.png') });
  });

  it('plays a video on bob’s side when alice plays it', async () => {
    const alice = await open(browser, app, 'alice');
    const bob = await open(browser, app, 'bob');
    contexts.push(alice.context, bob.context);
    await pick(alice.page, 'clip.webm', 'video/webm', Buffer.from(await webmFrom(alice.page)));
    const bobCard = cardOf(bob.page, 'clip.webm');
    await bobCard.locator('button', { hasText: 'Download' }).click();
    await waitForState(bobCard, 'complete');
    const aliceVideo = cardOf(alice.page, 'clip.webm').locator('video');
    const bobVideo = bobCard.locator('video');
    await aliceVideo.waitFor();
    await bobVideo.waitFor();
    await aliceVideo.evaluate(async (video: HTMLVideoElement) => {
      video.muted = true;
      await video.play();
    });
    await expect
      .poll(() => bobVideo.evaluate((video: HTMLVideoElement) => !video.paused), { timeout: 5000 })
      .toBe(true);
    await bobCard.screenshot({ path: path.join(screenshots, 'card-video-playing.png') });
  });

  it('stores a file permanently, and says why when over quota', async () => {
    const alice = await open(browser, app, 'alice');
    const bob = await open(browser, app, 'bob');
    const carol = await open(browser, app, 'carol');
    contexts.push(alice.context, bob.context, carol.context);
    await pick(alice.page, 'keep-me.bin', 'application/octet-stream', randomBytes(200_000));

    const bobCard = cardOf(bob.page, 'keep-me.bin');
    await bobCard.locator('[part="server"][data-server="cached"]').waitFor({ timeout: 20_000 });
    await bobCard.screenshot({ path: path.join(screenshots, 'card-server-cached.png') });
    await bobCard.locator('button', { hasText: 'Keep on server' }).click();
    await bobCard.locator('[part="server"][data-server="stored"]').waitFor();
    expect(await bobCard.locator('[part="server"]').textContent()).toContain('Saved on the server');

    const carolCard = cardOf(carol.page, 'keep-me.bin');
    await carolCard.locator('button', { hasText: 'Keep on server' }).click();
    const alert = carolCard.locator('[role="alert"]');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(
      /^Storage limit exceeded\. Using .+ of .+ \(tiny tier\)\.$/,
    );
    await carolCard.screenshot({ path: path.join(screenshots, 'card-over-quota.png') });

    // The card's other states, as a person sees them.
    const unavailable = cardOf(alice.page, 'keep-me.bin');
    await unavailable.evaluate((el) =>
      (el as HTMLElement & { markUnavailable(): void }).markUnavailable(),
    );
    await waitForState(unavailable, 'unavailable');
    expect(await unavailable.locator('[part="status"]').textContent()).toContain(
      'no longer available',
    );
    await unavailable.screenshot({ path: path.join(screenshots, 'card-unavailable.png') });
  });

  it('catches a transfer in progress and shows the files browser', async () => {
    const alice = await open(browser, app, 'alice');
    const bob = await open(browser, app, 'bob', 'general', () => {
      delete (window as { RTCPeerConnection?: unknown }).RTCPeerConnection;
    });
    contexts.push(alice.context, bob.context);
    await pick(
      alice.page,
      'big-transfer.bin',
      'application/octet-stream',
      randomBytes(24 * 1024 * 1024),
    );
    const card = cardOf(bob.page, 'big-transfer.bin');
    await card.locator('button', { hasText: 'Download' }).click();
    await waitForState(card, 'transferring');
    const bar = card.locator('[role="progressbar"]');
    expect(Number(await bar.getAttribute('aria-valuenow'))).toBeGreaterThanOrEqual(0);
    await card.screenshot({ path: path.join(screenshots, 'card-transferring.png') });
    await waitForState(card, 'complete', 60_000);

    await bob.page.click('#files-toggle');
    const filesView = bob.page.locator('chat-file-browser');
    await filesView.locator('chat-file-card').first().waitFor();
    const listed = filesView.locator('chat-file-card', { hasText: 'big-transfer.bin' });
    await listed.waitFor();
    expect(await listed.getAttribute('state')).toBe('complete');
    await bob.page.screenshot({ path: path.join(screenshots, 'files-browser.png') });
    await alice.page.screenshot({ path: path.join(screenshots, 'chat-room.png') });
  });
});
