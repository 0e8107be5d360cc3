/**
 * The rules every upload obeys, on the multipart route: nothing is written before the
 * caller is known to own the file, a body stops at the shared size (413), one upload of
 * a file at a time (409), a stalled body is answered 408 and removed, a full disk is 507.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiskBlobStorage } from '../../../../server/storage/disk-blob-storage.js';
import type { BlobWriter } from '../../../../server/storage/blob-storage.js';
import { bytesOf, filesIn, settle, sha256Hex } from '../support/helpers.js';
import { startRoomFixture, type RoomFixture } from '../support/room-fixture.js';
import { postUpload, shareBytes, uploadBytes } from '../support/upload.js';

/** Disk blob storage that counts the bytes each writer was given. */
class CountingBlobStorage extends DiskBlobStorage {
  readonly written: number[] = [];
  override async create(): Promise<BlobWriter> {
    const writer = await super.create();
    const index = this.written.push(0) - 1;
    const write = writer.stream.write.bind(writer.stream);
    writer.stream.write = ((chunk: Buffer, ...rest: never[]) => {
      this.written[index]! += chunk.length;
      return write(chunk, ...rest);
    }) as typeof writer.stream.write;
    return writer;
  }
}

/** Blob storage of a disk that fills up: writes fail with ENOSPC after `room` bytes. */
class FullDiskBlobStorage extends DiskBlobStorage {
  room = 0;
  failCreate = false;
  override async create(): Promise<BlobWriter> {
    if (this.failCreate) throw Object.assign(new Error('no space'), { code: 'ENOSPC' });
    const real = await super.create();
    let left = this.room;
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        left -= chunk.length;
        if (left < 0) {
          callback(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }));
          return;
        }
        real.stream.write(chunk, callback);
      },
      final(callback) {
        real.stream.end(callback);
      },
    });
    return {
      id: real.id,
      stream,
      commit: () => real.commit(),
      abort: () => real.abort(),
    };
  }
}

