/**
 * RFC 9110 on the share routes: the 401 of a password-protected link names the
 * `ChatFilesShare` scheme, CORS lets other pages read it, and share downloads answer
 * preconditions like the members' route.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesOf, sha256Hex } from '../support/helpers.js';
import { startRoomFixture, type RoomFixture } from '../support/room-fixture.js';
import { shareAndUpload } from '../support/upload.js';

const PASSWORD_HEADER = 'X-Chat-Files-Share-Password';

describe('share links, conditional requests and challenges', () => {
  let f: RoomFixture;
  const bytes = bytesOf(3000, 9);
  let fileId: string;
  beforeAll(async () => {
    f = await startRoomFixture();
    fileId = await shareAndUpload(f.alice, f.aliceSocket, bytes, { name: 'notes.txt' });
  });
  afterAll(() => f.server.close());

  const makeShare = async (body: unknown = {}) =>
    (await f.alice.json<{ download_url: string }>('POST', `/${fileId}/shares`, body)).body;
  const at = (url: string, init: RequestInit = {}) => fetch(`${f.server.url}${url}`, init);

  it('challenges a protected link with the ChatFilesShare scheme, readable cross-origin', async () => {
    const { download_url } = await makeShare({ password: 'open sesame' });
    const res = await at(download_url, { headers: { origin: 'https://other.example' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      `ChatFilesShare realm="chat-files share", header="${PASSWORD_HEADER}"`,
    );
    expect(res.headers.get('access-control-expose-headers')).toContain('WWW-Authenticate');
    await res.arrayBuffer();
    const right = await at(download_url, { headers: { [PASSWORD_HEADER]: 'open sesame' } });
    expect(right.status).toBe(200);
    expect(right.headers.get('www-authenticate')).toBeNull();
    await right.arrayBuffer();
  });

  it('answers preconditions on share downloads: 304 without body headers, 412', async () => {
    const { download_url } = await makeShare();
    const etag = `"${sha256Hex(bytes)}"`;
    const notModified = await at(download_url, { headers: { 'if-none-match': etag } });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get('content-type')).toBeNull();
    expect(notModified.headers.get('content-length')).toBeNull();
    const lastModified = notModified.headers.get('last-modified');
    expect(lastModified).toBeNull();
    const head = await at(download_url, { method: 'HEAD' });
    const since = head.headers.get('last-modified')!;
    expect((await at(download_url, { headers: { 'if-modified-since': since } })).status).toBe(304);
    const failed = await at(download_url, { headers: { 'if-match': '"stale"' } });
    expect(failed.status).toBe(412);
    await failed.arrayBuffer();
  });

  it('lets cross-origin pages send the conditional headers', async () => {
    const { download_url } = await makeShare();
    const res = await at(download_url, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://other.example',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'if-modified-since, if-match',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-headers')).toContain('If-Modified-Since');
    expect(res.headers.get('access-control-allow-headers')).toContain('If-Match');
  });
});
