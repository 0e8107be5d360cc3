/**
 * The reference app with `server_seeding.storage: { driver: s3 }` against s3rver: the
 * bytes go to the bucket and nowhere under DATA_DIR, dedup keeps one object, removal
 * deletes it, an upload cut off half-way leaves neither an object nor a multipart
 * upload, and `download: redirect` sends members (and only members) to a presigned URL.
 */
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRoom, shareFile, uploadFileBytes } from '../../../support/app-files.js';
import { filesContaining } from '../../../support/bytes-fixtures.js';
import { startS3, type TestS3 } from '../../../support/s3.js';
import { startTestApp, type TestApp, type TestClient } from '../../../support/test-app.js';
import { multipart } from '../support/helpers.js';

const MiB = 1024 * 1024;

let s3: TestS3;
beforeAll(async () => {
  s3 = await startS3();
});
afterAll(() => s3.close());

const s3Storage = () => ({
  driver: 's3' as const,
  bucket: s3.bucket,
  region: s3.region,
  endpoint: s3.endpoint,
  force_path_style: true,
});
const blobKeys = async () => (await s3.keys()).filter((key) => key.startsWith('blobs/'));

describe('reference app on object storage (download: proxy)', () => {
  let app: TestApp;
  let alice: TestClient;
  let bob: TestClient;
  let roomId: string;
  beforeAll(async () => {
    app = await startTestApp({ chatFiles: { server_seeding: { storage: s3Storage() } } });
    alice = await app.login('alice');
    bob = await app.login('bob');
    roomId = await createRoom(alice, 'objects', ['bob']);
  });
  afterAll(() => app.close());

  it('stores 7 MiB in the bucket and nowhere under DATA_DIR, and serves it whole and in ranges', async () => {
    const bytes = randomBytes(7 * MiB);
    const before = await blobKeys();
    const fileId = await shareFile(alice, roomId, bytes, { name: 'seven.bin' });
    const upload = await uploadFileBytes(alice, fileId, bytes);
    expect(upload.status).toBe(200);

    const added = (await blobKeys()).filter((key) => !before.includes(key));
    expect(added).toHaveLength(1);
    expect(await app.chat.files.blobStorage.size(added[0]!.slice('blobs/'.length))).toBe(
      bytes.length,
    );
    // Any 64 KiB of random bytes found on disk would be a copy.
    for (const offset of [0, 3 * MiB, 7 * MiB - 65536]) {
      expect(await filesContaining(app.dataDir, bytes.subarray(offset, offset + 65536))).toEqual(
        [],
      );
    }

    const whole = await bob.fetch(`/api/chat/files/${fileId}/download`);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-length')).toBe(String(bytes.length));
    expect(Buffer.from(await whole.arrayBuffer()).equals(bytes)).toBe(true);
    for (const [start, end] of [
      [0, 0],
      [5 * MiB - 3, 5 * MiB + 2],
      [6 * MiB, 7 * MiB - 1],
    ] as const) {
      const part = await bob.fetch(`/api/chat/files/${fileId}/download`, {
        headers: { range: `bytes=${start}-${end}` },
      });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe(`bytes ${start}-${end}/${bytes.length}`);
      expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(start, end + 1))).toBe(
        true,
      );
    }
  });

  it('keeps one object for the same bytes uploaded twice, and deletes it when both go', async () => {
    const bytes = randomBytes(6 * MiB);
    const before = await blobKeys();
    const first = await shareFile(alice, roomId, bytes, { name: 'a.bin' });
    const second = await shareFile(bob, roomId, bytes, { name: 'b.bin' });
    expect((await uploadFileBytes(alice, first, bytes)).status).toBe(200);
    const again = await uploadFileBytes(bob, second, bytes);
    expect(again.status).toBe(200);
    expect(again.body.deduped).toBe(true);
    const added = (await blobKeys()).filter((key) => !before.includes(key));
    expect(added).toHaveLength(1);

    const removeA = await alice.json('POST', '/api/chat/files/remove-from-server', {
      file_id: first,
    });
    expect(removeA.status).toBe(200);
    expect(await blobKeys()).toContain(added[0]);
    const stillThere = await bob.fetch(`/api/chat/files/${second}/download`);
    expect(Buffer.from(await stillThere.arrayBuffer()).equals(bytes)).toBe(true);

    const removeB = await bob.json('POST', '/api/chat/files/remove-from-server', {
      file_id: second,
    });
    expect(removeB.status).toBe(200);
    await app.chat.files.runCleanup();
    expect(await blobKeys()).not.toContain(added[0]);
    expect((await bob.fetch(`/api/chat/files/${second}/download`)).status).toBe(404);
  });

  it('an upload cut off half-way leaves no object and no multipart upload', async () => {
    const bytes = randomBytes(24 * MiB);
    const before = await blobKeys();
    const fileId = await shareFile(alice, roomId, bytes, { name: 'cut.bin' });
    const { body, contentType } = multipart([
      { name: 'file_id', value: fileId },
      { name: 'file', filename: 'cut.bin', data: bytes },
    ]);
    const url = new URL(`${app.url}/api/chat/files/upload`);
    const req = request(url, {
      method: 'POST',
      headers: {
        'content-type': contentType,
        'content-length': String(body.length),
        authorization: `Bearer ${alice.token}`,
      },
    });
    req.on('error', () => {});
    req.write(body.subarray(0, body.length / 2));
    // Half the bytes are in: the server has begun a multipart upload.
    await vi.waitFor(async () => expect(await s3.pendingUploads()).toBeGreaterThan(0), {
      timeout: 20_000,
      interval: 50,
    });
    req.destroy();
    await vi.waitFor(async () => expect(await s3.pendingUploads()).toBe(0), {
      timeout: 20_000,
      interval: 50,
    });
    expect(await blobKeys()).toEqual(before);
    // The share is still there to upload again.
    expect((await uploadFileBytes(alice, fileId, bytes)).status).toBe(200);
  });
});

