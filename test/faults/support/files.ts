/**
 * Shares, uploads and downloads against a fault-test app, and the means to interrupt an
 * upload half way: a multipart request written by hand whose body can stop at any byte.
 */
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { request, type ClientRequest } from 'node:http';
import path from 'node:path';
import type { Socket } from 'socket.io-client';
import type { FaultApp } from './app.js';

const BOUNDARY = 'chatfilesfaultboundary';
const API = '/api/chat/files';

/** Lower-case hex SHA-256. */
export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Deterministic bytes of `length`, different per `seed`. */
export function bytesOf(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed * 2654435761;
  for (let i = 0; i < length; i += 4) {
    x = (x * 1103515245 + 12345) >>> 0;
    out.writeUInt32LE(x, i <= length - 4 ? i : length - 4);
  }
  return out;
}

/** Shares a file of `size` bytes into `roomId`; returns its id. */
export async function share(socket: Socket, name: string, size: number, roomId = 'general') {
  const reply = (await socket.timeout(15_000).emitWithAck('chat:file:share', {
    room_id: roomId,
    name,
    size,
    mime_type: 'application/octet-stream',
  })) as { success: boolean; file_id?: string; code?: string };
  if (!reply.success) throw new Error(`share failed: ${reply.code}`);
  return reply.file_id!;
}

function head(fileId: string): Buffer {
  return Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file_id"\r\n\r\n${fileId}\r\n` +
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="f.bin"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
}
const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);

/** An upload request whose body is written by the caller. */
export function openUpload(
  app: FaultApp,
  token: string,
  fileId: string,
): { req: ClientRequest; response: Promise<{ status: number; body: string }> } {
  const url = new URL(`${app.url}${API}/upload`);
  const req = request({
    host: url.hostname,
    port: url.port,
    path: url.pathname,
    method: 'POST',
    agent: false,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
    },
  });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.once('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.once('error', reject);
    });
    req.once('error', reject);
  });
  req.write(head(fileId));
  return { req, response };
}

/** Uploads `bytes` in full; resolves to the status. */
export async function upload(app: FaultApp, token: string, fileId: string, bytes: Buffer) {
  const { req, response } = openUpload(app, token, fileId);
  for (let offset = 0; offset < bytes.length; offset += 1 << 20) {
    if (!req.write(bytes.subarray(offset, offset + (1 << 20)))) {
      await new Promise((resolve) => req.once('drain', resolve));
    }
  }
  req.end(tail);
  return response;
}

/**
 * One request on a fresh connection (no keep-alive pool): after a kill -9 and a restart
 * on the same port, a pooled connection of the dead process would fail the next request.
 */
function send(
  app: FaultApp,
  token: string,
  method: string,
  route: string,
  body?: string,
): Promise<{ status: number; bytes: Buffer }> {
  const url = new URL(`${app.url}${API}${route}`);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method,
        agent: false,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.once('end', () =>
          resolve({ status: res.statusCode ?? 0, bytes: Buffer.concat(chunks) }),
        );
        res.once('error', reject);
      },
    );
    req.once('error', reject);
    req.end(body);
  });
}

/** Downloads a file; resolves to its status and SHA-256 (of the body, when 200). */
export async function download(app: FaultApp, token: string, fileId: string) {
  const res = await send(app, token, 'GET', `/${fileId}/download`);
  return { status: res.status, sha256: res.status === 200 ? sha256(res.bytes) : null };
}

/** JSON POST to the files API. */
export async function post(app: FaultApp, token: string, route: string, body: unknown) {
  const res = await send(app, token, 'POST', route, JSON.stringify(body));
  const text = res.bytes.toString('utf8');
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** Names in the app's blob directory: committed blobs and partial writes. */
export function storageFiles(app: FaultApp): { blobs: string[]; partials: string[] } {
  let names: string[] = [];
  try {
    names = readdirSync(path.join(app.dataDir, 'uploads', 'chat_files'));
  } catch {
    // not created yet
  }
  return {
    blobs: names.filter((n) => /^[0-9a-f]{32}$/.test(n)),
    partials: names.filter((n) => n.endsWith('.part')),
  };
}
