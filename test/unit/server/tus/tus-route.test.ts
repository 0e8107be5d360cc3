/**
 * The tus endpoint driven by tus-js-client in Node, against a real server on a real
 * disk: resume after a cut and a restart, ownership on every request, termination,
 * checksums, the shared size, and the one-upload-per-file rule across both routes.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBareServer, type BareServer } from '../support/bare-server.js';
import { bytesOf, settle, sha256Hex } from '../support/helpers.js';
import { uploadBytes } from '../support/upload.js';
import {
  createUpload,
  openPatch,
  share,
  TUS_HEADERS,
  tusPatch,
  tusRequest,
  tusUpload,
  tusUploadCut,
} from './tus-requests.js';

const MiB = 1024 * 1024;

describe('tus uploads', () => {
  let dataDir: string;
  let server: BareServer;
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'chat-files-tus-'));
    server = await startBareServer({ dataDir });
  });
  afterAll(async () => {
    await server.close({ keepData: true });
    rmSync(dataDir, { recursive: true, force: true });
  });
  const tusFiles = () => readdir(path.join(dataDir, 'tus-uploads')).catch(() => []);

  it('resumes a 24 MiB upload cut at half way after a server restart; bytes served equal', async () => {
    const bytes = bytesOf(24 * MiB, 31);
    const alice = server.user('alice');
    const fileId = await share(alice, bytes);
    // The connection drops in the middle of the request body.
    const url = await tusUploadCut(server, alice, fileId, bytes, 12 * MiB);
    expect(url).not.toBe('');
    await settle(200);

    // The server goes away and comes back on the same data (and port).
    const port = Number(new URL(server.url).port);
    await server.close({ keepData: true });
    server = await startBareServer({ dataDir, port });
    const again = server.user('alice');
    const head = await tusRequest(again, url, 'HEAD');
    expect(head.status).toBe(200);
    const offset = Number(head.headers.get('upload-offset'));
    expect(offset).toBeGreaterThanOrEqual(10 * MiB);
    expect(offset).toBeLessThan(24 * MiB);

    let resumedFrom = -1;
    const resumed = tusUpload(server, again, fileId, bytes, {
      uploadUrl: url,
      chunkSize: 4 * MiB,
      onChunkComplete(_chunk, accepted) {
        if (resumedFrom < 0) resumedFrom = accepted - _chunk;
      },
    });
    await resumed.done;
    expect(resumedFrom).toBe(offset);
    const download = await again.fetch(`/${fileId}/download`);
    expect(download.status).toBe(200);
    const served = Buffer.from(await download.arrayBuffer());
    expect(served.length).toBe(bytes.length);
    expect(sha256Hex(served)).toBe(sha256Hex(bytes));
    // The finished upload left the tus directory.
    expect(await tusFiles()).not.toContain(url.split('/').pop());
  });

  it('lets only the sharer see, continue or end an upload; others get 403, unknown ids 404', async () => {
    const bytes = bytesOf(64 * 1024, 32);
    const alice = server.user('alice');
    const bob = server.user('bob');
    const fileId = await share(alice, bytes, 'private.bin');
    // Bob cannot even create an upload for Alice's file.
    const stolen = await createUpload(server, bob, fileId, bytes.length);
    expect(stolen.res.status).toBe(403);
    const { res, url } = await createUpload(server, alice, fileId, bytes.length);
    expect(res.status).toBe(201);
    for (const method of ['HEAD', 'PATCH', 'DELETE']) {
      const answer = await tusRequest(
        bob,
        url,
        method,
        method === 'PATCH'
          ? { 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' }
          : {},
        method === 'PATCH' ? bytes : undefined,
      );
      expect(answer.status, method).toBe(403);
    }
    const anonymous = await fetch(url, { method: 'HEAD', headers: TUS_HEADERS });
    expect(anonymous.status).toBe(401);
    const unknown = await tusRequest(alice, `${server.api}/tus/${'0'.repeat(32)}`, 'HEAD');
    expect(unknown.status).toBe(404);
    // Nothing Bob sent was kept.
    expect((await tusRequest(alice, url, 'HEAD')).headers.get('upload-offset')).toBe('0');
  });

  it('frees a partial upload on termination', async () => {
    const bytes = bytesOf(256 * 1024, 33);
    const alice = server.user('alice');
    const fileId = await share(alice, bytes, 'ended.bin');
    const { url } = await createUpload(server, alice, fileId, bytes.length);
    const patch = await tusPatch(alice, url, 0, bytes.subarray(0, 100_000));
    expect(patch.status).toBe(204);
    expect(patch.headers.get('upload-offset')).toBe('100000');
    const id = url.split('/').pop()!;
    expect(await tusFiles()).toContain(id);
    expect((await tusRequest(alice, url, 'DELETE')).status).toBe(204);
    expect(await tusFiles()).not.toContain(id);
    expect((await tusRequest(alice, url, 'HEAD')).status).toBe(404);
  });

  it('checks Upload-Checksum (sha256): a wrong one is 460 and keeps the offset', async () => {
    const bytes = bytesOf(200_000, 34);
    const alice = server.user('alice');
    const fileId = await share(alice, bytes, 'checked.bin');
    const options = await fetch(`${server.api}/tus`, { method: 'OPTIONS' });
    expect(options.headers.get('tus-extension')).toContain('checksum');
    expect(options.headers.get('tus-checksum-algorithm')).toBe('sha256');
    const { url } = await createUpload(server, alice, fileId, bytes.length);
    const part = bytes.subarray(0, 50_000);
    const digest = (data: Buffer) => `sha256 ${createHash('sha256').update(data).digest('base64')}`;
    const patch = (data: Buffer, checksum: string, offset: number) =>
      tusPatch(alice, url, offset, data, checksum);
    const wrong = await patch(part, digest(bytes.subarray(1, 50_001)), 0);
    expect(wrong.status).toBe(460);
    expect((await tusRequest(alice, url, 'HEAD')).headers.get('upload-offset')).toBe('0');
    expect((await patch(part, digest(part), 0)).status).toBe(204);
    const rest = bytes.subarray(50_000);
    const last = await patch(rest, digest(rest), 50_000);
    expect(last.status).toBe(200);
    expect(await last.json()).toMatchObject({ success: true, sha256: sha256Hex(bytes) });
  });

  it('holds an upload to the shared size: larger is 413 ERR_TOO_LARGE, other sizes 400', async () => {
    const bytes = bytesOf(10_000, 35);
    const alice = server.user('alice');
    const fileId = await share(alice, bytes, 'sized.bin');
    const before = await tusFiles();
    const larger = await createUpload(server, alice, fileId, bytes.length + 1);
    expect(larger.res.status).toBe(413);
    expect(await larger.res.json()).toMatchObject({ code: 'ERR_TOO_LARGE' });
    const smaller = await createUpload(server, alice, fileId, bytes.length - 1);
    expect(smaller.res.status).toBe(400);
    const deferred = await tusRequest(alice, `${server.api}/tus`, 'POST', {
      'Upload-Defer-Length': '1',
      'Upload-Metadata': `file_id ${Buffer.from(fileId).toString('base64')}`,
    });
    expect(deferred.status).toBe(400);
    expect(await tusFiles()).toEqual(before);
  });

  it('stops a PATCH body that goes past the upload (no Content-Length) with 413, keeping no byte past it', async () => {
    const bytes = bytesOf(3 * MiB, 38);
    const alice = server.user('alice');
    const fileId = await share(alice, bytes, 'long-body.bin');
    const { url } = await createUpload(server, alice, fileId, bytes.length);
    // A chunked body (fetch sends a stream without a length): the whole file and 1 MiB more.
    const chunks = [bytes.subarray(0, 2 * MiB), bytes.subarray(2 * MiB), bytesOf(MiB, 39)];
    const tooLong = await tusPatch(
      alice,
      url,
      0,
      new ReadableStream<Uint8Array>({
        pull(controller) {
          const next = chunks.shift();
          if (next) controller.enqueue(new Uint8Array(next));
          else controller.close();
        },
      }),
    );
    expect(tooLong.status).toBe(413);
    expect(await tooLong.json()).toMatchObject({ code: 'ERR_TOO_LARGE' });

    // What was kept is a prefix of the file; the rest completes the upload.
    const head = await tusRequest(alice, url, 'HEAD');
    const offset = Number(head.headers.get('upload-offset'));
    expect(offset).toBeLessThanOrEqual(bytes.length);
    if (offset < bytes.length) {
      expect((await tusPatch(alice, url, offset, bytes.subarray(offset))).status).toBe(200);
    } else {
      expect((await tusRequest(alice, url, 'HEAD')).status).toBe(200);
    }
    const served = Buffer.from(await (await alice.fetch(`/${fileId}/download`)).arrayBuffer());
    expect(sha256Hex(served)).toBe(sha256Hex(bytes));
  });

  it('ends a stalled PATCH, keeping its bytes, when a HEAD asks for the upload; a new PATCH finishes it', async () => {
    const bytes = bytesOf(4 * MiB, 40);
    const alice = server.user('alice');
    const fileId = await share(alice, bytes, 'stalled.bin');
    const { url } = await createUpload(server, alice, fileId, bytes.length);
    const sent = 1.5 * MiB;
    let closeBody = () => {};
    // A client whose connection stalls after 1.5 MiB and never finishes its request.
    const stalled = tusPatch(
      alice,
      url,
      0,
      new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new Uint8Array(bytes.subarray(0, sent)));
          closeBody = () => controller.close();
        },
      }),
    );
    await settle(300);

    // The client comes back and asks where the upload stands: the stalled request is told
    // to stop (the tus server's lock release), ends with what it received, and answers.
    const head = await tusRequest(alice, url, 'HEAD');
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('upload-offset'))).toBe(sent);
    const first = await stalled;
    expect(first.status).toBe(204);
    expect(first.headers.get('upload-offset')).toBe(String(sent));
    closeBody();

    const rest = await tusPatch(alice, url, sent, bytes.subarray(sent));
    expect(rest.status).toBe(200);
    expect(await rest.json()).toMatchObject({ success: true, sha256: sha256Hex(bytes) });
    const served = Buffer.from(await (await alice.fetch(`/${fileId}/download`)).arrayBuffer());
    expect(sha256Hex(served)).toBe(sha256Hex(bytes));
  });

  it('stores a file once: while a tus upload runs a multipart one is 409, and after it too', async () => {
    const bytes = bytesOf(3 * MiB, 36);
    const alice = server.user('alice');
    const fileId = await share(alice, bytes, 'race.bin');
    const { url } = await createUpload(server, alice, fileId, bytes.length);
    // A PATCH that sends half and then waits, holding the file's upload.
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(new Uint8Array(bytes.subarray(0, 1.5 * MiB)));
        await settle(600);
        controller.enqueue(new Uint8Array(bytes.subarray(1.5 * MiB)));
        controller.close();
      },
    });
    const slow = tusPatch(alice, url, 0, body);
    await settle(200);
    const multipart = await uploadBytes(alice, fileId, bytes);
    expect(multipart).toMatchObject({ status: 409, body: { code: 'ERR_CONFLICT' } });
    const winner = await slow;
    expect(winner.status).toBe(200);
    expect(await winner.json()).toMatchObject({ success: true, deduped: false });
    const late = await createUpload(server, alice, fileId, bytes.length);
    expect(late.res.status).toBe(409);
  });

  it('accepts, at the next HEAD, an upload whose bytes were all in when the server stopped', async () => {
    const bytes = bytesOf(300_000, 37);
    const alice = server.user('alice');
    const fileId = await share(alice, bytes, 'leftover.bin');
    const { url } = await createUpload(server, alice, fileId, bytes.length);
    // What a process that stopped right after writing the last byte leaves behind.
    await writeFile(path.join(dataDir, 'tus-uploads', url.split('/').pop()!), bytes);
    const head = await tusRequest(alice, url, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers.get('upload-offset')).toBe(String(bytes.length));
    const download = await alice.fetch(`/${fileId}/download`);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(bytes);
  });
});

describe('tus uploads that stall', () => {
  let server: BareServer;
  beforeAll(async () => {
    server = await startBareServer({
      config: { server_seeding: { upload_idle_timeout_seconds: 0.5 } },
    });
  });
  afterAll(() => server.close());

  it('lets go of the file when a client drops its connection mid-PATCH, keeping the bytes that arrived', async () => {
    const bytes = bytesOf(2 * MiB, 41);
    const alice = server.user('alice');
    const fileId = await share(alice, bytes, 'dropped.bin');
    const { url } = await createUpload(server, alice, fileId, bytes.length);
    const { req, answer } = openPatch(url, alice.token, 0, bytes.length);
    answer.catch(() => undefined);
    req.write(bytes.subarray(0, MiB));
    await settle(300);
    req.destroy();
    await settle(300);

    const head = await tusRequest(alice, url, 'HEAD');
    expect(Number(head.headers.get('upload-offset'))).toBeGreaterThan(0);
    // The dropped request no longer holds the file: another upload of it goes through.
    const multipart = await uploadBytes(alice, fileId, bytes);
    expect(multipart.status).toBe(200);
  });

  it('answers a PATCH that stops sending with 408 and keeps the bytes that arrived', async () => {
    const bytes = bytesOf(400_000, 38);
    const alice = server.user('alice');
    const fileId = await share(alice, bytes, 'stall.bin');
    const { url } = await createUpload(server, alice, fileId, bytes.length);
    const patch = openPatch(url, alice.token, 0, bytes.length);
    patch.req.write(bytes.subarray(0, 100_000));
    const answer = await patch.answer;
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'ERR_TIMEOUT' });
    await settle(100);
    const head = await tusRequest(alice, url, 'HEAD');
    expect(head.headers.get('upload-offset')).toBe('100000');
    // The stalled request no longer holds the file.
    expect((await uploadBytes(alice, fileId, bytes)).status).toBe(200);
  });
});
