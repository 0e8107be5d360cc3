import { mkdtempSync, rmSync, statSync } from 'node:fs';
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
