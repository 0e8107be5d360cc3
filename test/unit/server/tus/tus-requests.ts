/**
 * Requests of the tus tests: a share to upload into, raw tus requests with the protocol
 * header and a bearer token, an upload created by hand, and one by tus-js-client.
 */
import { request } from 'node:http';
import * as tus from 'tus-js-client';
import type { BareServer, BareUser } from '../support/bare-server.js';
import { ack, manifestOf } from '../support/helpers.js';

/** The header every tus request carries. */
export const TUS_HEADERS = { 'Tus-Resumable': '1.0.0' };

/** Shares `bytes` into `general` as `user` and returns the file id. */
export async function share(user: BareUser, bytes: Buffer, name = 'big.bin'): Promise<string> {
  const socket = await user.socket();
  try {
    const reply = await ack(socket, 'chat:file:share', {
      room_id: 'general',
      name,
      size: bytes.length,
      mime_type: 'application/octet-stream',
      manifest: manifestOf(bytes),
    });
    if (!reply.success) throw new Error(`share failed: ${reply.code}`);
    return reply.file_id as string;
  } finally {
    socket.close();
  }
}

/** Raw request to a tus URL as `user`. */
export function tusRequest(
  user: BareUser,
  url: string,
  method: string,
  headers = {},
  body?: Buffer,
) {
  return fetch(url, {
    method,
    headers: { ...TUS_HEADERS, authorization: `Bearer ${user.token}`, ...headers },
    ...(body ? { body: new Uint8Array(body) } : {}),
  });
}

/**
 * A PATCH at `offset` as `user`, with an `Upload-Checksum` when one is given. A stream body
 * is sent as it comes (chunked, without a length), as a client that does not know it.
 */
export function tusPatch(
  user: BareUser,
  url: string,
  offset: number,
  body: Buffer | ReadableStream<Uint8Array>,
  checksum?: string,
) {
  return fetch(url, {
    method: 'PATCH',
    headers: {
      ...TUS_HEADERS,
      authorization: `Bearer ${user.token}`,
      'Upload-Offset': String(offset),
      'Content-Type': 'application/offset+octet-stream',
      ...(checksum ? { 'Upload-Checksum': checksum } : {}),
    },
    body: Buffer.isBuffer(body) ? new Uint8Array(body) : body,
    duplex: 'half',
  } as RequestInit);
}

/**
 * A PATCH of `length` bytes at `offset` whose body the test writes piece by piece (and
 * may stall or cut off): the request, and its answer once one comes.
 */
export function openPatch(url: string, token: string, offset: number, length: number) {
  const target = new URL(url);
  const req = request({
    host: target.hostname,
    port: target.port,
    path: target.pathname,
    method: 'PATCH',
    headers: {
      ...TUS_HEADERS,
      authorization: `Bearer ${token}`,
      'Upload-Offset': String(offset),
      'Content-Type': 'application/offset+octet-stream',
      'Content-Length': String(length),
    },
  });
  const answer = new Promise<{ status: number; offset: string | undefined; body: string }>(
    (resolve, reject) => {
      req.on('response', (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode!,
            offset: res.headers['upload-offset'] as string | undefined,
            body,
          }),
        );
      });
      req.on('error', reject);
    },
  );
  return { req, answer };
}

/** Creates an upload by hand and returns its absolute URL. */
export async function createUpload(
  server: BareServer,
  user: BareUser,
  fileId: string,
  length: number,
) {
  const res = await tusRequest(user, `${server.api}/tus`, 'POST', {
    'Upload-Length': String(length),
    'Upload-Metadata': `file_id ${Buffer.from(fileId).toString('base64')},filename ${Buffer.from('f').toString('base64')}`,
  });
  return {
    res,
    url: res.headers.get('location') ? new URL(res.headers.get('location')!, server.url).href : '',
  };
}

/** A tus-js-client upload of `bytes` for `fileId`; resolves with its outcome. */
export function tusUpload(
  server: BareServer,
  user: BareUser,
  fileId: string,
  bytes: Buffer,
  options: Partial<tus.UploadOptions> = {},
): { upload: tus.Upload; done: Promise<void> } {
  let upload!: tus.Upload;
  const done = new Promise<void>((resolve, reject) => {
    upload = new tus.Upload(bytes, {
      endpoint: `${server.api}/tus`,
      headers: { authorization: `Bearer ${user.token}` },
      metadata: { file_id: fileId, filename: 'big.bin' },
      retryDelays: [],
      ...options,
      onSuccess: () => resolve(),
      onError: (error) => reject(error),
    });
  });
  upload.start();
  return { upload, done };
}

/**
 * Starts a tus-js-client upload of `bytes` and drops its connection once `cutAt` bytes
 * were sent, in the middle of the request body; resolves with the upload's URL.
 */
export async function tusUploadCut(
  server: BareServer,
  user: BareUser,
  fileId: string,
  bytes: Buffer,
  cutAt: number,
): Promise<string> {
  let url = '';
  let cut!: () => void;
  const stopped = new Promise<void>((resolve) => (cut = resolve));
  const first = tusUpload(server, user, fileId, bytes, {
    onProgress(sent) {
      if (sent >= cutAt && url === '') {
        url = first.upload.url!;
        void first.upload.abort().then(cut);
      }
    },
  });
  await Promise.race([first.done, stopped]);
  return url;
}
