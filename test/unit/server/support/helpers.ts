/**
 * Small helpers for server tests: acknowledged emits, waiting for (or for the absence
 * of) events, manifests computed independently of the server's code, and multipart bodies.
 */
import { createHash } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import type { PieceManifest } from '../../../../src/core/wire/protocol.js';

/** Reply shape of every socket event. */
export type AckReply = { success: boolean; code?: string; error?: string } & Record<
  string,
  unknown
>;

/** Emits with an acknowledgement and resolves to the reply. */
export function ack(socket: Socket, event: string, ...args: unknown[]): Promise<AckReply> {
  return socket.timeout(5000).emitWithAck(event, ...args) as Promise<AckReply>;
}

/** Resolves with the first `event` on `socket`, or rejects after `timeoutMs`. */
export function nextEvent<T = Record<string, unknown>>(
  socket: Socket,
  event: string,
  timeoutMs = 3000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, listener);
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (payload: T) => {
      clearTimeout(timer);
      resolve(payload);
    };
    socket.once(event, listener);
  });
}

/** Collects every `event` on `socket` from now on. */
export function collect<T = Record<string, unknown>>(socket: Socket, event: string): T[] {
  const seen: T[] = [];
  socket.on(event, (payload: T) => seen.push(payload));
  return seen;
}

/** Waits a little, for asserting that something did not happen. */
export const settle = (ms = 150) => new Promise((resolve) => setTimeout(resolve, ms));

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest();

/** The piece manifest of `bytes`, computed here from first principles. */
export function manifestOf(bytes: Uint8Array, pieceSize = 1024 * 1024): PieceManifest {
  const digests: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += pieceSize) {
    digests.push(sha256(bytes.subarray(offset, offset + pieceSize)));
  }
  return {
    piece_size: pieceSize,
    pieces: digests.map((d) => d.toString('hex')),
    root: sha256(Buffer.concat(digests)).toString('hex'),
  };
}

/** Hex SHA-256 of bytes. */
export const sha256Hex = (bytes: Uint8Array) => sha256(bytes).toString('hex');

/** Deterministic pseudo-random bytes. */
export function bytesOf(size: number, seed = 1): Buffer {
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** One part of a hand-built multipart body. */
export type Part =
  | { name: string; value: string }
  | { name: string; filename: string; type?: string; data: Uint8Array };

/** Builds a multipart/form-data body by hand, so tests control every byte. */
export function multipart(
  parts: Part[],
  boundary = 'chatfilesboundary1234',
): {
  body: Uint8Array<ArrayBuffer>;
  contentType: string;
} {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\n`));
    if ('data' in part) {
      chunks.push(
        Buffer.from(
          `Content-Disposition: form-data; name="${part.name}"; filename="${part.filename}"\r\n` +
            `Content-Type: ${part.type ?? 'application/octet-stream'}\r\n\r\n`,
        ),
        Buffer.from(part.data),
        Buffer.from('\r\n'),
      );
    } else {
      chunks.push(
        Buffer.from(`Content-Disposition: form-data; name="${part.name}"\r\n\r\n${part.value}\r\n`),
      );
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    body: new Uint8Array(Buffer.concat(chunks)),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

/** Files in a directory (empty when it does not exist). */
export async function filesIn(dir: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  return (await readdir(dir).catch(() => [] as string[])).sort();
}

/** Open file descriptors of this process (Linux). */
export async function openDescriptors(): Promise<number> {
  const { readdir } = await import('node:fs/promises');
  return (await readdir('/proc/self/fd')).length;
}
