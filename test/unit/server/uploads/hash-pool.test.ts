/**
 * The hashing workers: several files hashed at once each get their own digests, in the
 * order their bytes came, whatever the chunking; a cancelled session leaves the others
 * intact; and a session can be fed more bytes than may be in flight at once.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HashSession } from '../../../../server/uploads/hash-pool.js';
import { bytesOf, manifestOf } from '../support/helpers.js';

/** Feeds `bytes` to a session in chunks of `chunk` bytes, waiting as it asks. */
async function feed(session: HashSession, bytes: Buffer, chunk: number) {
  for (let offset = 0; offset < bytes.length; offset += chunk) {
    await session.update(bytes.subarray(offset, offset + chunk));
  }
  return session.finish();
}

const hex = (algorithm: string, bytes: Buffer) => createHash(algorithm).update(bytes).digest('hex');

describe('HashSession', () => {
  it('hashes several files at once, each to its own SHA-256, MD5 and piece digests', async () => {
    const files = [
      { bytes: bytesOf(3 * 1024 * 1024 + 17, 51), pieceSize: 1024 * 1024, chunk: 65_536 },
      { bytes: bytesOf(700_000, 52), pieceSize: 64 * 1024, chunk: 1000 },
      { bytes: bytesOf(20 * 1024 * 1024, 53), pieceSize: 4 * 1024 * 1024, chunk: 3 * 1024 * 1024 },
      { bytes: Buffer.alloc(0), pieceSize: 1024, chunk: 1 },
      { bytes: bytesOf(5000, 54), pieceSize: 1024, chunk: 5000 },
    ];
    const digests = await Promise.all(
      files.map(({ bytes, pieceSize, chunk }) => feed(new HashSession(pieceSize), bytes, chunk)),
    );
    files.forEach(({ bytes, pieceSize }, i) => {
      expect(digests[i]).toEqual({
        sha256: hex('sha256', bytes),
        md5: hex('md5', bytes),
        pieces: manifestOf(bytes, pieceSize).pieces,
      });
    });
  });

  it('gives the same digests when the bytes so far are handed over early, as between two requests', async () => {
    const bytes = bytesOf(3 * 1024 * 1024 + 5, 57);
    const session = new HashSession(1024 * 1024);
    for (const [start, end] of [
      [0, 700_001],
      [700_001, 2_500_000],
      [2_500_000, bytes.length],
    ]) {
      await session.update(bytes.subarray(start, end));
      session.flush();
    }
    expect(await session.finish()).toEqual({
      sha256: hex('sha256', bytes),
      md5: hex('md5', bytes),
      pieces: manifestOf(bytes, 1024 * 1024).pieces,
    });
  });

  it('keeps the other sessions intact when one is cancelled half way', async () => {
    const kept = bytesOf(2 * 1024 * 1024, 55);
    const dropped = new HashSession(1024 * 1024);
    await dropped.update(bytesOf(1024 * 1024, 56));
    const running = feed(new HashSession(1024 * 1024), kept, 100_000);
    dropped.cancel();
    await expect(dropped.finish()).rejects.toThrow(/cancelled/);
    expect((await running).sha256).toBe(hex('sha256', kept));
  });
});
