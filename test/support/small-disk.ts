/**
 * A small real filesystem for disk-full tests: a tmpfs of a few megabytes mounted on a
 * temporary directory (needs root or CAP_SYS_ADMIN), plus a way to fill it and free it.
 * Where tmpfs cannot be mounted, `mountSmallDisk` resolves to `null` with the reason.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A mounted small disk. */
export interface SmallDisk {
  dir: string;
  /** Writes a filler file until the disk is full. */
  fill(): void;
  /** Deletes the filler, giving the space back. */
  free(): void;
  /** Unmounts and removes the directory. */
  unmount(): void;
}

/** Why the last `mountSmallDisk` returned null. */
export let smallDiskUnavailable = '';

/** Mounts a tmpfs of `megabytes` MB, or returns null (see {@link smallDiskUnavailable}). */
export function mountSmallDisk(megabytes: number): SmallDisk | null {
  const dir = mkdtempSync(path.join(tmpdir(), 'chat-files-small-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m`, 'tmpfs', dir], {
      stdio: 'pipe',
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    smallDiskUnavailable = `cannot mount a tmpfs here (${String((error as Error).message).split('\n')[0]}); run as root or with CAP_SYS_ADMIN`;
    return null;
  }
  const filler = path.join(dir, 'filler.bin');
  return {
    dir,
    fill() {
      const fd = openSync(filler, 'a');
      const block = Buffer.alloc(64 * 1024, 1);
      try {
        for (;;) writeSync(fd, block);
      } catch (error) {
        if ((error as { code?: string }).code !== 'ENOSPC') throw error;
      }
      // Also take the last partial block.
      try {
        for (;;) writeSync(fd, block, 0, 512);
      } catch {
        // full
      }
      closeSync(fd);
    },
    free() {
      rmSync(filler, { force: true });
    },
    unmount() {
      try {
        execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
