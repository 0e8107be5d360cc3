/**
 * Two real reference apps on two loopback ports, each trusting the other (federation),
 * plus what federation tests do on them: federated rooms, sharing and uploading a file
 * through the real routes, real PNG images, and scanning a data directory for bytes.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import type { Socket } from 'socket.io-client';
import type { ChatFilesConfigInput } from '../../../../src/core/config.js';
import {
  freePort,
  startTestApp,
  type TestApp,
  type TestClient,
} from '../../../support/test-app.js';
import { ack, manifestOf, multipart } from './helpers.js';

/** Two federated instances. */
export interface FederatedPair {
  a: TestApp;
  b: TestApp;
  originA: string;
  originB: string;
  close(): Promise<void>;
}

/** Options of {@link startFederatedPair}. */
export interface FederatedPairOptions {
  /** More `chat_files` keys for both instances. */
  chatFiles?: ChatFilesConfigInput;
  /** Further peers A trusts besides B (e.g. a fake older instance). */
  extraPeersOfA?: string[];
  /** Port for A (when something must know A's origin before it starts). */
  portA?: number;
}

const federation = (origin: string, peers: string[]): ChatFilesConfigInput => ({
  federation: { enabled: true, origin, peers },
});

/** Starts A and B, each trusting the other. */
export async function startFederatedPair(
  options: FederatedPairOptions = {},
): Promise<FederatedPair> {
  const [portA, portB] = [options.portA ?? (await freePort()), await freePort()];
  const originA = `http://127.0.0.1:${portA}`;
  const originB = `http://127.0.0.1:${portB}`;
  const a = await startTestApp({
    port: portA,
    chatFiles: {
      ...options.chatFiles,
      ...federation(originA, [originB, ...(options.extraPeersOfA ?? [])]),
    },
  });
  const b = await startTestApp({
    port: portB,
    chatFiles: { ...options.chatFiles, ...federation(originB, [originA]) },
  });
  return {
    a,
    b,
    originA,
    originB,
    async close() {
      await Promise.all([a.close(), b.close()]);
    },
  };
}

/** Creates a room on `client`'s instance federated with `peers`; returns the answer. */
export async function createFederatedRoom(
  client: TestClient,
  name: string,
  peers: string[],
): Promise<{ status: number; body: Record<string, unknown> & { id: string } }> {
  return client.json('POST', '/api/rooms', { name, federated_with: peers });
}

/** Shares `bytes` into a room through the socket, then uploads them; returns the file id. */
export async function shareAndUploadFile(
  client: TestClient,
  socket: Socket,
  input: { roomId: string; name: string; mimeType: string; bytes: Uint8Array; thumbnail?: string },
): Promise<string> {
  const reply = await ack(socket, 'chat:file:share', {
    room_id: input.roomId,
    name: input.name,
    size: input.bytes.length,
    mime_type: input.mimeType,
    manifest: manifestOf(input.bytes),
    ...(input.thumbnail ? { thumbnail: input.thumbnail } : {}),
  });
  if (!reply.success) throw new Error(`share failed: ${reply.code} ${reply.error}`);
  const fileId = reply.file_id as string;
  await uploadFile(client, fileId, input.bytes, input.mimeType);
  return fileId;
}

/** Uploads the bytes of a shared file (multipart, `file_id` first). */
export async function uploadFile(
  client: TestClient,
  fileId: string,
  bytes: Uint8Array,
  mimeType: string,
): Promise<void> {
  const { body, contentType } = multipart([
    { name: 'file_id', value: fileId },
    { name: 'file', filename: 'upload.bin', type: mimeType, data: bytes },
  ]);
  const res = await client.fetch('/api/chat/files/upload', {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
  if (res.status !== 200) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

const crc32 = (data: Buffer) => {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
};

const chunk = (type: string, data: Buffer) => {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
};

/**
 * A valid RGB PNG of random pixels: it decodes anywhere, and its bytes are distinctive
 * enough that finding them in a directory cannot be a coincidence.
 */
export function randomPng(width = 32, height = 32): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) rows.push(Buffer.from([0]), randomBytes(width * 3));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    // Level 0: the random pixels stay as they are inside the file.
    chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 0 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Every regular file under `dir`, recursively. */
export async function filesUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await filesUnder(full)));
    else if (entry.isFile()) found.push(full);
  }
  return found;
}

/** Files under `dir` whose bytes contain `needle`. */
export async function filesContaining(dir: string, needle: Uint8Array): Promise<string[]> {
  const hits: string[] = [];
  for (const file of await filesUnder(dir)) {
    if ((await readFile(file)).includes(Buffer.from(needle))) hits.push(file);
  }
  return hits;
}
