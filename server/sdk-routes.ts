/**
 * `GET <mount>/sdk/...`: the browser SDK, served by the router so a host needs no route
 * or build step of its own. `chat-files.js` (ESM) loads its worker from a content-hashed
 * file next to it; `chat-files.iife.js` is one file for a plain `<script>`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type RequestHandler } from 'express';

/** Entry names hosts link to: revalidated often, since they change with every release. */
const ENTRY_FILES = new Set([
  'chat-files.js',
  'chat-files.js.map',
  'chat-files.iife.js',
  'chat-files.iife.js.map',
]);

/** Entry files: browsers reuse them for five minutes, then revalidate with the ETag. */
const ENTRY_CACHE_CONTROL = 'public, max-age=300, must-revalidate';

/** Every other file's name carries a hash of its content, so it never changes. */
const HASHED_CACHE_CONTROL = 'public, max-age=31536000, immutable';

/**
 * The directory of the built SDK (`dist/sdk` of this package), looked for above this
 * module, which runs from `server/`, `dist/server/server/` or `dist/cjs/`.
 */
export function findSdkDir(from = path.dirname(fileURLToPath(import.meta.url))): string | null {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'dist', 'sdk');
    if (existsSync(path.join(candidate, 'chat-files.js'))) return candidate;
    if (path.dirname(dir) === dir) return null;
  }
}

/** The handler for `<mount>/sdk`; answers 404 with a reason while the SDK is not built. */
export function sdkRoutes(sdkDir: string | null, warn: (message: string) => void): RequestHandler {
  if (!sdkDir) {
    let warned = false;
    return (_req, res) => {
      if (!warned) warn('the browser SDK is not built (dist/sdk is missing): run `npm run build`');
      warned = true;
      res.status(404).json({
        error: 'The browser SDK is not built on this server.',
        code: 'ERR_NOT_FOUND',
      });
    };
  }
  return express.static(sdkDir, {
    index: false,
    redirect: false,
    dotfiles: 'ignore',
    etag: true,
    lastModified: true,
    cacheControl: false,
    setHeaders(res, file) {
      const name = path.basename(file);
      res.setHeader(
        'Cache-Control',
        ENTRY_FILES.has(name) ? ENTRY_CACHE_CONTROL : HASHED_CACHE_CONTROL,
      );
      res.setHeader('X-Content-Type-Options', 'nosniff');
      // A module script from another origin is a CORS request; the SDK is public code.
      res.setHeader('Access-Control-Allow-Origin', '*');
      res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    },
  });
}
