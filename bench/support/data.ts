/**
 * Benchmark input files, written piece by piece so no run holds a large file in memory.
 */
import { randomFillSync } from 'node:crypto';
import { open } from 'node:fs/promises';

/** Bytes generated per write. */
const BLOCK = 4 * 1024 * 1024;

/** Writes `size` random bytes to `filePath` (random, so nothing on the way can compress them). */
export async function writeRandomFile(filePath: string, size: number): Promise<void> {
  const handle = await open(filePath, 'w');
  try {
    const block = Buffer.allocUnsafe(BLOCK);
    for (let written = 0; written < size;) {
      const length = Math.min(BLOCK, size - written);
      randomFillSync(block, 0, length);
      await handle.write(block, 0, length);
      written += length;
    }
  } finally {
    await handle.close();
  }
}

/** A small seeded PRNG (mulberry32), so product and baseline get the same random ranges. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const MiB = 1024 * 1024;
