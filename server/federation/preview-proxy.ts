/**
 * Streams a preview image from a trusted peer to a local user without keeping any of it:
 * only allow-listed origins, no redirects, image types only (never SVG), a size cap and
 * a time limit. Nothing is written to disk or to the database.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { pipeline } from 'node:stream/promises';
import type { Response } from 'express';
import { ChatFilesError } from '../errors.js';

/** Largest preview passed through. */
export const MAX_PREVIEW_BYTES = 5 * 1024 * 1024;
/** Longest a preview fetch may take. */
export const PREVIEW_TIMEOUT_MS = 10_000;

/** Image types passed through as previews (never SVG: it can carry script). */
export const PREVIEW_IMAGE_TYPES: ReadonlySet<string> = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/avif',
]);

/** Options of {@link proxyPreview}. */
export interface ProxyPreviewOptions {
  /** Origins the proxy may fetch from. */
  trustedOrigins: readonly string[];
  maxBytes?: number;
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
}

/** Fetches `url` from a trusted peer and streams it into `res`. */
export async function proxyPreview(
  url: string,
  res: Response,
  options: ProxyPreviewOptions,
): Promise<void> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new ChatFilesError('ERR_VALIDATION', 'The preview address is not a URL.');
  }
  if (!options.trustedOrigins.includes(target.origin) || target.username || target.password) {
    throw new ChatFilesError(
      'ERR_FORBIDDEN',
      'Previews are only fetched from trusted peer instances.',
    );
  }
  const maxBytes = options.maxBytes ?? MAX_PREVIEW_BYTES;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? PREVIEW_TIMEOUT_MS);
  try {
    let upstream: globalThis.Response;
    try {
      upstream = await (options.fetchImpl ?? fetch)(target, {
        redirect: 'manual',
        signal: controller.signal,
        headers: { accept: 'image/*' },
      });
    } catch {
      throw new ChatFilesError('ERR_BAD_GATEWAY', 'The origin instance did not answer.');
    }
    if (upstream.status === 404 || upstream.status === 410) {
      await upstream.body?.cancel();
      throw new ChatFilesError('ERR_GONE', 'This file is no longer available.');
    }
    if (upstream.status !== 200) {
      await upstream.body?.cancel();
      throw new ChatFilesError(
        'ERR_BAD_GATEWAY',
        `The origin instance answered ${upstream.status}.`,
      );
    }
    const type = (upstream.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (!PREVIEW_IMAGE_TYPES.has(type)) {
      await upstream.body?.cancel();
      throw new ChatFilesError('ERR_BAD_GATEWAY', 'The origin instance did not send an image.');
    }
    const declared = Number(upstream.headers.get('content-length') ?? Number.NaN);
    if (Number.isFinite(declared) && declared > maxBytes) {
      await upstream.body?.cancel();
      throw new ChatFilesError('ERR_BAD_GATEWAY', 'The preview is too large.');
    }
    res.status(200).set({
      'Content-Type': type,
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': 'sandbox',
      'Cache-Control': 'private, max-age=60',
    });
    if (Number.isFinite(declared)) res.set('Content-Length', String(declared));
    if (!upstream.body) {
      res.end();
      return;
    }
    let seen = 0;
    const capped = Readable.fromWeb(upstream.body as NodeReadableStream<Uint8Array>).filter(
      (chunk: Buffer) => {
        seen += chunk.length;
        if (seen > maxBytes) throw new Error('preview exceeds the size cap');
        return true;
      },
    );
    await pipeline(capped, res).catch(() => {
      // Headers are sent; a cut-off stream is the only signal left. Nothing was stored.
      res.destroy();
    });
  } finally {
    clearTimeout(timer);
  }
}
