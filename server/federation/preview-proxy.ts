/**
 * Passes a preview image from a trusted peer to a local user without keeping any of it:
 * only allow-listed origins, no redirects, image types only (never SVG), a size cap and
 * a time limit for the whole answer. The image is held in memory (at most the cap) until
 * it is complete and its bytes are the image type it claims, and only then is a 200 sent,
 * so a browser never gets half an image: too large, too slow or malformed is a 502
 * `ERR_BAD_GATEWAY` saying which. Nothing is written to disk or to the database.
 */
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

/** Whether `bytes` start the way an image of `type` does. */
export function looksLike(type: string, bytes: Uint8Array): boolean {
  const starts = (...signature: number[]) => signature.every((b, i) => bytes[i] === b);
  const ascii = (offset: number, text: string) =>
    Buffer.from(bytes.subarray(offset, offset + text.length)).toString('latin1') === text;
  switch (type) {
    case 'image/png':
      return starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
    case 'image/jpeg':
      return starts(0xff, 0xd8, 0xff);
    case 'image/gif':
      return ascii(0, 'GIF87a') || ascii(0, 'GIF89a');
    case 'image/webp':
      return ascii(0, 'RIFF') && ascii(8, 'WEBP');
    case 'image/avif':
      return ascii(4, 'ftyp');
    default:
      return false;
  }
}

const badGateway = (message: string) => new ChatFilesError('ERR_BAD_GATEWAY', message);

/** Reads the whole body, refusing it past `maxBytes`; rejects when the fetch is aborted. */
async function readCapped(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        throw badGateway(`The preview is larger than ${maxBytes} bytes.`);
      }
      chunks.push(value);
    }
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    throw error;
  }
  return Buffer.concat(chunks, total);
}

/**
 * Fetches `url` from a trusted peer and, once the whole image is known to be within the
 * cap and well-formed, answers `res` with it.
 */
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
  const timeoutMs = options.timeoutMs ?? PREVIEW_TIMEOUT_MS;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const tooSlow = () => badGateway(`The origin instance took longer than ${timeoutMs} ms.`);
  let image: Buffer;
  let type: string;
  try {
    let upstream: globalThis.Response;
    try {
      upstream = await (options.fetchImpl ?? fetch)(target, {
        redirect: 'manual',
        signal: controller.signal,
        headers: { accept: 'image/*' },
      });
    } catch {
      throw timedOut ? tooSlow() : badGateway('The origin instance did not answer.');
    }
    if (upstream.status === 404 || upstream.status === 410) {
      await upstream.body?.cancel().catch(() => undefined);
      throw new ChatFilesError('ERR_GONE', 'This file is no longer available.');
    }
    if (upstream.status !== 200) {
      await upstream.body?.cancel().catch(() => undefined);
      throw badGateway(`The origin instance answered ${upstream.status}.`);
    }
    type = (upstream.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (!PREVIEW_IMAGE_TYPES.has(type)) {
      await upstream.body?.cancel().catch(() => undefined);
      throw badGateway('The origin instance did not send an image.');
    }
    const declared = Number(upstream.headers.get('content-length') ?? Number.NaN);
    if (Number.isFinite(declared) && declared > maxBytes) {
      await upstream.body?.cancel().catch(() => undefined);
      throw badGateway(`The preview is larger than ${maxBytes} bytes.`);
    }
    try {
      image = upstream.body ? await readCapped(upstream.body, maxBytes) : Buffer.alloc(0);
    } catch (error) {
      if (error instanceof ChatFilesError) throw error;
      throw timedOut ? tooSlow() : badGateway('The origin instance broke off the preview.');
    }
    if (Number.isFinite(declared) && declared !== image.length) {
      throw badGateway('The origin instance sent a preview of another length than it declared.');
    }
    if (!looksLike(type, image)) {
      throw badGateway(`The origin instance sent something that is not the ${type} it claims.`);
    }
  } finally {
    clearTimeout(timer);
  }
  res
    .status(200)
    .set({
      'Content-Type': type,
      'Content-Length': String(image.length),
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': 'sandbox',
      'Cache-Control': 'private, max-age=60',
    })
    .end(image);
}
