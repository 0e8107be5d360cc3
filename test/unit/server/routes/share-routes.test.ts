/**
 * Share links on the file's own instance: making them (who may, password, expiry),
 * downloading and previewing through them from any page, revoking them, and slowing
 * down token and password guessing without locking out the rightful user.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MAX_HELD_PASSWORD_CHECKS,
  newShareToken,
  PASSWORD_FAILURE_LIMIT,
  TOKEN_FAILURE_LIMIT,
} from '../../../../server/shares/share-access.js';
import { randomPng } from '../support/federated-pair.js';
import { ack, bytesOf, manifestOf, nextEvent } from '../support/helpers.js';
import { startRoomFixture, type RoomFixture } from '../support/room-fixture.js';
import { shareAndUpload, shareBytes, uploadBytes } from '../support/upload.js';

const PASSWORD_HEADER = 'X-Chat-Files-Share-Password';
// A 1×1 PNG as a thumbnail data URL.
const THUMBNAIL_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

interface ShareAnswer {
  token: string;
  download_url: string;
  preview_url: string | null;
  expires_at: number | null;
  password_protected: boolean;
}

describe('share links', () => {
  let f: RoomFixture;
  let clock = Date.now();
  const bytes = bytesOf(5000, 7);
  let fileId: string;

  beforeAll(async () => {
    f = await startRoomFixture({ now: () => clock });
    fileId = await shareAndUpload(f.alice, f.aliceSocket, bytes, { name: 'notes.txt' });
  });
  afterAll(() => f.server.close());

  const makeShare = (user = f.alice, body: unknown = {}, id = fileId) =>
    user.json<ShareAnswer & { code?: string }>('POST', `/${id}/shares`, body);
  const at = (url: string, init: RequestInit = {}) => fetch(`${f.server.url}${url}`, init);

  it('gives the sender and room members a link; strangers and files without a copy get none', async () => {
    const mine = await makeShare();
    expect(mine.status).toBe(201);
    expect(mine.body.token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes
    expect(mine.body).toMatchObject({
      download_url: `/api/chat/files/shares/${mine.body.token}/download`,
      preview_url: null,
      expires_at: null,
      password_protected: false,
    });
    expect((await makeShare(f.bob)).status).toBe(201);
    expect((await makeShare(f.mallory)).body.code).toBe('ERR_NOT_MEMBER');
    const noCopy = await shareBytes(f.aliceSocket, bytesOf(10, 1));
    expect((await makeShare(f.alice, {}, noCopy)).status).toBe(404);
    expect((await makeShare(f.alice, { expires_in_minutes: 0 })).body.code).toBe('ERR_VALIDATION');
    expect((await makeShare(f.alice, { password: 'x'.repeat(257) })).body.code).toBe(
      'ERR_VALIDATION',
    );
  });

  it('serves the bytes with ranges, safe headers and CORS for any page, without credentials', async () => {
    const { body } = await makeShare();
    const res = await at(body.download_url, { headers: { origin: 'https://other.example' } });
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(bytes);
    expect(Object.fromEntries(res.headers)).toMatchObject({
      'access-control-allow-origin': '*',
      'x-content-type-options': 'nosniff',
      'content-security-policy': 'sandbox',
      'content-disposition': `inline; filename="notes.txt"; filename*=UTF-8''notes.txt`,
    });
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('access-control-expose-headers')).toContain('Content-Range');

    const ranged = await at(body.download_url, { headers: { range: 'bytes=-100' } });
    expect(ranged.status).toBe(206);
    expect(Buffer.from(await ranged.arrayBuffer())).toEqual(bytes.subarray(4900));
    const head = await at(body.download_url, { method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe('5000');
    const attachment = await at(`${body.download_url}?download`);
    expect(attachment.headers.get('content-disposition')).toMatch(/^attachment;/);
    await attachment.arrayBuffer();
  });

  it('answers CORS preflights, allowing the password and range headers', async () => {
    const { body } = await makeShare();
    const res = await at(body.download_url, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://other.example',
        'access-control-request-method': 'GET',
        'access-control-request-headers': `range, ${PASSWORD_HEADER.toLowerCase()}`,
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-headers')).toContain('Range');
    expect(res.headers.get('access-control-allow-headers')).toContain(PASSWORD_HEADER);
  });

  it('asks for the password of a protected link in a header, and opens it with the right one', async () => {
    const { body } = await makeShare(f.alice, { password: 'correct horse' });
    expect(body.password_protected).toBe(true);
    const none = await at(body.download_url);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: string }).error).toContain(PASSWORD_HEADER);
    const wrong = await at(body.download_url, { headers: { [PASSWORD_HEADER]: 'wrong' } });
    expect(wrong.status).toBe(403);
    await wrong.arrayBuffer();
    const right = await at(body.download_url, { headers: { [PASSWORD_HEADER]: 'correct horse' } });
    expect(right.status).toBe(200);
    expect(Buffer.from(await right.arrayBuffer())).toEqual(bytes);
    // The query string is never a way in: it ends up in logs.
    const query = await at(`${body.download_url}?password=correct%20horse`);
    expect(query.status).toBe(401);
    await query.arrayBuffer();
    // The member download route does not open password links either.
    const viaFileRoute = await at(`/api/chat/files/${fileId}/download?token=${body.token}`);
    expect(viaFileRoute.status).toBe(403);
    await viaFileRoute.arrayBuffer();
  });

  it('slows down wrong passwords per link, yet accepts the right one from the same address', async () => {
    const { body } = await makeShare(f.alice, { password: 'pw' });
    for (let i = 0; i < PASSWORD_FAILURE_LIMIT + 2; i++) {
      const res = await at(body.download_url, { headers: { [PASSWORD_HEADER]: `guess-${i}` } });
      expect(res.status).toBe(403);
      await res.arrayBuffer();
    }
    // The guesser shares the rightful user's address (one office NAT): still no lockout.
    const rightful = await at(body.download_url, { headers: { [PASSWORD_HEADER]: 'pw' } });
    expect(rightful.status).toBe(200);
    expect(Buffer.from(await rightful.arrayBuffer()).equals(bytes)).toBe(true);
    // A flood of concurrent guesses is held back and, past what a node holds, refused.
    const flood = await Promise.all(
      Array.from({ length: MAX_HELD_PASSWORD_CHECKS + 8 }, async (_, i) => {
        const res = await at(body.download_url, { headers: { [PASSWORD_HEADER]: `flood-${i}` } });
        const retryAfter = res.headers.get('retry-after');
        const json = (await res.json()) as { code: string };
        return { status: res.status, code: json.code, retryAfter };
      }),
    );
    const refused = flood.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThanOrEqual(8);
    for (const r of refused) {
      expect(r.code).toBe('ERR_RATE_LIMITED');
      expect(Number(r.retryAfter)).toBeGreaterThan(0);
    }
    expect(flood.filter((r) => r.status === 403).length).toBeLessThanOrEqual(
      MAX_HELD_PASSWORD_CHECKS,
    );
    // Another link of the same file is not affected.
    const other = await makeShare(f.alice, { password: 'pw2' });
    const res = await at(other.body.download_url, { headers: { [PASSWORD_HEADER]: 'pw2' } });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
  }, 30_000);

  it('stops a link at its expiry with 410', async () => {
    const { body } = await makeShare(f.alice, { expires_in_minutes: 5 });
    expect(body.expires_at).toBe(clock + 5 * 60_000);
    const before = await at(body.download_url);
    expect(before.status).toBe(200);
    await before.arrayBuffer();
    clock += 5 * 60_000;
    const after = await at(body.download_url);
    expect(after.status).toBe(410);
    expect(((await after.json()) as { error: string }).error).toMatch(/no longer available/);
  });

  it('previews an image through its thumbnail, or the image itself, and nothing else', async () => {
    const image = randomPng(8, 8);
    const reply = await ack(f.aliceSocket, 'chat:file:share', {
      room_id: 'team',
      name: 'photo.png',
      size: image.length,
      mime_type: 'image/png',
      thumbnail: `data:image/png;base64,${THUMBNAIL_PNG}`,
      manifest: manifestOf(image),
    });
    await uploadBytes(f.alice, reply.file_id as string, image, 'image/png');
    const withThumb = await makeShare(f.alice, {}, reply.file_id as string);
    expect(withThumb.body.preview_url).toMatch(/\/preview$/);
    const thumb = await at(withThumb.body.preview_url!);
    expect(thumb.headers.get('content-type')).toBe('image/png');
    expect(thumb.headers.get('access-control-allow-origin')).toBe('*');
    expect(Buffer.from(await thumb.arrayBuffer())).toEqual(Buffer.from(THUMBNAIL_PNG, 'base64'));

    const bare = await shareAndUpload(f.alice, f.aliceSocket, image, {
      name: 'bare.png',
      mime_type: 'image/png',
    });
    const itself = await makeShare(f.alice, {}, bare);
    const res = await at(itself.body.preview_url!);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await res.arrayBuffer())).toEqual(image);

    const text = await makeShare();
    const none = await at(text.body.download_url.replace(/download$/, 'preview'));
    expect(none.status).toBe(404);
  });

  it('lets only the sender revoke; every link and the room download then answer 410, and the room is told', async () => {
    const links = [await makeShare(), await makeShare(f.bob)];
    expect((await f.bob.json('POST', `/${fileId}/revoke`)).status).toBe(403);
    expect((await f.mallory.json('POST', `/${fileId}/revoke`)).status).toBe(403);
    const told = nextEvent(f.bobSocket, 'chat:file:revoked');
    const res = await f.alice.json('POST', `/${fileId}/revoke`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, notified_peers: [] });
    expect(res.body.revoked).toBeGreaterThanOrEqual(2);
    expect(await told).toEqual({ file_id: fileId, room_id: 'team' });
    for (const { body } of links) {
      const gone = await at(body.download_url);
      expect(gone.status).toBe(410);
      expect(gone.headers.get('access-control-allow-origin')).toBe('*');
      await gone.arrayBuffer();
    }
    expect((await f.alice.json('POST', `/${fileId}/revoke`)).body).toMatchObject({ revoked: 0 });
    // The file is withdrawn for members of the room as well, the sender included, and a
    // new link cannot bring it back; discovery says it is gone, so clients stop looking.
    for (const user of [f.bob, f.alice]) {
      const member = await user.fetch(`/${fileId}/download`);
      expect(member.status).toBe(410);
      expect(((await member.json()) as { code: string }).code).toBe('ERR_GONE');
      const relink = await user.json('POST', `/${fileId}/shares`, {});
      expect(relink.status).toBe(410);
    }
    const peers = await ack(f.bobSocket, 'chat:file:request_peers', {
      file_id: fileId,
      room_id: 'team',
    });
    expect(peers).toMatchObject({ success: false, code: 'ERR_GONE' });
  });
});

describe('share token guessing', () => {
  it('answers unknown tokens 404, then 429 with a growing wait, but never refuses a real token', async () => {
    const f = await startRoomFixture();
    try {
      const fileId = await shareAndUpload(f.alice, f.aliceSocket, bytesOf(100, 3));
      const { body } = await f.alice.json<ShareAnswer>('POST', `/${fileId}/shares`, {});
      for (let i = 0; i < TOKEN_FAILURE_LIMIT; i++) {
        const path = i % 2 ? `/shares/${newShareToken()}/download` : '/shares/short/preview';
        const res = await f.alice.fetch(path);
        expect(res.status, path).toBe(404);
        await res.arrayBuffer();
      }
      const waits: number[] = [];
      for (let i = 0; i < 3; i++) {
        const blocked = await fetch(
          `${f.server.url}${f.server.api.slice(f.server.url.length)}/shares/${newShareToken()}/download`,
        );
        expect(blocked.status).toBe(429);
        expect(((await blocked.json()) as { code: string }).code).toBe('ERR_RATE_LIMITED');
        waits.push(Number(blocked.headers.get('retry-after')));
      }
      expect(waits).toEqual([1, 2, 4]);
      // The member route's ?token= is throttled the same way.
      const around = await fetch(`${f.server.api}/${fileId}/download?token=${newShareToken()}`);
      expect(around.status).toBe(429);
      await around.arrayBuffer();
      // The real link still opens from the same address.
      const real = await fetch(`${f.server.url}${body.download_url}`);
      expect(real.status).toBe(200);
      await real.arrayBuffer();
      const viaToken = await fetch(`${f.server.api}/${fileId}/download?token=${body.token}`);
      expect(viaToken.status).toBe(200);
      await viaToken.arrayBuffer();
    } finally {
      await f.server.close();
    }
  });
});
