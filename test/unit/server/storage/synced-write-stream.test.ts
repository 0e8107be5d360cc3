/**
 * The write stream of blobs and tus uploads: a large file is synced to disk while it is
 * written (not only once at the end), its bytes are the bytes sent, and the file is only
 * closed once a sync in progress is done.
 */
import { createHash } from 'node:crypto';
import fs, { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSyncedWriteStream } from '../../../../server/storage/synced-write-stream.js';
import { bytesOf } from '../support/helpers.js';

const MiB = 1024 * 1024;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'synced-stream-'));
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

/** Writes `chunks` in order and waits until the file is closed; rejects with the stream's error. */
function writeAll(stream: fs.WriteStream, chunks: Buffer[]): Promise<void> {
  return pipeline(Readable.from(chunks), stream);
}

describe('createSyncedWriteStream', () => {
  it('syncs a large file while it is written, and fsyncs it once at the end', async () => {
    const events: string[] = [];
    const fdatasync = vi.spyOn(fs, 'fdatasync');
    const fsync = vi.spyOn(fs, 'fsync');
    fdatasync.mockImplementation(((fd: number, callback: (error: null) => void) => {
      events.push('sync');
      callback(null);
    }) as typeof fs.fdatasync);
    const chunk = bytesOf(MiB, 71);
    const chunks = Array.from({ length: 100 }, () => chunk);
    const file = path.join(dir, 'blob');
    const stream = createSyncedWriteStream(file, { flags: 'wx', flush: true });
    // Every 10 MiB written, a mark: syncs must come between marks, not all after the last.
    let written = 0;
    stream.on('drain', () => {
      written += 1;
      if (written % 10 === 0) events.push('mark');
    });
    await writeAll(stream, chunks);

    const syncs = events.filter((event) => event === 'sync').length;
    expect(syncs).toBe(3); // at 32, 64 and 96 MiB
    expect(events.indexOf('sync')).toBeLessThan(events.lastIndexOf('mark'));
    expect(fsync).toHaveBeenCalledTimes(1);
    const expected = createHash('sha256');
    for (const part of chunks) expected.update(part);
    expect(createHash('sha256').update(readFileSync(file)).digest('hex')).toBe(
      expected.digest('hex'),
    );
  });

  it('closes the file only after a sync in progress is done', async () => {
    const events: string[] = [];
    vi.spyOn(fs, 'fdatasync').mockImplementation(((
      _fd: number,
      callback: (error: null) => void,
    ) => {
      events.push('sync started');
      setTimeout(() => {
        events.push('sync done');
        callback(null);
      }, 100);
    }) as typeof fs.fdatasync);
    const stream = createSyncedWriteStream(path.join(dir, 'blob'), { flags: 'wx' });
    stream.once('close', () => events.push('closed'));
    // The pipeline waits for the file to be closed.
    await writeAll(stream, [bytesOf(33 * MiB, 72)]);
    expect(events).toEqual(['sync started', 'sync done', 'closed']);
  });

  it('fails the stream when a background sync reports a write-back error, which a later fsync would not', async () => {
    vi.spyOn(fs, 'fdatasync').mockImplementation(((
      _fd: number,
      callback: (error: NodeJS.ErrnoException | null) => void,
    ) => {
      callback(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    }) as typeof fs.fdatasync);
    const stream = createSyncedWriteStream(path.join(dir, 'blob'), { flags: 'wx', flush: true });
    const chunk = bytesOf(MiB, 73);
    await expect(
      writeAll(
        stream,
        Array.from({ length: 40 }, () => chunk),
      ),
    ).rejects.toMatchObject({ code: 'EIO' });
  });

  it('writes at the given offset of an existing file, as a resumed upload does', async () => {
    const file = path.join(dir, 'upload');
    fs.writeFileSync(file, Buffer.from('hello, '));
    const stream = createSyncedWriteStream(file, { flags: 'r+', start: 7 });
    await writeAll(stream, [Buffer.from('world')]);
    expect(readFileSync(file, 'utf8')).toBe('hello, world');
  });
});
