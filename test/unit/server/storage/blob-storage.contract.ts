/**
 * The contract every BlobStorage implementation must meet. An implementation's test file
 * calls {@link runBlobStorageContract} with a factory for fresh, empty storages.
 */
import { text } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BlobStorage } from '../../../../server/storage/blob-storage.js';

/** Runs the contract against storages made by `create`. */
export function runBlobStorageContract(
  name: string,
  create: () => Promise<{ storage: BlobStorage; dispose(): Promise<void> }>,
): void {
  describe(`${name} (BlobStorage contract)`, () => {
    let storage: BlobStorage;
    let dispose: () => Promise<void>;
    beforeEach(async () => {
      ({ storage, dispose } = await create());
      await storage.init();
    });
    afterEach(() => dispose());

    const write = async (content: string) => {
      const writer = await storage.create();
      await pipeline(Readable.from([Buffer.from(content)]), writer.stream);
      return writer;
    };

    it('makes a blob visible only once committed, then reads it whole or in ranges', async () => {
      const writer = await write('hello blob storage');
      expect(writer.id).toMatch(/^[0-9a-f]{32}$/);
      expect(await storage.size(writer.id)).toBeNull();
      expect(await storage.list()).toEqual([]);
      expect(await text(writer.readBack())).toBe('hello blob storage');
      await writer.commit();
      expect(await storage.size(writer.id)).toBe(18);
      expect(await storage.list()).toEqual([writer.id]);
      expect(await text(storage.read(writer.id))).toBe('hello blob storage');
      expect(await text(storage.read(writer.id, { start: 6, end: 9 }))).toBe('blob');
      await storage.delete(writer.id);
      await storage.delete(writer.id);
      expect(await storage.size(writer.id)).toBeNull();
    });

    it('discards an aborted blob, and abort is idempotent', async () => {
      const writer = await write('never mind');
      await writer.abort();
      await writer.abort();
      expect(await storage.size(writer.id)).toBeNull();
      expect(await storage.sweepIncomplete(0)).toBe(0);
      await expect(writer.commit()).rejects.toThrow();
    });

    it('refuses to commit a blob whose stream has not finished', async () => {
      const writer = await storage.create();
      writer.stream.write('partial');
      await expect(writer.commit()).rejects.toThrow(/not finished/);
      await writer.abort();
    });

    it('sweeps only incomplete writes older than asked', async () => {
      const writer = await storage.create();
      writer.stream.write('in progress');
      expect(await storage.sweepIncomplete(60_000)).toBe(0);
      expect(await storage.sweepIncomplete(-1)).toBe(1);
      await writer.abort();
    });

    it('never reads or deletes outside its ids', async () => {
      expect(() => storage.read('../../etc/passwd')).toThrow(/invalid blob id/);
      await expect(storage.delete('../x')).rejects.toThrow(/invalid blob id/);
      await expect(storage.size('x'.repeat(32))).rejects.toThrow(/invalid blob id/);
    });
  });
}
