/**
 * A full disk or database answers 507 ERR_STORAGE_FULL (never 500) on every path that
 * writes, logs no stack, serves nothing half-written, and recovers by itself once space
 * is freed. Runs on a real tmpfs of a few megabytes; skipped with the reason where tmpfs
 * cannot be mounted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStorageFull } from '../../../server/errors.js';
import { mountSmallDisk, smallDiskUnavailable, type SmallDisk } from '../../support/small-disk.js';
import { ack, bytesOf, sha256Hex } from './support/helpers.js';
import { startRoomFixture, type RoomFixture } from './support/room-fixture.js';
import { shareAndUpload, shareBytes, uploadBytes } from './support/upload.js';

describe('isStorageFull', () => {
  it('recognises ENOSPC, SQLITE_FULL and PostgreSQL disk_full, also as a cause', () => {
    expect(isStorageFull(Object.assign(new Error('x'), { code: 'ENOSPC' }))).toBe(true);
    expect(isStorageFull(Object.assign(new Error('x'), { code: 'SQLITE_FULL' }))).toBe(true);
    expect(isStorageFull(Object.assign(new Error('x'), { code: '53100' }))).toBe(true);
    const wrapped = new Error('outer', {
      cause: Object.assign(new Error('x'), { code: 'ENOSPC' }),
    });
    expect(isStorageFull(wrapped)).toBe(true);
    expect(isStorageFull(Object.assign(new Error('x'), { code: 'EACCES' }))).toBe(false);
    expect(isStorageFull(null)).toBe(false);
  });
});

const disk = mountSmallDisk(16);
if (!disk) console.warn(`skipping disk-full tests: ${smallDiskUnavailable}`);

describe.skipIf(!disk)('a full disk', () => {
  let f: RoomFixture;
  const small = disk as SmallDisk;
  const logged: Array<[string, unknown]> = [];
  let stored: string;
  const storedBytes = bytesOf(20_000, 9);

  beforeAll(async () => {
    f = await startRoomFixture({
      dataDir: small.dir,
      server: {
        logger: { info() {}, warn() {}, error: (m: string, e?: unknown) => logged.push([m, e]) },
      },
    });
    stored = await shareAndUpload(f.alice, f.aliceSocket, storedBytes);
  });
  afterAll(async () => {
    await f?.server.close();
    small.unmount();
  });

  it('answers 507 on shares, uploads and claims while full, and recovers when space returns', async () => {
    const pending = await shareBytes(f.aliceSocket, bytesOf(200_000, 3));
    small.fill();
    try {
      const share = await ack(f.aliceSocket, 'chat:file:share', {
        room_id: 'team',
        name: 'while-full.txt',
        size: 10,
        mime_type: 'text/plain',
      });
      expect(share).toMatchObject({ success: false, code: 'ERR_STORAGE_FULL' });
      const upload = await uploadBytes(f.alice, pending, bytesOf(200_000, 3));
      expect(upload.status).toBe(507);
      expect(upload.body).toMatchObject({ code: 'ERR_STORAGE_FULL' });
      const claim = await f.alice.json('POST', '/store-permanently', { file_id: stored });
      expect([200, 507]).toContain(claim.status);
      if (claim.status === 507) expect(claim.body).toMatchObject({ code: 'ERR_STORAGE_FULL' });
      // What was stored before is still served whole; the failed upload is not served at all.
      const res = await f.alice.fetch(`/${stored}/download`);
      expect(res.status).toBe(200);
      expect(sha256Hex(Buffer.from(await res.arrayBuffer()))).toBe(sha256Hex(storedBytes));
      const half = await f.alice.fetch(`/${pending}/download`);
      expect(half.status).toBe(404);
      await half.arrayBuffer();
    } finally {
      small.free();
    }
    // No restart: the same server works again.
    const again = await ack(f.aliceSocket, 'chat:file:share', {
      room_id: 'team',
      name: 'after.txt',
      size: 10,
      mime_type: 'text/plain',
    });
    expect(again).toMatchObject({ success: true });
    const upload = await uploadBytes(f.alice, pending, bytesOf(200_000, 3));
    expect(upload.status).toBe(200);
    // Logged as one line each, never with a stack.
    for (const [message, error] of logged) {
      expect(message).toMatch(/storage full/);
      expect(error).not.toBeInstanceOf(Error);
    }
  }, 60_000);
});
