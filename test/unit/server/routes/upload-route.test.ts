import { request } from 'node:http';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { claimStorage } from '../../../../server/quota.js';
import { commitServerCopy } from '../../../../server/server-copies.js';
import { startBareServer } from '../support/bare-server.js';
import {
  ack,
  bytesOf,
  filesIn,
  manifestOf,
  nextEvent,
  openDescriptors,
  settle,
  sha256Hex,
} from '../support/helpers.js';
import { startRoomFixture, type RoomFixture } from '../support/room-fixture.js';
import { postUpload, shareAndUpload, shareBytes, uploadBytes } from '../support/upload.js';

const MAX = 256 * 1024;

describe('POST /upload', () => {
  let f: RoomFixture;
  let storageDir: string;
  beforeAll(async () => {
    f = await startRoomFixture({ config: { max_file_size: MAX, piece_size: 64 * 1024 } });
    storageDir = f.server.files.options.storageDir;
  });
  afterAll(() => f.server.close());

  it('stores the bytes under a random id, answers the hashes and tells the room', async () => {
    const bytes = bytesOf(150_000);
    const fileId = await shareBytes(f.aliceSocket, bytes, {
      name: '../../evil.txt',
      pieceSize: 64 * 1024,
    });
    const before = await filesIn(storageDir);
    const cached = nextEvent(f.bobSocket, 'chat:file:server_cached');
    const { status, body } = await uploadBytes(f.alice, fileId, bytes);
    expect(status).toBe(200);
    expect(body).toEqual({
      success: true,
      file_id: fileId,
      expires_at: null,
      deduped: false,
      md5: createHash('md5').update(bytes).digest('hex'),
      sha256: sha256Hex(bytes),
    });
    expect(await cached).toEqual({ file_id: fileId, room_id: 'team', expires_at: null });
    const added = (await filesIn(storageDir)).filter((name) => !before.includes(name));
    expect(added).toHaveLength(1);
    expect(added[0]).toMatch(/^[0-9a-f]{32}$/);

    const peers = await ack(f.bobSocket, 'chat:file:request_peers', {
      file_id: fileId,
      room_id: 'team',
    });
    expect(peers).toMatchObject({ server_available: true, expires_at: null });
    expect(peers.file).toMatchObject({
      sha256: sha256Hex(bytes),
      sanitized_name: '_.._evil.txt',
      manifest: manifestOf(bytes, 64 * 1024),
    });
    const download = await f.bob.fetch(`/${fileId}/download`);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(bytes);
  });

  it('takes file_id in the query, before the body is read', async () => {
    const bytes = bytesOf(100_000, 3);
    const fileId = await shareBytes(f.aliceSocket, bytes, { pieceSize: 16 * 1024 });
    const { status, body } = await postUpload(
      f.alice,
      [{ name: 'file', filename: 'x', data: bytes }],
      `?file_id=${fileId}`,
    );
    expect(status).toBe(200);
    expect(body.sha256).toBe(sha256Hex(bytes));
  });

  it('refuses a file part that comes before file_id, writing nothing', async () => {
    const bytes = bytesOf(100_000, 13);
    const fileId = await shareBytes(f.aliceSocket, bytes);
    const before = await filesIn(storageDir);
    const { status, body } = await postUpload(f.alice, [
      { name: 'file', filename: 'x', data: bytes },
      { name: 'file_id', value: fileId },
    ]);
    expect(status).toBe(400);
    expect(body.error).toMatch(/before the file part/);
    expect(await filesIn(storageDir)).toEqual(before);
  });

  it('derives the manifest for a share that carried none (reference-doc clients)', async () => {
    const bytes = bytesOf(70_000, 4);
    const fileId = await shareBytes(f.aliceSocket, bytes, { manifest: false });
    const before = await ack(f.aliceSocket, 'chat:file:request_peers', {
      file_id: fileId,
      room_id: 'team',
    });
    expect((before.file as { manifest: unknown }).manifest).toBeNull();
    expect((await uploadBytes(f.alice, fileId, bytes)).status).toBe(200);
    const after = await ack(f.aliceSocket, 'chat:file:request_peers', {
      file_id: fileId,
      room_id: 'team',
    });
    expect((after.file as { manifest: unknown }).manifest).toEqual(manifestOf(bytes, 64 * 1024));
  });

  it('refuses bytes that do not match the shared manifest, keeping nothing', async () => {
    const bytes = bytesOf(80_000, 5);
    const fileId = await shareBytes(f.aliceSocket, bytes, { pieceSize: 64 * 1024 });
    const before = await filesIn(storageDir);
    const tampered = Buffer.from(bytes);
    tampered[70_000] ^= 0xff;
    const { status, body } = await uploadBytes(f.alice, fileId, tampered);
    expect(status).toBe(400);
    expect(body.code).toBe('ERR_INTEGRITY');
    expect(await filesIn(storageDir)).toEqual(before);
    expect(await ack(f.aliceSocket, 'chat:file:server_status', { file_id: fileId })).toMatchObject({
      server_available: false,
    });
  });

  it('requires the size to equal the shared size', async () => {
    const bytes = bytesOf(5000, 6);
    const fileId = await shareBytes(f.aliceSocket, bytes, { manifest: false });
    const before = await filesIn(storageDir);
    const short = await uploadBytes(f.alice, fileId, bytes.subarray(0, 4999));
    expect(short.status).toBe(400);
    expect(short.body.code).toBe('ERR_VALIDATION');
    // Longer than shared is "too large", whichever way the upload arrives (tus agrees).
    const long = await uploadBytes(f.alice, fileId, Buffer.concat([bytes, Buffer.from('!')]));
    expect(long.status).toBe(413);
    expect(long.body.code).toBe('ERR_TOO_LARGE');
    expect(await filesIn(storageDir)).toEqual(before);
  });

  it('stores a zero-byte file', async () => {
    const fileId = await shareBytes(f.aliceSocket, Buffer.alloc(0));
    const { status, body } = await uploadBytes(f.alice, fileId, Buffer.alloc(0));
    expect(status).toBe(200);
    expect(body.sha256).toBe(sha256Hex(Buffer.alloc(0)));
    const download = await f.bob.fetch(`/${fileId}/download`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-length')).toBe('0');
    expect((await download.arrayBuffer()).byteLength).toBe(0);
  });

  it('takes a file of exactly max_file_size and refuses one byte more with 413', async () => {
    const atLimit = bytesOf(MAX, 8);
    const fileId = await shareBytes(f.aliceSocket, atLimit, { manifest: false });
    expect((await uploadBytes(f.alice, fileId, atLimit)).status).toBe(200);

    const other = await shareBytes(f.aliceSocket, atLimit.subarray(1), { manifest: false });
    const before = await filesIn(storageDir);
    const over = await uploadBytes(f.alice, other, Buffer.concat([atLimit, Buffer.from('!')]));
    expect(over.status).toBe(413);
    expect(over.body.code).toBe('ERR_TOO_LARGE');
    expect(await filesIn(storageDir)).toEqual(before);
  });

  it('deduplicates by SHA-256 and keeps the blob while any file needs it', async () => {
    const bytes = bytesOf(20_000, 9);
    const first = await shareAndUpload(f.alice, f.aliceSocket, bytes);
    const before = await filesIn(storageDir);
    const second = await shareBytes(f.bobSocket, bytes);
    const { status, body } = await uploadBytes(f.bob, second, bytes);
    expect(status).toBe(200);
    expect(body.deduped).toBe(true);
    expect(await filesIn(storageDir)).toEqual(before);

    const removed = await f.alice.json('POST', '/remove-from-server', { file_id: first });
    expect(removed).toMatchObject({ status: 200, body: { server_copy_removed: true } });
    expect(await filesIn(storageDir)).toEqual(before);
    const stillThere = await f.bob.fetch(`/${second}/download`);
    expect(Buffer.from(await stillThere.arrayBuffer())).toEqual(bytes);

    expect((await f.bob.json('POST', '/remove-from-server', { file_id: second })).status).toBe(200);
    expect((await filesIn(storageDir)).length).toBe(before.length - 1);
  });

  it('answers a second upload of a stored file with 409, writing nothing', async () => {
    const bytes = bytesOf(3000, 10);
    const fileId = await shareAndUpload(f.alice, f.aliceSocket, bytes);
    const before = await filesIn(storageDir);
    const again = await uploadBytes(f.alice, fileId, bytes);
    expect(again).toMatchObject({ status: 409, body: { code: 'ERR_CONFLICT' } });
    expect(await filesIn(storageDir)).toEqual(before);
  });

  it('refuses no session (401), other users (403), strangers (403) and unknown files (404)', async () => {
    const bytes = Buffer.from('owned by alice');
    const fileId = await shareBytes(f.aliceSocket, bytes);
    const { body, contentType } = (await import('../support/helpers.js')).multipart([
      { name: 'file_id', value: fileId },
      { name: 'file', filename: 'x', data: bytes },
    ]);
    const anonymous = await fetch(`${f.server.api}/upload`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
    });
    expect(anonymous.status).toBe(401);
    expect((await uploadBytes(f.bob, fileId, bytes)).body.code).toBe('ERR_FORBIDDEN');
    expect((await uploadBytes(f.mallory, fileId, bytes)).status).toBe(403);
    const unknown = await uploadBytes(f.alice, '00000000-0000-4000-8000-000000000000', bytes);
    expect(unknown).toMatchObject({ status: 404, body: { code: 'ERR_NOT_FOUND' } });
  });

  describe('malformed requests leave nothing behind', () => {
    let fileId: string;
    const bytes = Buffer.from('malformed tests');
    beforeAll(async () => {
      fileId = await shareBytes(f.aliceSocket, bytes, { manifest: false });
    });

    const raw = (body: Buffer | string, contentType: string) =>
      f.alice.fetch('/upload', {
        method: 'POST',
        headers: { 'content-type': contentType },
        body: typeof body === 'string' ? body : new Uint8Array(body),
      });

    it('a missing boundary, a non-multipart body, or no file part: 400', async () => {
      const before = await filesIn(storageDir);
      for (const res of [
        await raw('--x\r\n', 'multipart/form-data'),
        await raw(JSON.stringify({ file_id: fileId }), 'application/json'),
        await raw(
          `--b\r\nContent-Disposition: form-data; name="file_id"\r\n\r\n${fileId}\r\n--b--\r\n`,
          'multipart/form-data; boundary=b',
        ),
      ]) {
        expect(res.status).toBe(400);
        expect(((await res.json()) as { code: string }).code).toBe('ERR_BAD_REQUEST');
      }
      expect(await filesIn(storageDir)).toEqual(before);
    });

    it('a truncated body: 400', async () => {
      const before = await filesIn(storageDir);
      const head = `--b\r\nContent-Disposition: form-data; name="file_id"\r\n\r\n${fileId}\r\n--b\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\n`;
      const res = await raw(
        Buffer.concat([Buffer.from(head), bytes.subarray(0, 5)]),
        'multipart/form-data; boundary=b',
      );
      expect(res.status).toBe(400);
      expect(((await res.json()) as { code: string }).code).toBe('ERR_BAD_REQUEST');
      await settle(50);
      expect(await filesIn(storageDir)).toEqual(before);
    });

    it('an empty field name, two files, or a file in another field: 400', async () => {
      const before = await filesIn(storageDir);
      const cases = [
        [
          { name: '', value: 'x' },
          { name: 'file_id', value: fileId },
          { name: 'file', filename: 'f', data: bytes },
        ],
        [
          { name: 'file_id', value: fileId },
          { name: 'file', filename: 'f', data: bytes },
          { name: 'file', filename: 'g', data: bytes },
        ],
        [
          { name: 'file_id', value: fileId },
          { name: 'attachment', filename: 'f', data: bytes },
        ],
        [
          { name: 'file_id', value: fileId },
          { name: '', filename: 'f', data: bytes },
        ],
        [{ name: 'file', filename: 'f', data: bytes }],
      ];
      for (const parts of cases) {
        const { status, body } = await postUpload(f.alice, parts);
        expect(status, JSON.stringify(parts.map((p) => p.name))).toBe(400);
        expect(body.code).toMatch(/^ERR_(BAD_REQUEST|VALIDATION)$/);
      }
      await settle(50);
      expect(await filesIn(storageDir)).toEqual(before);
    });

    it('a client that aborts mid-upload leaves no partial file and no open descriptor', async () => {
      const big = bytesOf(200_000, 11);
      const target = await shareBytes(f.aliceSocket, big, { manifest: false });
      const before = await filesIn(storageDir);
      const descriptors = await openDescriptors();
      const url = new URL(`${f.server.api}/upload`);
      const head = `--b\r\nContent-Disposition: form-data; name="file_id"\r\n\r\n${target}\r\n--b\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\n`;
      let during: string[] = [];
      await new Promise<void>((resolve) => {
        const req = request(
          {
            host: url.hostname,
            port: url.port,
            path: url.pathname,
            method: 'POST',
            headers: {
              authorization: `Bearer ${f.alice.token}`,
              'content-type': 'multipart/form-data; boundary=b',
              'content-length': String(head.length + big.length + 100),
            },
          },
          () => undefined,
        );
        req.on('error', () => resolve());
        req.write(head);
        req.write(big.subarray(0, 120_000), () => {
          // Give the server time to open its temporary file, then vanish.
          setTimeout(async () => {
            during = await filesIn(storageDir);
            req.destroy();
            resolve();
          }, 150);
        });
      });
      // The upload was really under way: its temporary file existed.
      expect(during.some((name) => name.endsWith('.part'))).toBe(true);
      await settle(300);
      expect(await filesIn(storageDir)).toEqual(before);
      expect(await openDescriptors()).toBeLessThanOrEqual(descriptors);
      const status = await ack(f.aliceSocket, 'chat:file:server_status', { file_id: target });
      expect(status.server_available).toBe(false);
    });
  });
});

