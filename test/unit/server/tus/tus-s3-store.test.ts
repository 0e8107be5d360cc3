/**
 * The tus endpoint with S3 blob storage, driven by tus-js-client in Node against a real
 * server and s3rver: unfinished uploads live in the bucket under `tus/` (nothing under
 * `<dataDir>/tus-uploads`), so an upload cut off and continued by a new server instance
 * on the same bucket completes; the checksum extension keeps nothing of a bad body;
 * termination, a refused upload and the expiry sweep leave no object behind; a finished
 * upload becomes a blob with the right digest whether or not this process saw its bytes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@tus/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3BlobStorage } from '../../../../server/storage/s3-blob-storage.js';
import { TusS3Store } from '../../../../server/tus/tus-s3-store.js';
import { writeScope } from '../../../../server/tus/tus-writes.js';
import { startS3, type TestS3 } from '../../../support/s3.js';
import { startBareServer, type BareServer, type BareUser } from '../support/bare-server.js';
import { bytesOf, manifestOf, settle, sha256Hex } from '../support/helpers.js';
import {
  createUpload,
  share,
  tusPatch,
  tusRequest,
  tusUpload,
  tusUploadCut,
} from './tus-requests.js';

const MiB = 1024 * 1024;

const sha256Header = (data: Buffer) =>
  `sha256 ${createHash('sha256').update(data).digest('base64')}`;

describe('tus uploads on S3 storage', () => {
  let s3: TestS3;
  let dataDir: string;
  let server: BareServer;
  /** Creates an upload by hand; resolves with its URL. */
  const newUpload = async (user: BareUser, fileId: string, length: number) => {
    const { res, url } = await createUpload(server, user, fileId, length);
    expect(res.status).toBe(201);
    return url;
  };
  const start = (port?: number) =>
    startBareServer({
      dataDir,
      port,
      config: {
        server_seeding: {
          storage: {
            driver: 's3',
            bucket: s3.bucket,
            region: s3.region,
            endpoint: s3.endpoint,
            force_path_style: true,
          },
        },
      },
    });
  beforeAll(async () => {
    s3 = await startS3();
    dataDir = mkdtempSync(path.join(tmpdir(), 'chat-files-tus-s3-'));
    server = await start();
  });
  afterAll(async () => {
    await server.close({ keepData: true });
    rmSync(dataDir, { recursive: true, force: true });
    await s3.close();
  });
  const tusKeys = async () => (await s3.keys()).filter((key) => key.startsWith('tus/'));
  const blobKeys = async () => (await s3.keys()).filter((key) => key.startsWith('blobs/'));
  const offsetOf = async (user: BareUser, url: string) =>
    Number((await tusRequest(user, url, 'HEAD')).headers.get('upload-offset'));

  it('resumes a 24 MiB upload cut at half way on a new server instance; bytes served equal', async () => {
    const bytes = bytesOf(24 * MiB, 41);
    const alice = server.user('alice');
    const fileId = await share(alice, bytes, 'big.bin');
    const blobsBefore = await blobKeys();
    // The connection drops in the middle of the request body.
    const url = await tusUploadCut(server, alice, fileId, bytes, 12 * MiB);
    expect(url).not.toBe('');
    // The first part (8 MiB) of what arrived goes up to the bucket; the rest was cut.
    for (let i = 0; i < 100 && (await offsetOf(alice, url)) < 8 * MiB; i++) await settle(100);

    // A new server instance on the same bucket (and the same metadata store).
    const port = Number(new URL(server.url).port);
    await server.close({ keepData: true });
    server = await start(port);
    const again = server.user('alice');
    const head = await tusRequest(again, url, 'HEAD');
    expect(head.status).toBe(200);
    const offset = Number(head.headers.get('upload-offset'));
    expect(offset).toBeGreaterThanOrEqual(8 * MiB);
    expect(offset).toBeLessThan(24 * MiB);
    expect(await tusKeys()).toContain(`tus/${url.split('/').pop()}.info`);

    let resumedFrom = -1;
    await tusUpload(server, again, fileId, bytes, {
      uploadUrl: url,
      // Chunks smaller than a part: each PATCH leaves a tail the next one continues.
      chunkSize: 4 * MiB,
      onChunkComplete(chunk, accepted) {
        if (resumedFrom < 0) resumedFrom = accepted - chunk;
      },
    }).done;
    expect(resumedFrom).toBe(offset);

    const download = await again.fetch(`/${fileId}/download`);
    expect(download.status).toBe(200);
    const served = Buffer.from(await download.arrayBuffer());
    expect(served.length).toBe(bytes.length);
    expect(sha256Hex(served)).toBe(sha256Hex(bytes));
    expect(existsSync(path.join(dataDir, 'tus-uploads'))).toBe(false);
    expect(await tusKeys()).toEqual([]);
    expect(await s3.pendingUploads()).toBe(0);
    expect((await blobKeys()).filter((key) => !blobsBefore.includes(key))).toHaveLength(1);
  });

  it('checks Upload-Checksum: a wrong one is 460 and keeps the offset, also past a part', async () => {
    const bytes = bytesOf(12 * MiB, 42);
    const alice = server.user('alice');
    const fileId = await share(alice, bytes, 'checked.bin');
    const options = await fetch(`${server.api}/tus`, { method: 'OPTIONS' });
    expect(options.headers.get('tus-extension')).toContain('checksum');
    const url = await newUpload(alice, fileId, bytes.length);
    const head = bytes.subarray(0, 100_000);
    const rest = bytes.subarray(100_000);
    expect((await tusPatch(alice, url, 0, head, sha256Header(head))).status).toBe(204);
    expect(await offsetOf(alice, url)).toBe(100_000);

    // More than a part, with the checksum of other bytes: nothing of it is kept, and the
    // tail the first PATCH left is still there.
    const wrong = await tusPatch(alice, url, 100_000, rest, sha256Header(bytes.subarray(1)));
    expect(wrong.status).toBe(460);
    expect(await offsetOf(alice, url)).toBe(100_000);

    const right = await tusPatch(alice, url, 100_000, rest, sha256Header(rest));
    expect(right.status).toBe(200);
    expect(await right.json()).toMatchObject({ success: true, sha256: sha256Hex(bytes) });
    const download = await alice.fetch(`/${fileId}/download`);
    expect(sha256Hex(Buffer.from(await download.arrayBuffer()))).toBe(sha256Hex(bytes));
    expect(await tusKeys()).toEqual([]);
  });

  it('frees a partial upload on termination: no tus object or multipart upload is left', async () => {
    const bytes = bytesOf(10 * MiB, 43);
    const alice = server.user('alice');
    const fileId = await share(alice, bytes, 'ended.bin');
    const url = await newUpload(alice, fileId, bytes.length);
    const id = url.split('/').pop()!;
    // One full part and a tail.
    expect((await tusPatch(alice, url, 0, bytes.subarray(0, 9 * MiB))).status).toBe(204);
    expect(await offsetOf(alice, url)).toBe(9 * MiB);
    expect((await tusKeys()).sort()).toEqual([`tus/${id}.info`, `tus/${id}.part`]);
    expect(await s3.pendingUploads()).toBe(1);

    expect((await tusRequest(alice, url, 'DELETE')).status).toBe(204);
    expect(await tusKeys()).toEqual([]);
    expect(await s3.pendingUploads()).toBe(0);
    expect((await tusRequest(alice, url, 'HEAD')).status).toBe(404);
  });

  it('leaves no object behind when the finished bytes are refused', async () => {
    const bytes = bytesOf(200_000, 44);
    const alice = server.user('alice');
    const fileId = await share(alice, bytes, 'refused.bin');
    const blobsBefore = await blobKeys();
    const url = await newUpload(alice, fileId, bytes.length);
    const other = bytesOf(bytes.length, 45);
    const last = await tusPatch(alice, url, 0, other);
    expect(last.status).toBe(400);
    expect(await last.json()).toMatchObject({ code: 'ERR_INTEGRITY' });
    expect(await tusKeys()).toEqual([]);
    expect(await s3.pendingUploads()).toBe(0);
    expect(await blobKeys()).toEqual(blobsBefore);
  });
});

