/**
 * `GET <mount>/sdk/...`: the built browser SDK served by the router (needs `npm run build`
 * first): types, caching by content hash, revalidation of the entry names, and that the
 * ESM bundle's worker URL resolves to a file the router serves.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, request, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChatFilesServer, type ChatFilesServer } from '../../../server/index.js';
import { findSdkDir, sdkRoutes } from '../../../server/sdk-routes.js';

let http: HttpServer;
let files: ChatFilesServer;
let dataDir: string;
let base: string;

beforeAll(async () => {
  if (!findSdkDir()) throw new Error('dist/sdk is missing: run `npm run build` first');
  dataDir = mkdtempSync(path.join(tmpdir(), 'chat-files-sdk-'));
  files = createChatFilesServer({
    dataDir,
    cleanupJob: false,
    host: { authenticate: () => null, isMember: () => false },
  });
  const app = express();
  app.use('/chat/files', files.router);
  http = createServer(app);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}/chat/files`;
});

afterAll(async () => {
  await files?.close();
  await new Promise((resolve) => http?.close(resolve));
  rmSync(dataDir, { recursive: true, force: true });
});

/** A GET with the path sent exactly as written (fetch would normalize `..` away). */
function rawGet(
  pathname: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const { port } = http.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: pathname, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('GET <mount>/sdk/chat-files.js', () => {
  it('is JavaScript, revalidated by ETag (the name does not change between releases)', async () => {
    const response = await fetch(`${base}/sdk/chat-files.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('public, max-age=300, must-revalidate');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const etag = response.headers.get('etag');
    expect(etag).toBeTruthy();
    const body = await response.text();
    expect(body).toMatch(/export\s*\{/);

    // As a browser revalidates (fetch() would add `Cache-Control: no-cache`).
    const again = await rawGet('/chat/files/sdk/chat-files.js', { 'if-none-match': etag! });
    expect(again.status).toBe(304);
  });

  it('loads its worker from a content-hashed file the router serves, cached for a year', async () => {
    const entryUrl = `${base}/sdk/chat-files.js`;
    const body = await (await fetch(entryUrl)).text();
    const match = /new Worker\(new URL\(`([^`]+)`,\s*import\.meta\.url\)/.exec(body);
    expect(match, 'the bundle creates its worker from a URL next to it').not.toBeNull();
    const workerUrl = new URL(match![1]!, entryUrl);
    expect(workerUrl.pathname).toMatch(/^\/chat\/files\/sdk\/assets\/file-worker-[\w-]{8,}\.js$/);
    const worker = await fetch(workerUrl);
    expect(worker.status).toBe(200);
    expect(worker.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(worker.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    // The worker is a classic script: no module syntax at its top level.
    expect(await worker.text()).not.toMatch(/^\s*(import|export)\s/m);
  });

  it('serves every chunk and worker the bundle loads, each content-hashed and immutable', async () => {
    // Walk the graph from the entry: dynamic imports of chunks, and `new URL(…, import.meta.url)`.
    const seen = new Set<string>();
    const queue = [`${base}/sdk/chat-files.js`];
    while (queue.length > 0) {
      const url = queue.shift()!;
      if (seen.has(url)) continue;
      seen.add(url);
      const response = await fetch(url);
      expect(response.status, url).toBe(200);
      expect(response.headers.get('content-type'), url).toBe('text/javascript; charset=utf-8');
      if (!url.endsWith('/chat-files.js')) {
        expect(response.headers.get('cache-control'), url).toBe(
          'public, max-age=31536000, immutable',
        );
      }
      const body = await response.text();
      for (const [, ref] of body.matchAll(/import\(`(\.\/[^`]+)`\)/g))
        queue.push(new URL(ref!, url).href);
      for (const [, ref] of body.matchAll(/new URL\(`([^`]+)`,\s*import\.meta\.url\)/g)) {
        queue.push(new URL(ref!, url).href);
      }
    }
    // Every script of the build (but the IIFE) is reached from the entry: none is orphaned.
    const scripts = readdirSync(findSdkDir()!, { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith('.js') && name !== 'chat-files.iife.js')
      .map((name) => `${base}/sdk/${name.split(path.sep).join('/')}`);
    expect([...seen].sort()).toEqual(scripts.sort());
  });
});

describe('GET <mount>/sdk/chat-files.iife.js', () => {
  it('is one JavaScript file that defines the ChatFilesSDK global', async () => {
    const response = await fetch(`${base}/sdk/chat-files.iife.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('public, max-age=300, must-revalidate');
    expect(await response.text()).toMatch(/var ChatFilesSDK\s*=/);
  });
});

describe('other paths under <mount>/sdk', () => {
  it('answer 404 as JSON, also for paths that climb out of the folder', async () => {
    for (const name of ['nope.js', '..%2Fpackage.json', '../../../package.json', 'assets/']) {
      const response = await rawGet(`/chat/files/sdk/${name}`);
      expect(response.status, name).toBe(404);
      expect((JSON.parse(response.body) as { code: string }).code, name).toBe('ERR_NOT_FOUND');
    }
  });

  it('answer 404 with the reason while the SDK is not built', async () => {
    const app = express();
    const warnings: string[] = [];
    app.use(
      '/sdk',
      sdkRoutes(null, (m) => warnings.push(m)),
    );
    const server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sdk/chat-files.js`;
      const response = await fetch(url);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({
        error: 'The browser SDK is not built on this server.',
        code: 'ERR_NOT_FOUND',
      });
      await fetch(url);
      expect(warnings).toEqual([
        'the browser SDK is not built (dist/sdk is missing): run `npm run build`',
      ]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('finds dist/sdk from the compiled server too', () => {
    const root = path.resolve(import.meta.dirname, '../../..');
    expect(findSdkDir(path.join(root, 'dist/server/server'))).toBe(path.join(root, 'dist/sdk'));
    expect(findSdkDir(path.join(root, 'dist/cjs'))).toBe(path.join(root, 'dist/sdk'));
    expect(existsSync(path.join(root, 'dist/sdk/chat-files.iife.js'))).toBe(true);
  });
});
