import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { EMPTY_SHA256, hashStream, parseManifest, sameManifest } from '../../../server/hashing.js';
import { bytesOf, manifestOf, sha256Hex } from './support/helpers.js';

describe('hashing', () => {
  it('hashes a stream in uneven chunks into whole-file digests and a piece manifest', async () => {
    const bytes = bytesOf(10_000, 1);
    const chunks = [bytes.subarray(0, 1), bytes.subarray(1, 4097), bytes.subarray(4097)];
    const digest = await hashStream(Readable.from(chunks), 4096);
    expect(digest.size).toBe(10_000);
    expect(digest.sha256).toBe(sha256Hex(bytes));
    expect(digest.manifest).toEqual(manifestOf(bytes, 4096));
    expect(digest.head).toEqual(bytes.subarray(0, 64));
  });

  it('hashes an empty stream to an empty manifest', async () => {
    const digest = await hashStream(Readable.from([]), 1024);
    expect(digest).toMatchObject({ size: 0, sha256: EMPTY_SHA256 });
    expect(digest.manifest).toEqual({ piece_size: 1024, pieces: [], root: EMPTY_SHA256 });
  });

  it('accepts a manifest consistent with the size and refuses others', () => {
    const bytes = bytesOf(2500, 2);
    const good = manifestOf(bytes, 1024);
    expect(parseManifest({ ...good, root: good.root.toUpperCase() }, 2500)).toEqual(good);
    expect(() => parseManifest(good, 2048)).toThrow(/pieces must list 2/);
    expect(() => parseManifest({ ...good, piece_size: 1000.5 }, 2500)).toThrow(/piece_size/);
    expect(() => parseManifest({ ...good, pieces: [...good.pieces.slice(1), 'zz'] }, 2500)).toThrow(
      /hex SHA-256/,
    );
    expect(() => parseManifest({ ...good, root: EMPTY_SHA256 }, 2500)).toThrow(/root/);
    expect(() =>
      parseManifest({ piece_size: 1024, pieces: [], root: EMPTY_SHA256 }, 10 ** 12),
    ).toThrow(/use a larger piece_size/);
    expect(sameManifest(good, manifestOf(bytes, 1024))).toBe(true);
    expect(sameManifest(good, manifestOf(bytes, 2048))).toBe(false);
  });
});
