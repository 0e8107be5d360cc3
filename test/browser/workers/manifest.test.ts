import { expect } from '@open-wc/testing';
import { computeManifest, manifestRoot, rootMatches } from '../../../src/workers/manifest.js';
import { makeTestFile, sha256OfBlob } from '../support/bytes.js';

const MiB = 1024 * 1024;

describe('piece manifest', () => {
  it('hashes each piece and the concatenated raw digests', async () => {
    const file = makeTestFile(2.5 * MiB, 7);
    const manifest = await computeManifest(file, MiB);
    expect(manifest.piece_size).to.equal(MiB);
    expect(manifest.pieces).to.have.length(3);
    expect(manifest.pieces[0]).to.equal(await sha256OfBlob(file.slice(0, MiB)));
    expect(manifest.pieces[2]).to.equal(await sha256OfBlob(file.slice(2 * MiB)));
    const raw = new Uint8Array(96);
    manifest.pieces.forEach((hex, i) =>
      raw.set(
        hex.match(/../g)!.map((h) => parseInt(h, 16)),
        i * 32,
      ),
    );
    expect(manifest.root).to.equal(await sha256OfBlob(new Blob([raw])));
    expect(await rootMatches(manifest)).to.equal(true);
  });

  it('describes a zero-byte file with no pieces and the hash of nothing', async () => {
    const manifest = await computeManifest(new Blob([]), MiB);
    expect(manifest.pieces).to.deep.equal([]);
    expect(manifest.root).to.equal(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('uses the configured piece size and reports progress', async () => {
    const file = makeTestFile(300 * 1024, 3);
    const seen: number[] = [];
    const manifest = await computeManifest(file, 64 * 1024, (bytes) => seen.push(bytes));
    expect(manifest.pieces).to.have.length(5);
    expect(seen.at(-1)).to.equal(file.size);
  });

  it('detects a root that does not match the pieces', async () => {
    const manifest = await computeManifest(makeTestFile(MiB + 1, 2), MiB);
    const forged = {
      ...manifest,
      root: await manifestRoot([manifest.pieces[1], manifest.pieces[0]]),
    };
    expect(await rootMatches(forged)).to.equal(false);
  });
});
