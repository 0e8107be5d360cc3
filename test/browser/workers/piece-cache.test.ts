import { expect } from '@open-wc/testing';
import { deleteDB } from 'idb';
import { computeManifest } from '../../../src/workers/manifest.js';
import { PieceCache, type CachedFileMeta } from '../../../src/workers/piece-cache.js';
import { firstDifference, makeTestFile, uniqueCacheName } from '../support/bytes.js';
import { QuotaFailingCache } from '../support/quota-failing-cache.js';

const MiB = 1024 * 1024;

async function metaFor(file: File, fileId: string, roomId = 'room-1'): Promise<CachedFileMeta> {
  return {
    file_id: fileId,
    room_id: roomId,
    name: file.name,
    size: file.size,
    mime_type: file.type,
    manifest: await computeManifest(file, MiB),
  };
}

const bytesOf = async (file: Blob, index: number) =>
  file.slice(index * MiB, (index + 1) * MiB).arrayBuffer();

describe('PieceCache', () => {
  let name: string;
  let cache: QuotaFailingCache;

  beforeEach(() => {
    name = uniqueCacheName('cache');
    cache = new QuotaFailingCache({ name, limitBytes: 100 * MiB });
  });

  afterEach(async () => {
    await cache.close();
    await deleteDB(name);
  });

  it('stores only pieces that match the manifest and composes the file from piece Blobs', async () => {
    const file = makeTestFile(2.5 * MiB, 11, 'a.bin');
    const meta = await metaFor(file, 'f-a');
    const record = await cache.beginWrite(meta);
    expect(record.held_count).to.equal(0);

    const tampered = new Uint8Array(await bytesOf(file, 1));
    tampered[100] ^= 0xff;
    expect(await cache.putPiece('f-a', 1, tampered.buffer)).to.equal('bad');
    expect(await cache.putPiece('f-a', 1, (await bytesOf(file, 1)).slice(1))).to.equal('bad');
    expect(await cache.putPiece('f-a', 0, await bytesOf(file, 0))).to.equal('stored');
    expect(await cache.putPiece('f-a', 0, await bytesOf(file, 0))).to.equal('duplicate');

    let stored = await cache.get('f-a');
    expect(stored?.held_count).to.equal(1);
    expect(stored?.complete).to.equal(false);
    expect(await cache.getPieceBlobs('f-a')).to.equal(null);

    await Promise.all([
      cache.putPiece('f-a', 2, await bytesOf(file, 2)),
      cache.putPiece('f-a', 1, await bytesOf(file, 1)),
    ]);
    await cache.endWrite('f-a');
    stored = await cache.get('f-a');
    expect(stored?.complete).to.equal(true);
    expect(stored?.bytes).to.equal(file.size);
    const blobs = await cache.getPieceBlobs('f-a');
    expect(blobs).to.have.length(3);
    expect(await firstDifference(new Blob(blobs!), file)).to.equal(-1);
    expect(new Uint8Array((await cache.readPiece('f-a', 2))!)).to.deep.equal(
      new Uint8Array(await bytesOf(file, 2)),
    );
  });

  it('caches a local file piece by piece and lists it by room', async () => {
    const file = makeTestFile(3 * MiB + 5, 12);
    const progress: number[] = [];
    const record = await cache.storeBlob(await metaFor(file, 'f-local', 'room-x'), file, (n) =>
      progress.push(n),
    );
    expect(record.complete).to.equal(true);
    expect(progress.at(-1)).to.equal(4);
    expect((await cache.loadRoom('room-x')).map((r) => r.file_id)).to.deep.equal(['f-local']);
    expect(await cache.loadRoom('room-y')).to.deep.equal([]);
    expect(await cache.getStats()).to.include({ count: 1, complete: 1, bytes: file.size });
    await cache.clear();
    expect(await cache.getStats()).to.include({ count: 0, bytes: 0 });
  });

  it('evicts the least recently used files first, never one that is pinned', async () => {
    cache.setLimit(3 * MiB);
    const files = ['A', 'B', 'C', 'D', 'E'].map((id, i) => ({
      id,
      file: makeTestFile(MiB, 20 + i),
    }));
    const store = async (i: number) =>
      cache.storeBlob(await metaFor(files[i].file, files[i].id), files[i].file);
    const wait = () => new Promise((r) => setTimeout(r, 5));

    await store(0);
    await wait();
    await store(1);
    await wait();
    await store(2);
    await wait();
    await cache.touch('A', true); // A is now the most recently used
    await wait();
    await store(3); // over the limit: B (least recently used) goes
    const held = async () => (await cache.list()).map((r) => r.file_id).sort();
    expect(await held()).to.deep.equal(['A', 'C', 'D']);

    const unpin = await cache.pin('C'); // C is next in line, but someone is reading it
    await store(4);
    expect(await held()).to.deep.equal(['C', 'D', 'E']);
    unpin();
    expect((await cache.getStats()).bytes).to.be.at.most(3 * MiB);
  });

  it('keeps a File composed of cached pieces readable after the file is evicted', async () => {
    cache.setLimit(2 * MiB);
    const a = makeTestFile(2 * MiB, 53);
    await cache.storeBlob(await metaFor(a, 'A'), a);
    const composed = new File((await cache.getPieceBlobs('A'))!, 'a.bin');
    const b = makeTestFile(2 * MiB, 54);
    await cache.storeBlob(await metaFor(b, 'B'), b);
    expect(await cache.get('A')).to.equal(null);
    expect(await firstDifference(composed, a)).to.equal(-1);
  });

  it('does not evict a file another tab (another cache on the same database) is using', async () => {
    cache.setLimit(2 * MiB);
    const otherTab = new PieceCache({ name, limitBytes: 2 * MiB });
    try {
      const a = makeTestFile(MiB, 50);
      const b = makeTestFile(MiB, 51);
      const c = makeTestFile(MiB, 52);
      await cache.storeBlob(await metaFor(a, 'A'), a);
      await new Promise((r) => setTimeout(r, 5));
      await cache.storeBlob(await metaFor(b, 'B'), b);
      const unpin = await otherTab.pin('A'); // the other tab is reading A
      await cache.storeBlob(await metaFor(c, 'C'), c);
      expect((await cache.list()).map((r) => r.file_id).sort()).to.deep.equal(['A', 'C']);
      unpin();
    } finally {
      await otherTab.close();
    }
  });

  it('frees space and retries once when the browser reports a full quota', async () => {
    const old = makeTestFile(MiB, 30);
    await cache.storeBlob(await metaFor(old, 'old'), old);
    const file = makeTestFile(MiB, 31);
    await cache.beginWrite(await metaFor(file, 'new'));

    cache.failures = 1;
    expect(await cache.putPiece('new', 0, await bytesOf(file, 0))).to.equal('stored');
    await cache.endWrite('new');
    expect((await cache.list()).map((r) => r.file_id)).to.deep.equal(['new']);
  });

  it('fails cleanly with ERR_STORAGE_FULL when freeing space does not help', async () => {
    const keep = makeTestFile(MiB, 40);
    await cache.storeBlob(await metaFor(keep, 'keep'), keep);
    const unpin = await cache.pin('keep');
    const file = makeTestFile(2 * MiB, 41);
    await cache.beginWrite(await metaFor(file, 'big'));
    cache.failures = 2;
    const error = await cache.putPiece('big', 0, await bytesOf(file, 0)).catch((e) => e);
    expect(error.code).to.equal('ERR_STORAGE_FULL');
    // Nothing half-written: the record still says no piece is held, and the pinned file survived.
    expect((await cache.get('big'))?.held_count).to.equal(0);
    expect(await cache.readPiece('big', 0)).to.equal(null);
    expect((await cache.get('keep'))?.complete).to.equal(true);
    // The next write goes through once the browser has room again.
    expect(await cache.putPiece('big', 1, await bytesOf(file, 1))).to.equal('stored');
    await cache.endWrite('big');
    unpin();
  });
});