describe('POST /upload with allowed_mime_types', () => {
  it('checks the magic bytes of common formats against the shared type (415)', async () => {
    const f = await startRoomFixture({
      config: { server_seeding: { allowed_mime_types: ['image/png', 'text/plain'] } },
    });
    try {
      const png = Buffer.concat([
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
        bytesOf(100),
      ]);
      const pngId = await shareBytes(f.aliceSocket, png, { mime_type: 'image/png' });
      expect((await uploadBytes(f.alice, pngId, png, 'image/png')).status).toBe(200);

      const storageDir = f.server.files.options.storageDir;
      const before = await filesIn(storageDir);
      const fakePng = Buffer.from('<html><script>alert(1)</script></html>');
      const fakeId = await shareBytes(f.aliceSocket, fakePng, { mime_type: 'image/png' });
      const fake = await uploadBytes(f.alice, fakeId, fakePng, 'image/png');
      expect(fake).toMatchObject({ status: 415, body: { code: 'ERR_UNSUPPORTED_TYPE' } });

      const hidden = await shareBytes(f.aliceSocket, png, { mime_type: 'text/plain' });
      expect((await uploadBytes(f.alice, hidden, png)).status).toBe(415);
      expect(await filesIn(storageDir)).toEqual(before);
    } finally {
      await f.server.close();
    }
  });
});

