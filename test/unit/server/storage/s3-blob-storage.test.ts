import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MIN_PART_BYTES, S3BlobStorage } from '../../../../server/storage/s3-blob-storage.js';
import { startS3, type TestS3 } from '../../../support/s3.js';
import { runBlobStorageContract } from './blob-storage.contract.js';

let s3: TestS3;
let buckets = 0;
beforeAll(async () => {
  s3 = await startS3();
});
afterAll(() => s3.close());

const storageIn = (bucket: string) =>
  new S3BlobStorage({
    bucket,
    region: s3.region,
    endpoint: s3.endpoint,
    forcePathStyle: true,
    partSize: MIN_PART_BYTES,
  });

runBlobStorageContract(
  'S3BlobStorage',
  async () => {
    // A bucket per test keeps them independent without restarting the server.
    const bucket = `contract-${++buckets}`;
    await s3.client.send(new CreateBucketCommand({ Bucket: bucket }));
    return { storage: storageIn(bucket), sibling: () => storageIn(bucket), async dispose() {} };
  },
  { incompleteBytes: MIN_PART_BYTES + 1 },
);

describe('S3BlobStorage', () => {
  it('keeps blobs under their prefix, so other objects in the bucket are never touched', async () => {
    const storage = storageIn(s3.bucket);
    await storage.init();
    await s3.client.send(
      new PutObjectCommand({ Bucket: s3.bucket, Key: 'other/not-ours', Body: 'not ours' }),
    );
    const writer = await storage.create();
    await pipeline(Readable.from([Buffer.from('ours')]), writer.stream);
    await writer.commit();
    expect(await s3.keys()).toContain(`blobs/${writer.id}`);
    expect(await storage.list()).toEqual([writer.id]);
    await storage.delete(writer.id);
    expect(await s3.keys()).toEqual(['other/not-ours']);
  });

  it('signs a URL that answers with the headers asked for', async () => {
    const storage = storageIn(s3.bucket);
    const writer = await storage.create();
    await pipeline(Readable.from([Buffer.from('signed bytes')]), writer.stream);
    await writer.commit();
    const disposition = `attachment; filename="a b.txt"; filename*=UTF-8''a%20b%C3%A9.txt`;
    const url = await storage.signedUrl(writer.id, {
      expiresInSeconds: 60,
      contentType: 'text/plain',
      contentDisposition: disposition,
    });
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(response.headers.get('content-disposition')).toBe(disposition);
    expect(await response.text()).toBe('signed bytes');
    await storage.delete(writer.id);
  });

  it('never sweeps a multipart upload it is still writing, however old', async () => {
    const storage = storageIn(s3.bucket);
    const writer = await storage.create();
    writer.stream.on('error', () => {});
    writer.stream.write(Buffer.alloc(MIN_PART_BYTES + 1, 3));
    await vi.waitFor(async () => expect(await s3.pendingUploads()).toBe(1), {
      timeout: 10_000,
      interval: 50,
    });
    expect(await storage.sweepIncomplete(-60_000)).toBe(0);
    expect(await s3.pendingUploads()).toBe(1);
    await writer.abort();
    expect(await s3.pendingUploads()).toBe(0);
  });

  it('says which bucket cannot be used, and why', async () => {
    await expect(storageIn('no-such-bucket').init()).rejects.toThrow(
      /bucket "no-such-bucket" cannot be used: it does not exist/,
    );
  });

  it('copies another object of the bucket in as a blob: whole, or in parts past the copy limit', async () => {
    const storage = new S3BlobStorage({
      bucket: s3.bucket,
      region: s3.region,
      endpoint: s3.endpoint,
      forcePathStyle: true,
      maxCopyObjectBytes: MIN_PART_BYTES,
    });
    const read = async (id: string) => {
      const chunks: Buffer[] = [];
      for await (const chunk of storage.read(id)) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    };
    for (const size of [1000, 2 * MIN_PART_BYTES + 12345]) {
      const bytes = randomBytes(size);
      const Key = `tus/source-${size}`;
      await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key, Body: bytes }));
      const blob = await storage.copyIn(Key, size);
      await blob.commit();
      expect((await read(blob.id)).equals(bytes)).toBe(true);
      // The source stays; no multipart upload is left open.
      expect(await s3.keys()).toContain(Key);
      expect(await s3.pendingUploads()).toBe(0);
      await storage.delete(blob.id);
      await s3.client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key }));
    }
    // An aborted copy is deleted.
    await s3.client.send(
      new PutObjectCommand({ Bucket: s3.bucket, Key: 'tus/refused', Body: 'refused' }),
    );
    const refused = await storage.copyIn('tus/refused', 'refused'.length);
    expect(await storage.size(refused.id)).toBe('refused'.length);
    await refused.abort();
    expect(await storage.size(refused.id)).toBeNull();
    await s3.client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: 'tus/refused' }));
  });
});
