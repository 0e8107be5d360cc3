/**
 * `download: accel` behind real nginx, configured with the shipped
 * `deploy/nginx/accel.conf`: the app authorizes and sets the headers, nginx sends the
 * bytes from the disk, whole and in ranges.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRoom, shareFile, uploadFileBytes } from '../../../support/app-files.js';
import { startNginx, type TestNginx } from '../../../support/nginx.js';
import { startTestApp, type TestApp, type TestClient } from '../../../support/test-app.js';

const SHIPPED_CONFIG = path.resolve(import.meta.dirname, '../../../../deploy/nginx/accel.conf');
const SHIPPED_ALIAS = '/var/lib/chat-files/data/uploads/chat_files/';

describe('download: accel, through nginx', () => {
  let app: TestApp;
  let nginx: TestNginx;
  let alice: TestClient;
  let bob: TestClient;
  let mallory: TestClient;
  let fileId: string;
  const bytes = randomBytes(3 * 1024 * 1024 + 17);
  const etag = `"${createHash('sha256').update(bytes).digest('hex')}"`;

  beforeAll(async () => {
    app = await startTestApp({ chatFiles: { server_seeding: { download: 'accel' } } });
    const storageDir = app.chat.files.options.storageDir;
    const accel = readFileSync(SHIPPED_CONFIG, 'utf8');
    expect(accel).toContain(SHIPPED_ALIAS);
    nginx = await startNginx(`
${accel.replace(SHIPPED_ALIAS, `${storageDir}/`)}
    location / {
      proxy_pass ${app.url};
      proxy_set_header Host $host;
    }
`);
    alice = await app.login('alice');
    bob = await app.login('bob');
    mallory = await app.login('mallory');
    const roomId = await createRoom(alice, 'accel', ['bob']);
    fileId = await shareFile(alice, roomId, bytes, { name: 'données.bin' });
    expect((await uploadFileBytes(alice, fileId, bytes)).status).toBe(200);
  });
  afterAll(async () => {
    await nginx?.stop();
    await app?.close();
  });

  const viaNginx = (client: TestClient | null, headers: Record<string, string> = {}) =>
    fetch(`${nginx.url}/api/chat/files/${fileId}/download`, {
      headers: { ...(client ? { authorization: `Bearer ${client.token}` } : {}), ...headers },
    });

  it('leaves the bytes to nginx: the app itself answers with X-Accel-Redirect and no body', async () => {
    const res = await bob.fetch(`/api/chat/files/${fileId}/download`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-accel-redirect')).toMatch(/^\/_chat_files_accel\/[0-9a-f]{32}$/);
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  it('downloads the whole file through nginx with the headers the app chose', async () => {
    const res = await viaNginx(bob);
    expect(res.status).toBe(200);
    expect(Object.fromEntries(res.headers)).toMatchObject({
      'content-length': String(bytes.length),
      'content-type': 'application/octet-stream',
      'content-disposition': `attachment; filename="donn_es.bin"; filename*=UTF-8''donn%C3%A9es.bin`,
      etag,
      'accept-ranges': 'bytes',
      'cache-control': 'private, no-cache',
      'x-content-type-options': 'nosniff',
      'content-security-policy': 'sandbox',
    });
    expect(res.headers.get('x-accel-redirect')).toBeNull();
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('serves ranges, and the whole file when If-Range names another version', async () => {
    for (const [start, end] of [
      [0, 99],
      [1024 * 1024, 2 * 1024 * 1024 - 1],
      [bytes.length - 10, bytes.length - 1],
    ] as const) {
      const res = await viaNginx(bob, { range: `bytes=${start}-${end}`, 'if-range': etag });
      expect(res.status).toBe(206);
      expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/${bytes.length}`);
      expect(Buffer.from(await res.arrayBuffer()).equals(bytes.subarray(start, end + 1))).toBe(
        true,
      );
    }
    const stale = await viaNginx(bob, { range: 'bytes=0-99', 'if-range': '"stale"' });
    expect(stale.status).toBe(200);
    expect(Buffer.from(await stale.arrayBuffer()).equals(bytes)).toBe(true);
    const outside = await viaNginx(bob, { range: `bytes=${bytes.length}-` });
    expect(outside.status).toBe(416);
    expect(outside.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
    await outside.arrayBuffer();
  });

  it('keeps the conditional answers of the app: 304, 412, and a passing If-Match', async () => {
    expect((await viaNginx(bob, { 'if-none-match': etag })).status).toBe(304);
    const lastModified = (await viaNginx(bob, { range: 'bytes=0-0' })).headers.get(
      'last-modified',
    )!;
    expect((await viaNginx(bob, { 'if-modified-since': lastModified })).status).toBe(304);
    const failed = await viaNginx(bob, { 'if-match': '"stale"' });
    expect(failed.status).toBe(412);
    await failed.arrayBuffer();
    const passed = await viaNginx(bob, { 'if-match': etag, range: 'bytes=10-19' });
    expect(passed.status).toBe(206);
    expect(Buffer.from(await passed.arrayBuffer()).equals(bytes.subarray(10, 20))).toBe(true);
  });

  it('refuses strangers and anonymous callers, and never serves the internal location directly', async () => {
    const stranger = await viaNginx(mallory);
    expect(stranger.status).toBe(403);
    expect(((await stranger.json()) as { code: string }).code).toBe('ERR_NOT_MEMBER');
    const anonymous = await viaNginx(null);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="chat-files"');
    await anonymous.arrayBuffer();
    const accelPath = (await bob.fetch(`/api/chat/files/${fileId}/download`)).headers.get(
      'x-accel-redirect',
    )!;
    const direct = await fetch(`${nginx.url}${accelPath}`);
    expect(direct.status).toBe(404);
    await direct.arrayBuffer();
  });

  it('sends share links the same way, readable from any page', async () => {
    const share = await alice.json<{ download_url: string }>(
      'POST',
      `/api/chat/files/${fileId}/shares`,
      {},
    );
    const sharePath = new URL(share.body.download_url, app.url).pathname;
    const res = await fetch(`${nginx.url}${sharePath}`, {
      headers: { origin: 'https://elsewhere.example', range: 'bytes=5-9' },
    });
    expect(res.status).toBe(206);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-expose-headers')).toContain('Content-Range');
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes.subarray(5, 10))).toBe(true);
  });
});