describe('TusS3Store', () => {
  let s3: TestS3;
  let blobs: S3BlobStorage;
  beforeAll(async () => {
    s3 = await startS3();
    blobs = new S3BlobStorage({
      bucket: s3.bucket,
      region: s3.region,
      endpoint: s3.endpoint,
      forcePathStyle: true,
    });
  });
  afterAll(() => s3.close());
  const read = async (id: string) => {
    const chunks: Buffer[] = [];
    for await (const chunk of blobs.read(id)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  };
  const newUpload = async (store: TusS3Store, size: number) => {
    const id = randomBytes(16).toString('hex');
    await store.create(new Upload({ id, size, offset: 0, metadata: {} }));
    return id;
  };

  it('takes a finished upload as a blob with its digest, hashed as written or read again', async () => {
    const store = new TusS3Store({ blobs, expirationMs: 0 });
    const bytes = bytesOf(9 * MiB + 7, 46);
    const pieceSize = MiB;
    // Written in this process, in two PATCHes: the running digest is used.
    const seen = await newUpload(store, bytes.length);
    await writeScope.run({ checksum: null, pieceSize }, async () => {
      await store.write(Readable.from([bytes.subarray(0, MiB)]), seen, 0);
      await store.write(Readable.from([bytes.subarray(MiB)]), seen, MiB);
    });
    // Written with no running digest (as after a restart): the object is read once.
    const unseen = await newUpload(store, bytes.length);
    await store.write(Readable.from([bytes]), unseen, 0);
    for (const id of [seen, unseen]) {
      const { writer, digest } = await store.takeBlob(id, bytes.length, pieceSize);
      expect(digest).toMatchObject({ size: bytes.length, sha256: sha256Hex(bytes) });
      expect(digest.manifest).toEqual(manifestOf(bytes, pieceSize));
      await writer.commit();
      expect((await read(writer.id)).equals(bytes)).toBe(true);
      await store.remove(id);
      await blobs.delete(writer.id);
    }
    expect(await s3.keys()).toEqual([]);
    store.close();
  });

  it('counts parts only up to a gap, and the next PATCH fills it', async () => {
    const store = new TusS3Store({ blobs, expirationMs: 0 });
    const bytes = bytesOf(20 * MiB, 48);
    const id = await newUpload(store, bytes.length);
    expect(await store.write(Readable.from([bytes.subarray(0, 8 * MiB)]), id, 0)).toBe(8 * MiB);
    // Part 3 stored while part 2 failed, as parts of one PATCH go up at once.
    const info = await s3.client.send(
      new HeadObjectCommand({ Bucket: s3.bucket, Key: `tus/${id}.info` }),
    );
    await s3.client.send(
      new UploadPartCommand({
        Bucket: s3.bucket,
        Key: `tus/${id}`,
        UploadId: info.Metadata!['upload-id'],
        PartNumber: 3,
        Body: bytesOf(5 * MiB, 49),
      }),
    );
    expect((await store.getUpload(id)).offset).toBe(8 * MiB);
    expect(await store.write(Readable.from([bytes.subarray(8 * MiB)]), id, 8 * MiB)).toBe(
      bytes.length,
    );
    const { writer, digest } = await store.takeBlob(id, bytes.length, MiB);
    expect(digest.sha256).toBe(sha256Hex(bytes));
    await writer.abort();
    await store.remove(id);
    expect(await s3.keys()).toEqual([]);
    store.close();
  });

  it('takes an empty upload, which no PATCH ever completed, as an empty blob', async () => {
    const store = new TusS3Store({ blobs, expirationMs: 0 });
    const id = await newUpload(store, 0);
    const { writer, digest } = await store.takeBlob(id, 0, MiB);
    expect(digest).toMatchObject({ size: 0, sha256: sha256Hex(Buffer.alloc(0)) });
    await writer.commit();
    expect((await read(writer.id)).length).toBe(0);
    await store.remove(id);
    await blobs.delete(writer.id);
    expect(await s3.keys()).toEqual([]);
    expect(await s3.pendingUploads()).toBe(0);
    store.close();
  });

  it('sweeps expired uploads under tus/ and never a blob upload', async () => {
    const store = new TusS3Store({ blobs, expirationMs: 1 });
    const id = await newUpload(store, 12 * MiB);
    await store.write(Readable.from([bytesOf(9 * MiB, 47)]), id, 0);
    expect((await s3.keys()).sort()).toEqual([`tus/${id}.info`, `tus/${id}.part`]);
    const blobUpload = await s3.client.send(
      new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: `blobs/${'a'.repeat(32)}` }),
    );
    await settle(50);
    expect(await store.deleteExpired()).toBeGreaterThan(0);
    expect(await s3.keys()).toEqual([]);
    expect(await s3.pendingUploads()).toBe(1);
    await s3.client.send(
      new AbortMultipartUploadCommand({
        Bucket: s3.bucket,
        Key: `blobs/${'a'.repeat(32)}`,
        UploadId: blobUpload.UploadId,
      }),
    );
    store.close();
  });
});
