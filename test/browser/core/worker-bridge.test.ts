import { expect } from '@open-wc/testing';
import { deleteDB } from 'idb';
import { WorkerBridge } from '../../../src/core/worker-bridge.js';
import { ChatFilesClientError } from '../../../src/core/errors.js';
import { firstDifference, makeTestFile, sha256OfBlob, uniqueCacheName } from '../support/bytes.js';

const MiB = 1024 * 1024;

describe('WorkerBridge (the real worker)', () => {
  let name: string;
  let bridge: WorkerBridge;

  beforeEach(() => {
    name = uniqueCacheName('bridge');
    bridge = new WorkerBridge({ cacheName: name, cacheLimitBytes: 50 * MiB });
  });

  afterEach(async () => {
    await bridge.terminate();
    await deleteDB(name);
  });

  it('starts only when first used', async () => {
    expect(bridge.started).to.equal(false);
    await bridge.getStats();
    expect(bridge.started).to.equal(true);
  });

  it('hashes, thumbnails and caches in the worker, moving piece bytes without copies', async () => {
    const file = makeTestFile(2 * MiB + 10, 5);
    const progress: number[] = [];
    const manifest = await bridge.computeManifest(file, MiB, (n) => progress.push(n));
    expect(manifest.pieces[1]).to.equal(await sha256OfBlob(file.slice(MiB, 2 * MiB)));
    expect(await bridge.checkManifest(manifest, file.size)).to.equal(true);
    expect(
      await bridge.checkManifest({ ...manifest, root: manifest.pieces[0] }, file.size),
    ).to.equal(false);
    expect(await bridge.checkManifest(manifest, file.size + MiB)).to.equal(false);

    const meta = {
      file_id: 'w1',
      room_id: 'r',
      name: 'w.bin',
      size: file.size,
      mime_type: '',
      manifest,
    };
    await bridge.beginWrite(meta);
    for (let i = 0; i < 3; i++) {
      const bytes = await file.slice(i * MiB, (i + 1) * MiB).arrayBuffer();
      expect(await bridge.putPiece('w1', i, bytes)).to.equal('stored');
      expect(bytes.byteLength).to.equal(0); // transferred, not copied
    }
    await bridge.endWrite('w1');
    const blobs = await bridge.getPieceBlobs('w1');
    expect(await firstDifference(new File(blobs!, 'w.bin'), file)).to.equal(-1);
    await new Promise((r) => setTimeout(r, 50));
    expect(progress.at(-1)).to.equal(file.size);
  });

  it('keeps error codes across the worker boundary', async () => {
    const error = await bridge.putPiece('no-session', 0, new ArrayBuffer(1)).catch((e) => e);
    expect(error).to.be.instanceOf(ChatFilesClientError);
    expect(error.code).to.equal('ERR_INTERNAL');
  });

  it('rejects with ERR_DESTROYED after terminate()', async () => {
    await bridge.getStats();
    await bridge.terminate();
    await bridge.terminate();
    const error = await bridge.getStats().catch((e) => e);
    expect(error.code).to.equal('ERR_DESTROYED');
  });
});
