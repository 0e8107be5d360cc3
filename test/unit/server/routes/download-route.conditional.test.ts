/**
 * RFC 9110 conformance of `GET|HEAD /:file_id/download`: preconditions (§13), the 304
 * answer (§15.4.5), 401 challenges (§11.6.1) and a range on an empty file (§14.1.2).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesOf, sha256Hex } from '../support/helpers.js';
import { startRoomFixture, type RoomFixture } from '../support/room-fixture.js';
import { shareAndUpload } from '../support/upload.js';

describe('GET /:file_id/download, conditional requests', () => {
  let f: RoomFixture;
  const bytes = bytesOf(5_000, 3);
  let fileId: string;
  let etag: string;
  let lastModified: string;
  beforeAll(async () => {
    f = await startRoomFixture();
    fileId = await shareAndUpload(f.alice, f.aliceSocket, bytes, { name: 'data.bin' });
    etag = `"${sha256Hex(bytes)}"`;
    const first = await f.bob.fetch(`/${fileId}/download`, { method: 'HEAD' });
    lastModified = first.headers.get('last-modified')!;
  });
  afterAll(() => f.server.close());

  const get = (headers: Record<string, string>, method = 'GET') =>
    f.bob.fetch(`/${fileId}/download`, { headers, method });
  const secondsFrom = (date: string, delta: number) =>
    new Date(Date.parse(date) + delta * 1000).toUTCString();

  it('sends Last-Modified as an HTTP-date', () => {
    expect(lastModified).toMatch(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
  });

  it('answers If-Modified-Since with 304 when the copy is not newer, 200 when it is', async () => {
    for (const since of [lastModified, secondsFrom(lastModified, 60)]) {
      const res = await get({ 'if-modified-since': since });
      expect(res.status, since).toBe(304);
    }
    const older = await get({ 'if-modified-since': secondsFrom(lastModified, -60) });
    expect(older.status).toBe(200);
    expect(Buffer.from(await older.arrayBuffer())).toEqual(bytes);
    const invalid = await get({ 'if-modified-since': 'yesterday' });
    expect(invalid.status).toBe(200);
    await invalid.arrayBuffer();
  });

  it('lets If-None-Match win over If-Modified-Since', async () => {
    const res = await get({ 'if-none-match': '"other"', 'if-modified-since': lastModified });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
  });

  it('answers 304 with validators and caching headers but nothing describing a body', async () => {
    for (const method of ['GET', 'HEAD']) {
      const res = await get({ 'if-none-match': `"x", ${etag}` }, method);
      expect(res.status).toBe(304);
      expect(res.headers.get('etag')).toBe(etag);
      expect(res.headers.get('cache-control')).toBe('private, no-cache');
      for (const name of [
        'content-length',
        'content-type',
        'content-disposition',
        'content-range',
      ]) {
        expect(res.headers.get(name), `${method} ${name}`).toBeNull();
      }
      expect((await res.arrayBuffer()).byteLength).toBe(0);
    }
  });

  it('answers a failing If-Match with 412, a passing one with the file', async () => {
    for (const ifMatch of ['"other"', `W/${etag}`]) {
      const res = await get({ 'if-match': ifMatch });
      expect(res.status, ifMatch).toBe(412);
      expect(((await res.json()) as { code: string }).code).toBe('ERR_PRECONDITION_FAILED');
    }
    for (const ifMatch of [etag, '*', `"a", ${etag}`]) {
      const res = await get({ 'if-match': ifMatch, range: 'bytes=0-9' });
      expect(res.status, ifMatch).toBe(206);
      expect(Buffer.from(await res.arrayBuffer())).toEqual(bytes.subarray(0, 10));
    }
  });

  it('answers a failing If-Unmodified-Since with 412, and lets If-Match take precedence', async () => {
    const before = secondsFrom(lastModified, -60);
    const failed = await get({ 'if-unmodified-since': before });
    expect(failed.status).toBe(412);
    await failed.arrayBuffer();
    const passed = await get({ 'if-unmodified-since': lastModified });
    expect(passed.status).toBe(200);
    await passed.arrayBuffer();
    // §13.2.2: If-Unmodified-Since is not evaluated when If-Match is present.
    const matched = await get({ 'if-match': etag, 'if-unmodified-since': before });
    expect(matched.status).toBe(200);
    await matched.arrayBuffer();
  });

  it('checks 412 before 304: a failed If-Match wins over a matching If-None-Match', async () => {
    const res = await get({ 'if-match': '"other"', 'if-none-match': etag });
    expect(res.status).toBe(412);
    await res.arrayBuffer();
  });

  it('sends WWW-Authenticate with every 401', async () => {
    const res = await fetch(`${f.server.api}/${fileId}/download`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="chat-files"');
    const badSession = await fetch(`${f.server.api}/${fileId}/download`, {
      headers: { authorization: 'Bearer not-a-session' },
    });
    expect(badSession.status).toBe(401);
    expect(badSession.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
  });

  it('serves an empty file whole for a suffix range and 416 for ranges from a position', async () => {
    const emptyId = await shareAndUpload(f.alice, f.aliceSocket, Buffer.alloc(0), {
      name: 'empty.txt',
    });
    const suffix = await f.bob.fetch(`/${emptyId}/download`, { headers: { range: 'bytes=-5' } });
    expect(suffix.status).toBe(200);
    expect(suffix.headers.get('content-length')).toBe('0');
    expect(suffix.headers.get('content-range')).toBeNull();
    expect((await suffix.arrayBuffer()).byteLength).toBe(0);
    for (const range of ['bytes=0-', 'bytes=-0', 'bytes=0-0']) {
      const res = await f.bob.fetch(`/${emptyId}/download`, { headers: { range } });
      expect(res.status, range).toBe(416);
      expect(res.headers.get('content-range')).toBe('bytes */0');
      await res.arrayBuffer();
    }
  });
});
