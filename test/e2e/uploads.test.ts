/**
 * Resumable uploads in real Chromium against the reference app: Uppy (`@uppy/core` +
 * `@uppy/tus`, bundled for the page at test time) survives a connection cut in the
 * middle, and the SDK's own `<chat-file-upload>` resumes from the server's offset after
 * the page is reloaded mid-upload. In both, another member then gets the bytes from the
 * server, and they are the bytes that were sent.
 */
import { createHash } from 'node:crypto';
import { build } from 'esbuild';
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, startAppProcess, type AppProcess } from './support/app-process.js';

const MiB = 1024 * 1024;
const TUS_PATH = '/api/chat/files/tus';

/** Uppy for the page: an IIFE setting `window.Uppy` and `window.UppyTus`. */
async function bundleUppy(): Promise<string> {
  const result = await build({
    stdin: {
      contents:
        "import Uppy from '@uppy/core'; import Tus from '@uppy/tus'; globalThis.Uppy = Uppy; globalThis.UppyTus = Tus;",
      resolveDir: process.cwd(),
    },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/** Opens the app as `user` in `general`. */
async function open(browser: Browser, app: AppProcess, user: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[${user}] page error:`, error.message));
  await page.goto(`${app.url}/?user=${user}&room=general`);
  await page.waitForSelector('body[data-socket="connected"]');
  await page.waitForSelector('body[data-room]');
  return { context, page };
}

/** SHA-256 (hex) of the file a card resolves to, downloaded by that page. */
const cardFileHash = (page: Page, name: string) =>
  page
    .locator('chat-file-card', { hasText: name })
    .last()
    .evaluate(async (el) => {
      const file = await (el as HTMLElement & { getFile(): Promise<File> }).getFile();
      const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
      return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
    });

describe('resumable uploads in the browser', () => {
  let app: AppProcess;
  let browser: Browser;
  let uppy: string;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    [app, browser, uppy] = await Promise.all([startAppProcess(), launchChromium(), bundleUppy()]);
  });
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await app?.stop();
  });

  it('Uppy with @uppy/tus finishes an upload after the connection is cut mid-way', async () => {
    const alice = await open(browser, app, 'alice');
    const bob = await open(browser, app, 'bob');
    contexts.push(alice.context, bob.context);
    const name = 'uppy-offline.bin';
    await alice.page.addScriptTag({ content: uppy });

    // Cut the connection once the server has acknowledged the first chunk.
    let offline = false;
    let acknowledged = 0;
    await alice.page.route(`**${TUS_PATH}/**`, (route) =>
      offline ? route.abort('internetdisconnected') : route.continue(),
    );
    let failures = 0;
    alice.page.on('response', (response) => {
      if (response.request().method() === 'PATCH' && response.status() === 204) acknowledged += 1;
    });
    alice.page.on('requestfailed', (request) => {
      if (request.url().includes(TUS_PATH)) failures += 1;
    });

    const run = alice.page.evaluate(
      async ({ name, size, endpoint }) => {
        const bytes = new Uint8Array(size);
        for (let i = 0; i < size; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
        const pieces: string[] = [];
        const hex = (buffer: ArrayBuffer) =>
          [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');
        const raw: Uint8Array[] = [];
        for (let i = 0; i < size; i += 1024 * 1024) {
          const digest = await crypto.subtle.digest('SHA-256', bytes.subarray(i, i + 1024 * 1024));
          pieces.push(hex(digest));
          raw.push(new Uint8Array(digest));
        }
        const joined = new Uint8Array(raw.length * 32);
        raw.forEach((digest, i) => joined.set(digest, i * 32));
        const manifest = {
          piece_size: 1024 * 1024,
          pieces,
          root: hex(await crypto.subtle.digest('SHA-256', joined)),
        };
        const client = (globalThis as Record<symbol, unknown>)[
          Symbol.for('chat-files.default-client')
        ] as { socket: { emit(...args: unknown[]): void } };
        const shared = await new Promise<{ file_id: string }>((resolve) =>
          client.socket.emit(
            'chat:file:share',
            { room_id: 'general', name, size, mime_type: 'application/octet-stream', manifest },
            resolve,
          ),
        );
        const w = globalThis as unknown as {
          Uppy: new (options: unknown) => {
            use(plugin: unknown, options: unknown): void;
            addFile(file: unknown): void;
            upload(): Promise<{ successful?: unknown[]; failed?: Array<{ error?: unknown }> }>;
          };
          UppyTus: unknown;
        };
        const uploader = new w.Uppy({ autoProceed: false });
        uploader.use(w.UppyTus, {
          endpoint,
          chunkSize: 1024 * 1024,
          retryDelays: [0, 500, 1000, 2000, 3000, 5000, 8000],
        });
        uploader.addFile({
          name,
          type: 'application/octet-stream',
          data: new Blob([bytes]),
          meta: { file_id: shared.file_id, filename: name },
        });
        const result = await uploader.upload();
        return {
          ok: (result.successful?.length ?? 0) === 1,
          failed: String(result.failed?.[0]?.error ?? ''),
          sha256: hex(await crypto.subtle.digest('SHA-256', bytes)),
        };
      },
      { name, size: 8 * MiB, endpoint: TUS_PATH },
    );

    await expect.poll(() => acknowledged, { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
    offline = true;
    await alice.context.setOffline(true);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const whileOffline = acknowledged;
    const failedWhileOffline = failures;
    offline = false;
    await alice.context.setOffline(false);

    const outcome = await run;
    expect(outcome.failed).toBe('');
    expect(outcome.ok).toBe(true);
    // The upload really was cut off before it finished, and its requests failed meanwhile.
    expect(whileOffline).toBeLessThan(8);
    expect(failedWhileOffline).toBeGreaterThanOrEqual(1);
    // Bob sees the card and gets the bytes from the server (Alice's page holds none).
    await bob.page.locator('chat-file-card', { hasText: name }).last().waitFor();
    expect(await cardFileHash(bob.page, name)).toBe(outcome.sha256);
  });

  it('<chat-file-upload> resumes from the server offset after the page is reloaded', async () => {
    const alice = await open(browser, app, 'alice');
    const bob = await open(browser, app, 'bob');
    contexts.push(alice.context, bob.context);
    const name = 'reload-me.bin';
    const size = 24 * MiB;
    const bytes = Buffer.alloc(size);
    for (let i = 0; i < size; i += 4) bytes.writeUInt32LE((i * 2654435761) >>> 0, i);

    // Slow PATCHes down, so that the page can be reloaded while the upload runs.
    const slow = async (route: Route) => {
      if (route.request().method() === 'PATCH') await new Promise((r) => setTimeout(r, 1500));
      await route.continue().catch(() => undefined);
    };
    await alice.page.route(`**${TUS_PATH}/**`, slow);
    const offsets: number[] = [];
    const watch = (page: Page) =>
      page.on('request', (request) => {
        if (request.method() === 'PATCH') offsets.push(Number(request.headers()['upload-offset']));
      });
    watch(alice.page);
    let acknowledged = 0;
    let fileId = '';
    alice.page.on('response', (response) => {
      if (response.request().method() === 'PATCH' && response.status() === 204) acknowledged += 1;
    });
    alice.page.on('request', (request) => {
      const metadata = request.method() === 'POST' ? request.headers()['upload-metadata'] : null;
      const encoded = metadata?.split(',').find((entry) => entry.startsWith('file_id '));
      if (encoded) fileId = Buffer.from(encoded.slice(8), 'base64').toString();
    });

    await alice.page
      .locator('chat-file-upload input[type="file"]')
      .setInputFiles({ name, mimeType: 'application/octet-stream', buffer: bytes });
    await expect.poll(() => acknowledged, { timeout: 60_000 }).toBeGreaterThanOrEqual(1);
    const beforeReload = offsets.length;

    await alice.page.reload();
    await alice.page.route(`**${TUS_PATH}/**`, slow);
    await alice.page.waitForSelector('body[data-socket="connected"]');
    // The reloaded page picks the upload up again by itself, from where the server is.
    await expect.poll(() => offsets.length, { timeout: 30_000 }).toBeGreaterThan(beforeReload);
    const resumedAt = offsets[beforeReload]!;
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThan(size);
    expect(fileId).not.toBe('');

    // The server's copy, fetched by another member, is the file that was picked.
    const expected = createHash('sha256').update(bytes).digest('hex');
    const downloaded = () =>
      bob.page.evaluate(async (fileId) => {
        const response = await fetch(`/api/chat/files/${fileId}/download`);
        if (!response.ok) return `HTTP ${response.status}`;
        const digest = await crypto.subtle.digest('SHA-256', await response.arrayBuffer());
        return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
      }, fileId);
    await expect.poll(downloaded, { timeout: 60_000, interval: 1000 }).toBe(expected);
    // Only the first run started from zero.
    expect(offsets.filter((offset) => offset === 0)).toHaveLength(1);
  });
});
