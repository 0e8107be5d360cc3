/**
 * The tier limit is inclusive: a claim that brings a user's stored bytes exactly to the
 * limit is accepted, one byte more is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesOf } from '../support/helpers.js';
import { startRoomFixture, type RoomFixture } from '../support/room-fixture.js';
import { shareAndUpload } from '../support/upload.js';

const LIMIT = 1000;

describe('POST /store-permanently at the tier limit', () => {
  let f: RoomFixture;
  beforeAll(async () => {
    f = await startRoomFixture({ config: { upload_tiers: { default: LIMIT } } });
  });
  afterAll(() => f.server.close());

  const claim = (fileId: string) => f.alice.json('POST', '/store-permanently', { file_id: fileId });

  it('accepts the claim that reaches the limit exactly and refuses one byte more', async () => {
    const first = await shareAndUpload(f.alice, f.aliceSocket, bytesOf(600, 1));
    const exact = await shareAndUpload(f.alice, f.aliceSocket, bytesOf(400, 2));
    const oneMore = await shareAndUpload(f.alice, f.aliceSocket, bytesOf(1, 3));
    expect((await claim(first)).status).toBe(200);
    const atLimit = await claim(exact);
    expect(atLimit.status).toBe(200);
    expect(atLimit.body).toMatchObject({ total_stored_bytes: LIMIT, tier_limit: LIMIT });
    const over = await claim(oneMore);
    expect(over.status).toBe(403);
    expect(over.body).toMatchObject({ code: 'ERR_QUOTA_EXCEEDED' });
    const usage = await f.alice.json('GET', '/user/storage');
    expect(usage.body).toMatchObject({ total_stored_bytes: LIMIT });
  });

  it('refuses a single claim one byte over an empty budget and accepts one exactly at it', async () => {
    const carol = f.server.user('carol');
    const socket = await carol.socket();
    await f.server.join('team', 'carol');
    const over = await shareAndUpload(carol, socket, bytesOf(LIMIT + 1, 4));
    expect((await carol.json('POST', '/store-permanently', { file_id: over })).status).toBe(403);
    const exact = await shareAndUpload(carol, socket, bytesOf(LIMIT, 5));
    expect((await carol.json('POST', '/store-permanently', { file_id: exact })).status).toBe(200);
  });
});
