/**
 * The contract every BlobStorage implementation must meet. An implementation's test file
 * calls {@link runBlobStorageContract} with a factory for fresh, empty storages.
 */
import { buffer, text } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BlobStorage } from '../../../../server/storage/blob-storage.js';

/** What an implementation's test tells the contract about it. */
export interface ContractTraits {
  /**
   * Bytes a write must reach before the backend holds an incomplete write that
   * `sweepIncomplete` can find (object storage begins a multipart upload only with its
   * first full part).
   */
  incompleteBytes: number;
}

/** Runs the contract against storages made by `create`. */
export function runBlobStorageContract(
  name: string,
  create: () => Promise<{
    storage: BlobStorage;
    /** Another storage over the same backend, as a second process would open it. */
    sibling(): BlobStorage;
    dispose(): Promise<void>;
  }>,
  traits: ContractTraits = { incompleteBytes: 1 },
): void {
  describe(`${name} (BlobStorage contract)`, () => {
    let storage: BlobStorage;
    let sibling: () => BlobStorage;
    let dispose: () => Promise<void>;
    beforeEach(async () => {
      ({ storage, sibling, dispose } = await create());
      await storage.init();
    });
    afterEach(() => dispose());

    const write = async (content: string) => {
      const writer = await storage.create();
      await pipeline(Readable.from([Buffer.from(content)]), writer.stream);
      return writer;
    };

    it('never shows part of a blob, then reads it whole or in ranges once committed', async () => {
      const writer = await write('hello blob storage');
      expect(writer.id).toMatch(/^[0-9a-f]{32}$/);
      // Before commit a blob is absent or whole, never partial.
      expect([null, 18]).toContain(await storage.size(writer.id));
      await writer.commit();
      expect(await storage.size(writer.id)).toBe(18);
      expect(await storage.list()).toEqual([writer.id]);
      // Only blobs older than asked: a fresh one is not an orphan yet.
      expect(await storage.list(60_000)).toEqual([]);
      expect(await text(storage.read(writer.id))).toBe('hello blob storage');
      expect(await text(storage.read(writer.id, { start: 6, end: 9 }))).toBe('blob');
      expect(await text(storage.read(writer.id, { start: 17, end: 17 }))).toBe('e');
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
      // A write another process left behind (it crashed, or is still going).
      const writer = await sibling().create();
      writer.stream.on('error', () => {});
      writer.stream.write(Buffer.alloc(traits.incompleteBytes, 7));
      expect(await storage.sweepIncomplete(60_000)).toBe(0);
      // The backend may take a moment to register the write (a multipart upload begins).
      let swept = 0;
      await vi.waitFor(
        async () => {
          swept += await storage.sweepIncomplete(-1);
          expect(swept).toBe(1);
        },
        { timeout: 10_000, interval: 50 },
      );
      await writer.abort();
      expect(await storage.list()).toEqual([]);
    });

    it('stores a blob of several MiB written in odd-sized chunks, byte for byte', async () => {
      const bytes = Buffer.alloc(Math.max(traits.incompleteBytes * 2, 3 * 1024 * 1024) + 12_345);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + (i >> 9)) & 0xff;
      const chunks: Buffer[] = [];
      for (let offset = 0; offset < bytes.length; offset += 100_003) {
        chunks.push(bytes.subarray(offset, offset + 100_003));
      }
      const writer = await storage.create();
      await pipeline(Readable.from(chunks), writer.stream);
      await writer.commit();
      expect(await storage.size(writer.id)).toBe(bytes.length);
      const whole = await buffer(storage.read(writer.id));
      expect(whole.equals(bytes)).toBe(true);
      const start = Math.max(traits.incompleteBytes, 1024 * 1024) - 10;
      const part = await buffer(storage.read(writer.id, { start, end: start + 99 }));
      expect(part.equals(bytes.subarray(start, start + 100))).toBe(true);
      expect(await storage.sweepIncomplete(-1)).toBe(0);
      await storage.delete(writer.id);
      expect(await storage.list()).toEqual([]);
    });

    it('aborting a write half-way leaves nothing behind', async () => {
      const writer = await storage.create();
      writer.stream.on('error', () => {});
      writer.stream.write(Buffer.alloc(traits.incompleteBytes + 1000, 1));
      await new Promise((resolve) => setTimeout(resolve, 50));
      await writer.abort();
      expect(await storage.size(writer.id)).toBeNull();
      expect(await storage.list()).toEqual([]);
      expect(await storage.sweepIncomplete(-1)).toBe(0);
    });

    it('reports a missing blob as absent and a read of it as an error', async () => {
      const id = 'ab'.repeat(16);
      expect(await storage.size(id)).toBeNull();
      await expect(text(storage.read(id))).rejects.toThrow();
    });

    it('never reads or deletes outside its ids', async () => {
      expect(() => storage.read('../../etc/passwd')).toThrow(/invalid blob id/);
      await expect(storage.delete('../x')).rejects.toThrow(/invalid blob id/);
      await expect(storage.size('x'.repeat(32))).rejects.toThrow(/invalid blob id/);
    });
  });
}