/** A multipart upload written by hand, so a test can pause it mid-body. */
function openUpload(
  f: RoomFixture,
  fileId: string,
  declaredLength: number,
): {
  req: ClientRequest;
  head: string;
  response: Promise<{ status: number; body: string; headers: IncomingMessage['headers'] }>;
} {
  const url = new URL(`${f.server.api}/upload`);
  const head =
    `--b\r\nContent-Disposition: form-data; name="file_id"\r\n\r\n${fileId}\r\n` +
    `--b\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\n`;
  let req!: ClientRequest;
  const response = new Promise<{
    status: number;
    body: string;
    headers: IncomingMessage['headers'];
  }>((resolve, reject) => {
    req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: {
          authorization: `Bearer ${f.alice.token}`,
          'content-type': 'multipart/form-data; boundary=b',
          'content-length': String(head.length + declaredLength + '\r\n--b--\r\n'.length),
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
  });
  req.write(head);
  return { req, head, response };
}

describe('upload rules', () => {
  let f: RoomFixture;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'chat-files-upload-rules-'));
  const storageDir = path.join(dataDir, 'blobs');
  const blobs = new CountingBlobStorage(storageDir);
  beforeAll(async () => {
    f = await startRoomFixture({
      dataDir,
      config: {
        max_file_size: 4 * 1024 * 1024,
        server_seeding: { storage_path: 'blobs', upload_idle_timeout_seconds: 0.5 },
      },
      server: { blobStorage: blobs },
    });
  });
  afterAll(async () => {
    await f.server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a stranger, another member and an unknown file before writing a byte', async () => {
    const bytes = bytesOf(1024 * 1024, 21);
    const fileId = await shareBytes(f.aliceSocket, bytes);
    const writersBefore = blobs.written.length;
    const bob = await uploadBytes(f.bob, fileId, bytes);
    expect(bob).toMatchObject({ status: 403, body: { code: 'ERR_FORBIDDEN' } });
    const mallory = await postUpload(
      f.mallory,
      [{ name: 'file', filename: 'x', data: bytes }],
      `?file_id=${fileId}`,
    );
    expect(mallory.status).toBe(403);
    const unknown = await uploadBytes(f.alice, 'f'.repeat(32), bytes);
    expect(unknown).toMatchObject({ status: 404, body: { code: 'ERR_NOT_FOUND' } });
    // Not one blob was even opened for them.
    expect(blobs.written.length).toBe(writersBefore);
    expect(await filesIn(storageDir)).toEqual([]);
  });

  it('stops a body longer than shared at the shared size: 413 ERR_TOO_LARGE, nothing kept', async () => {
    const shared = bytesOf(100_000, 22);
    const fileId = await shareBytes(f.aliceSocket, shared, { manifest: false });
    const sent = bytesOf(900_000, 22);
    const { status, body } = await uploadBytes(f.alice, fileId, sent);
    expect(status).toBe(413);
    expect(body.code).toBe('ERR_TOO_LARGE');
    expect(blobs.written.at(-1)).toBeLessThanOrEqual(100_000);
    expect(await filesIn(storageDir)).toEqual([]);
  });

  it('lets exactly one of two concurrent uploads of a file win; the other gets 409', async () => {
    const bytes = bytesOf(300_000, 23);
    const fileId = await shareBytes(f.aliceSocket, bytes);
    const first = openUpload(f, fileId, bytes.length);
    first.req.write(bytes.subarray(0, 100_000));
    await settle(150);
    const second = await uploadBytes(f.alice, fileId, bytes);
    expect(second).toMatchObject({ status: 409, body: { code: 'ERR_CONFLICT' } });
    first.req.end(Buffer.concat([bytes.subarray(100_000), Buffer.from('\r\n--b--\r\n')]));
    const winner = await first.response;
    expect(winner.status).toBe(200);
    expect(JSON.parse(winner.body)).toMatchObject({ deduped: false, sha256: sha256Hex(bytes) });
    // Afterwards the file is stored: another upload is a conflict too, and nothing is added.
    const before = await filesIn(storageDir);
    const third = await uploadBytes(f.alice, fileId, bytes);
    expect(third).toMatchObject({ status: 409, body: { code: 'ERR_CONFLICT' } });
    expect(await filesIn(storageDir)).toEqual(before);
    const served = await f.bob.fetch(`/${fileId}/download`);
    expect(Buffer.from(await served.arrayBuffer())).toEqual(bytes);
    await f.alice.json('POST', '/remove-from-server', { file_id: fileId });
  });

  it('answers a body that stops sending with 408 and removes the partial file', async () => {
    const bytes = bytesOf(200_000, 24);
    const fileId = await shareBytes(f.aliceSocket, bytes);
    const stalled = openUpload(f, fileId, bytes.length);
    stalled.req.write(bytes.subarray(0, 60_000));
    await settle(200);
    expect((await filesIn(storageDir)).some((name) => name.endsWith('.part'))).toBe(true);
    const answer = await stalled.response;
    expect(answer.status).toBe(408);
    expect(answer.headers.connection).toBe('close');
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'ERR_TIMEOUT' });
    await settle(100);
    expect(await filesIn(storageDir)).toEqual([]);
    stalled.req.destroy();
    // The file can be uploaded again afterwards.
    const again = await uploadBytes(f.alice, fileId, bytes);
    expect(again.body).toMatchObject({ success: true });
    await f.alice.json('POST', '/remove-from-server', { file_id: fileId });
  });
});

describe('upload on a full disk', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'chat-files-full-disk-'));
  const blobs = new FullDiskBlobStorage(path.join(dataDir, 'blobs'));
  let f: RoomFixture;
  beforeAll(async () => {
    f = await startRoomFixture({
      dataDir,
      config: { server_seeding: { storage_path: 'blobs' } },
      server: { blobStorage: blobs },
    });
  });
  afterAll(async () => {
    await f.server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 507 ERR_STORAGE_FULL when a write fails with ENOSPC, keeping nothing', async () => {
    const bytes = bytesOf(500_000, 25);
    const fileId = await shareBytes(f.aliceSocket, bytes);
    blobs.room = 200_000;
    const { status, body } = await uploadBytes(f.alice, fileId, bytes);
    expect(status).toBe(507);
    expect(body.code).toBe('ERR_STORAGE_FULL');
    expect(await filesIn(f.server.files.options.storageDir)).toEqual([]);
    // Space comes back: the same upload goes through.
    blobs.room = Number.POSITIVE_INFINITY;
    expect((await uploadBytes(f.alice, fileId, bytes)).status).toBe(200);
  });

  it('answers 507 when the blob cannot even be created', async () => {
    const bytes = bytesOf(1000, 26);
    const fileId = await shareBytes(f.aliceSocket, bytes);
    blobs.failCreate = true;
    try {
      const { status, body } = await uploadBytes(f.alice, fileId, bytes);
      expect(status).toBe(507);
      expect(body.code).toBe('ERR_STORAGE_FULL');
    } finally {
      blobs.failCreate = false;
    }
  });
});
