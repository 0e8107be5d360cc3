import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashShareToken } from '../../../../server/routes/download-route.js';
import { bytesOf, sha256Hex } from '../support/helpers.js';
import { startRoomFixture, type RoomFixture } from '../support/room-fixture.js';
import { shareAndUpload, shareBytes } from '../support/upload.js';

describe('GET /:file_id/download', () => {
  let f: RoomFixture;
  const bytes = bytesOf(10_000, 21);
  let fileId: string;
  let etag: string;
  beforeAll(async () => {
    f = await startRoomFixture();
    fileId = await shareAndUpload(f.alice, f.aliceSocket, bytes, { name: 'data.txt' });
    etag = `"${sha256Hex(bytes)}"`;
  });
  afterAll(() => f.server.close());

  const get = (headers: Record<string, string> = {}, path = `/${fileId}/download`) =>
    f.bob.fetch(path, { headers });

  it('streams the whole file to a member with safe headers', async () => {
    const res = await get();
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(bytes);
    expect(Object.fromEntries(res.headers)).toMatchObject({
      'accept-ranges': 'bytes',
      'content-length': '10000',
      'content-type': 'text/plain',
      etag,
      'x-content-type-options': 'nosniff',
      'content-security-policy': 'sandbox',
      'cache-control': 'private, no-cache',
      'content-disposition': `inline; filename="data.txt"; filename*=UTF-8''data.txt`,
    });
  });

  it('answers HEAD with the headers and no body', async () => {
    const res = await f.bob.fetch(`/${fileId}/download`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe('10000');
    expect(res.headers.get('etag')).toBe(etag);
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  it('serves single byte ranges with 206 and Content-Range', async () => {
    const cases: Array<[string, number, number]> = [
      ['bytes=0-99', 0, 99],
      ['bytes=9990-', 9990, 9999],
      ['bytes=-10', 9990, 9999],
      ['bytes=5000-99999', 5000, 9999],
      ['bytes=-20000', 0, 9999],
    ];
    for (const [range, start, end] of cases) {
      const res = await get({ range });
      expect(res.status, range).toBe(206);
      expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/10000`);
      expect(res.headers.get('content-length')).toBe(String(end - start + 1));
      expect(Buffer.from(await res.arrayBuffer())).toEqual(bytes.subarray(start, end + 1));
    }
  });

  it('answers unsatisfiable ranges with 416 and ignores ranges it does not serve', async () => {
    for (const range of ['bytes=10000-', 'bytes=20000-30000', 'bytes=-0']) {
      const res = await get({ range });
      expect(res.status, range).toBe(416);
      expect(res.headers.get('content-range')).toBe('bytes */10000');
      expect(((await res.json()) as { code: string }).code).toBe('ERR_RANGE');
    }
    for (const range of ['bytes=0-1,5-6', 'bytes=9-2', 'items=0-5', 'bytes=abc']) {
      const res = await get({ range });
      expect(res.status, range).toBe(200);
      expect((await res.arrayBuffer()).byteLength).toBe(10_000);
    }
  });

  it('honours If-Range only with the current strong ETag, and If-None-Match', async () => {
    const matching = await get({ range: 'bytes=0-9', 'if-range': etag });
    expect(matching.status).toBe(206);
    await matching.arrayBuffer();
    for (const ifRange of ['"other"', `W/${etag}`, new Date().toUTCString()]) {
      const res = await get({ range: 'bytes=0-9', 'if-range': ifRange });
      expect(res.status, ifRange).toBe(200);
      expect((await res.arrayBuffer()).byteLength).toBe(10_000);
    }
    const notModified = await get({ 'if-none-match': etag });
    expect(notModified.status).toBe(304);
    expect((await get({ 'if-none-match': '"stale"' })).status).toBe(200);
  });

  it('serves HTML and SVG as attachments, and attachment on ?download', async () => {
    const html = Buffer.from('<script>alert(document.cookie)</script>');
    const htmlId = await shareAndUpload(f.alice, f.aliceSocket, html, {
      name: 'page.html',
      mime_type: 'text/html',
    });
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>');
    const svgId = await shareAndUpload(f.alice, f.aliceSocket, svg, {
      name: 'icon.svg',
      mime_type: 'image/svg+xml',
    });
    for (const [id, name] of [
      [htmlId, 'page.html'],
      [svgId, 'icon.svg'],
    ]) {
      const res = await get({}, `/${id}/download`);
      expect(res.headers.get('content-disposition')).toBe(
        `attachment; filename="${name}"; filename*=UTF-8''${name}`,
      );
      expect(res.headers.get('content-security-policy')).toBe('sandbox');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const forced = await get({}, `/${fileId}/download?download=1`);
    expect(forced.headers.get('content-disposition')).toMatch(/^attachment;/);
  });

  it('names downloads with RFC 6266 filename* and never with path parts', async () => {
    const data = Buffer.from('x');
    const id = await shareAndUpload(f.alice, f.aliceSocket, data, {
      name: '../../résumé "final".txt',
    });
    const res = await get({}, `/${id}/download`);
    expect(res.headers.get('content-disposition')).toBe(
      `inline; filename="_.._r_sum_ _final_.txt"; filename*=UTF-8''_.._r%C3%A9sum%C3%A9%20_final_.txt`,
    );
  });

  it('refuses no session (401), strangers (403), unknown files and files not on the server (404)', async () => {
    expect((await fetch(`${f.server.api}/${fileId}/download`)).status).toBe(401);
    const stranger = await f.mallory.fetch(`/${fileId}/download`);
    expect(stranger.status).toBe(403);
    expect(((await stranger.json()) as { code: string }).code).toBe('ERR_NOT_MEMBER');
    expect((await get({}, `/${randomUUID()}/download`)).status).toBe(404);
    const notUploaded = await shareBytes(f.aliceSocket, Buffer.from('peer only'));
    expect((await get({}, `/${notUploaded}/download`)).status).toBe(404);
  });

  it('lets a share token stand in for membership until it is revoked or expires', async () => {
    const store = f.server.files.store;
    const token = 'tok-' + 'a'.repeat(40);
    await store.shares.create({
      id: randomUUID(),
      file_id: fileId,
      token_hash: hashShareToken(token),
      scope: 'view',
      password_hash: null,
      expires_at: null,
      revoked_at: null,
      created_by: 'alice',
      created_at: Date.now(),
    });
    const anonymous = await fetch(`${f.server.api}/${fileId}/download?token=${token}`);
    expect(anonymous.status).toBe(200);
    expect(Buffer.from(await anonymous.arrayBuffer())).toEqual(bytes);
    const wrong = await fetch(`${f.server.api}/${fileId}/download?token=guess`);
    expect(wrong.status).toBe(403);
    const otherFile = await shareAndUpload(f.alice, f.aliceSocket, Buffer.from('other'));
    expect((await fetch(`${f.server.api}/${otherFile}/download?token=${token}`)).status).toBe(403);

    const expiring = 'tok-' + 'b'.repeat(40);
    await store.shares.create({
      id: randomUUID(),
      file_id: fileId,
      token_hash: hashShareToken(expiring),
      scope: 'view',
      password_hash: null,
      expires_at: Date.now() - 1,
      revoked_at: null,
      created_by: 'alice',
      created_at: Date.now() - 10,
    });
    expect((await fetch(`${f.server.api}/${fileId}/download?token=${expiring}`)).status).toBe(410);

    expect(await store.shares.revokeAll(fileId, Date.now())).toBe(2);
    const revoked = await fetch(`${f.server.api}/${fileId}/download?token=${token}`);
    expect(revoked.status).toBe(410);
    expect(((await revoked.json()) as { code: string }).code).toBe('ERR_GONE');
  });
});