describe('POST /upload behind a host that already read the body', () => {
  it('answers 400 at once instead of waiting for a body that will never come', async () => {
    const f = await startRoomFixture({
      middleware: [express.raw({ type: 'multipart/form-data', limit: '1mb' })],
    });
    try {
      const bytes = Buffer.from('consumed');
      const fileId = await shareBytes(f.aliceSocket, bytes);
      const { status, body } = await uploadBytes(f.alice, fileId, bytes);
      expect(status).toBe(400);
      expect(body.error).toMatch(/mount the router before any multipart parser/);
    } finally {
      await f.server.close();
    }
  });
});

describe('server_seeding.enabled: false', () => {
  it('answers upload, download and store-permanently with 503 ERR_DISABLED', async () => {
    const f = await startRoomFixture({ config: { server_seeding: { enabled: false } } });
    try {
      const bytes = Buffer.from('no seeding');
      const fileId = await shareBytes(f.aliceSocket, bytes);
      expect(await uploadBytes(f.alice, fileId, bytes)).toMatchObject({
        status: 503,
        body: { code: 'ERR_DISABLED' },
      });
      expect((await f.alice.fetch(`/${fileId}/download`)).status).toBe(503);
      expect((await f.alice.json('POST', '/store-permanently', { file_id: fileId })).status).toBe(
        503,
      );
      expect(await ack(f.aliceSocket, 'chat:file:server_status', { file_id: fileId })).toEqual({
        success: true,
        server_available: false,
        user_has_claim: false,
        expires_at: null,
        can_delete: true,
      });
      // Claims made before seeding was turned off can still be released.
      const store = f.server.files.store;
      await commitServerCopy(store, {
        file_id: fileId,
        blob: {
          id: 'a'.repeat(32),
          sha256: 'b'.repeat(64),
          md5: 'c'.repeat(32),
          size: 10,
          created_at: 1,
        },
        manifest: manifestOf(bytes),
        sanitized_name: 'x',
        now: Date.now(),
        max_total_bytes: 1e9,
      });
      await claimStorage(store, { file_id: fileId, username: 'alice', limit: 1e9, now: 1 });
      const released = await f.alice.json('POST', '/remove-from-server', { file_id: fileId });
      expect(released).toMatchObject({ status: 200, body: { total_stored_bytes: 0 } });
    } finally {
      await f.server.close();
    }
  });
});

describe('restart between upload and claim', () => {
  it('loses nothing: the reopened server serves and claims the file', async () => {
    const first = await startBareServer();
    const dataDir = first.dataDir;
    const alice = first.user('alice');
    const bytes = bytesOf(50_000, 12);
    const fileId = await shareAndUpload(alice, await alice.socket(), bytes, {
      room_id: 'general',
    });
    await first.close({ keepData: true });

    const second = await startBareServer({ dataDir });
    try {
      const again = second.user('alice');
      const claim = await again.json('POST', '/store-permanently', { file_id: fileId });
      expect(claim).toMatchObject({
        status: 200,
        body: { success: true, total_stored_bytes: 50_000 },
      });
      const download = await again.fetch(`/${fileId}/download`);
      expect(Buffer.from(await download.arrayBuffer())).toEqual(bytes);
      const peers = await ack(await again.socket(), 'chat:file:request_peers', {
        file_id: fileId,
        room_id: 'general',
      });
      expect(peers).toMatchObject({ server_available: true, user_has_claim: true });
      expect((peers.file as { manifest: unknown }).manifest).toEqual(manifestOf(bytes));
    } finally {
      await second.close();
      (await import('node:fs')).rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
