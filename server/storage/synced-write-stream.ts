/**
 * A file write stream that asks the kernel to write its data back while it is still being
 * written: every {@link SYNC_EVERY_BYTES} an `fdatasync` runs in the background, beside
 * the writes that follow. A large file then reaches the disk during the upload rather
 * than all at once when it is fsynced at the end (which, for a gigabyte, stalls the
 * answer for as long as the disk takes to write a gigabyte), and dirty pages never pile
 * up in memory.
 */
import fs, { createWriteStream, type WriteStream } from 'node:fs';

/** Bytes written between two background syncs. */
const SYNC_EVERY_BYTES = 32 * 1024 * 1024;

type Callback = (error: NodeJS.ErrnoException | null) => void;

/**
 * Like `createWriteStream(path, options)`, with background syncs as the data goes. The
 * stream's own `flush` (an fsync before close) still decides whether the file is durable
 * when the stream finishes; closing waits for a background sync in progress.
 */
export function createSyncedWriteStream(
  filePath: string,
  options: { flags: string; mode?: number; start?: number; flush?: boolean },
): WriteStream {
  let unsynced = 0;
  let syncing: Promise<void> | null = null;
  // Linux reports a failed write-back once, to the first sync that asks: a background
  // sync's error is kept and fails the next write, sync or close, never dropped.
  let syncError: NodeJS.ErrnoException | null = null;
  const afterSync = (callback: () => void) => {
    if (syncing) void syncing.then(callback);
    else callback();
  };
  const wrote = (fd: number, bytes: number) => {
    unsynced += bytes;
    if (unsynced < SYNC_EVERY_BYTES || syncing) return;
    unsynced = 0;
    syncing = new Promise<void>((resolve) =>
      fs.fdatasync(fd, (error) => {
        syncError ??= error;
        resolve();
      }),
    ).then(() => {
      syncing = null;
    });
  };
  const syncedFs = {
    open: fs.open,
    write(
      fd: number,
      buffer: Buffer,
      offset: number,
      length: number,
      position: number | null,
      callback: (error: NodeJS.ErrnoException | null, written: number, buffer: Buffer) => void,
    ) {
      fs.write(fd, buffer, offset, length, position, (error, written, data) => {
        if (!error) wrote(fd, written);
        callback(error ?? syncError, written, data);
      });
    },
    writev(
      fd: number,
      buffers: NodeJS.ArrayBufferView[],
      position: number | null,
      callback: (
        error: NodeJS.ErrnoException | null,
        written: number,
        buffers: NodeJS.ArrayBufferView[],
      ) => void,
    ) {
      fs.writev(fd, buffers, position, (error, written, data) => {
        if (!error) wrote(fd, written);
        callback(error ?? syncError, written, data);
      });
    },
    fsync(fd: number, callback: Callback) {
      afterSync(() => fs.fsync(fd, (error) => callback(error ?? syncError)));
    },
    close(fd: number, callback: Callback) {
      afterSync(() => fs.close(fd, (error) => callback(error ?? syncError)));
    },
  };
  return createWriteStream(filePath, { ...options, fs: syncedFs });
}