describe('reference app on object storage (download: redirect)', () => {
  let app: TestApp;
  let alice: TestClient;
  let bob: TestClient;
  let mallory: TestClient;
  let fileId: string;
  const bytes = randomBytes(MiB + 123);
  beforeAll(async () => {
    app = await startTestApp({
      chatFiles: {
        server_seeding: { storage: s3Storage(), download: 'redirect', presign_expiry_seconds: 120 },
      },
    });
    alice = await app.login('alice');
    bob = await app.login('bob');
    mallory = await app.login('mallory');
    const roomId = await createRoom(alice, 'redirects', ['bob']);
    fileId = await shareFile(alice, roomId, bytes, { name: 'Zürich report.bin' });
    expect((await uploadFileBytes(alice, fileId, bytes)).status).toBe(200);
  });
  afterAll(() => app.close());

  const download = (client: TestClient, headers: Record<string, string> = {}) =>
    client.fetch(`/api/chat/files/${fileId}/download`, { headers, redirect: 'manual' });

  it('answers a member with 302 to a short-lived presigned URL carrying the name and type', async () => {
    const res = await download(bob);
    expect(res.status).toBe(302);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    const location = new URL(res.headers.get('location')!);
    expect(location.origin).toBe(s3.endpoint);
    expect(location.searchParams.get('X-Amz-Expires')).toBe('120');
    expect(location.searchParams.get('X-Amz-Credential')).not.toBeNull();

    const followed = await fetch(location);
    expect(followed.status).toBe(200);
    expect(followed.headers.get('content-type')).toBe('application/octet-stream');
    expect(followed.headers.get('content-disposition')).toBe(
      `attachment; filename="Z_rich report.bin"; filename*=UTF-8''Z%C3%BCrich%20report.bin`,
    );
    expect(Buffer.from(await followed.arrayBuffer()).equals(bytes)).toBe(true);

    const ranged = await fetch(location, { headers: { range: 'bytes=1000-1999' } });
    expect(ranged.status).toBe(206);
    expect(Buffer.from(await ranged.arrayBuffer()).equals(bytes.subarray(1000, 2000))).toBe(true);
  });

  it('answers HEAD itself, since a presigned URL is signed for GET only', async () => {
    const res = await bob.fetch(`/api/chat/files/${fileId}/download`, {
      method: 'HEAD',
      redirect: 'manual',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(bytes.length));
    expect(res.headers.get('location')).toBeNull();
  });

  it('gives a non-member 403 and no URL', async () => {
    const res = await download(mallory);
    expect(res.status).toBe(403);
    expect(res.headers.get('location')).toBeNull();
    const body = await res.text();
    expect(body).not.toContain('X-Amz');
    expect(JSON.parse(body).code).toBe('ERR_NOT_MEMBER');
  });

  it('answers preconditions itself: 304 before redirecting, and If-Match by streaming', async () => {
    const etag = (await download(bob)).headers.get('etag')!;
    expect((await download(bob, { 'if-none-match': etag })).status).toBe(304);
    const streamed = await download(bob, { 'if-match': etag, range: 'bytes=0-9' });
    expect(streamed.status).toBe(206);
    expect(Buffer.from(await streamed.arrayBuffer()).equals(bytes.subarray(0, 10))).toBe(true);
  });

  it('follows the same mode for share links', async () => {
    const share = await alice.json<{ download_url: string }>(
      'POST',
      `/api/chat/files/${fileId}/shares`,
      {},
    );
    const path = new URL(share.body.download_url, app.url).pathname;
    const res = await fetch(`${app.url}${path}`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const followed = await fetch(res.headers.get('location')!);
    expect(Buffer.from(await followed.arrayBuffer()).equals(bytes)).toBe(true);
  });
});
