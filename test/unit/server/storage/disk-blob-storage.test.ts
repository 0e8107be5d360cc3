import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { DiskBlobStorage } from '../../../../server/storage/disk-blob-storage.js';
import { filesIn, openDescriptors } from '../support/helpers.js';
import { runBlobStorageContract } from './blob-storage.contract.js';

runBlobStorageContract('DiskBlobStorage', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'chat-files-blobs-'));
  return {
    storage: new DiskBlobStorage(path.join(dir, 'blobs')),
    sibling: () => new DiskBlobStorage(path.join(dir, 'blobs')),
    async dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('DiskBlobStorage', () => {
  it('writes to <id>.part in the same directory, renames on commit, keeps files private', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'chat-files-blobs-'));
    try {
      const storage = new DiskBlobStorage(dir);
      await storage.init();
      const descriptors = await openDescriptors();
      const writer = await storage.create();
      await pipeline(Readable.from([Buffer.from('bytes')]), writer.stream);
      expect(await filesIn(dir)).toEqual([`${writer.id}.part`]);
      await writer.commit();
      expect(await filesIn(dir)).toEqual([writer.id]);
      expect(statSync(path.join(dir, writer.id)).mode & 0o777).toBe(0o600);
      const aborted = await storage.create();
      aborted.stream.write('half');
      await aborted.abort();
      expect(await filesIn(dir)).toEqual([writer.id]);
      expect(await openDescriptors()).toBeLessThanOrEqual(descriptors);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('DiskBlobStorage.adopt', () => {
  it('moves a finished file in as a blob, invisible until committed; abort removes it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'chat-files-adopt-'));
    try {
      const storage = new DiskBlobStorage(path.join(dir, 'blobs'));
      await storage.init();
      const source = path.join(dir, 'finished-upload');
      writeFileSync(source, 'the whole file');
      const blob = (await storage.adopt(source))!;
      expect(existsSync(source)).toBe(false);
      expect(await storage.size(blob.id)).toBe(null);
      await blob.commit();
      const chunks: Buffer[] = [];
      for await (const chunk of storage.read(blob.id)) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe('the whole file');

      const other = path.join(dir, 'abandoned-upload');
      writeFileSync(other, 'not wanted');
      const dropped = (await storage.adopt(other))!;
      await dropped.abort();
      expect(await filesIn(path.join(dir, 'blobs'))).toEqual([blob.id]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
