import { utimes, writeFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ack, bytesOf, collect, filesIn, nextEvent, settle } from './support/helpers.js';
import { startRoomFixture, type RoomFixture } from './support/room-fixture.js';
import { shareAndUpload, shareBytes, uploadBytes } from './support/upload.js';

const MINUTE = 60_000;

describe('retention', () => {
  let f: RoomFixture | null = null;
  const clock = { now: Date.UTC(2030, 0, 1) };
  afterEach(async () => {
    await f?.server.close();
    f = null;
  });

  it('expires unclaimed copies after temp_cache_minutes and never claimed ones', async () => {
    f = await startRoomFixture({
      now: () => clock.now,
      config: { server_seeding: { temp_cache_minutes: 30 } },
    });
    const storageDir = f.server.files.options.storageDir;
    const temp = await shareBytes(f.aliceSocket, bytesOf(100, 1));
    const uploaded = await uploadBytes(f.alice, temp, bytesOf(100, 1));
    expect(uploaded.body.expires_at).toBe(clock.now + 30 * MINUTE);
    const kept = await shareAndUpload(f.alice, f.aliceSocket, bytesOf(100, 2));
    await f.alice.json('POST', '/store-permanently', { file_id: kept });
    expect(await ack(f.aliceSocket, 'chat:file:server_status', { file_id: temp })).toMatchObject({
      server_available: true,
      expires_at: clock.now + 30 * MINUTE,
    });
    expect((await filesIn(storageDir)).length).toBe(2);

    clock.now += 31 * MINUTE;
    // Past its window the copy is gone for clients even before the job runs.
    expect(await ack(f.aliceSocket, 'chat:file:server_status', { file_id: temp })).toMatchObject({
      server_available: false,
    });
    expect((await f.alice.fetch(`/${temp}/download`)).status).toBe(410);

    const removed = nextEvent(f.bobSocket, 'chat:file:server_removed');
    const report = await f.server.files.runCleanup();
    expect(report).toMatchObject({ expired: 1, evicted: 0 });
    expect(await removed).toEqual({ file_id: temp, room_id: 'team', reason: 'expired' });
    expect((await filesIn(storageDir)).length).toBe(1);
    expect((await f.alice.fetch(`/${kept}/download`)).status).toBe(200);
  });

  it('keeps time by the injected clock alone, even one years away from the wall clock', async () => {
    const past = { now: Date.UTC(2001, 8, 9, 23, 0) };
    f = await startRoomFixture({
      now: () => past.now,
      config: { server_seeding: { temp_cache_minutes: 10 } },
    });
    const temp = await shareBytes(f.aliceSocket, bytesOf(50, 40));
    expect((await uploadBytes(f.alice, temp, bytesOf(50, 40))).body.expires_at).toBe(
      past.now + 10 * MINUTE,
    );
    const kept = await shareAndUpload(f.alice, f.aliceSocket, bytesOf(50, 41));
    await f.bob.json('POST', '/store-permanently', { file_id: kept });
    const claims = await f.server.files.store.claims.list('bob');
    expect(claims.map((c) => c.claimed_at)).toEqual([past.now]);

    past.now += 9 * MINUTE;
    expect(await f.server.files.runCleanup()).toMatchObject({ expired: 0, ran: true });
    past.now += 2 * MINUTE;
    expect(await f.server.files.runCleanup()).toMatchObject({ expired: 1, ran: true });
    expect(await ack(f.aliceSocket, 'chat:file:server_status', { file_id: temp })).toMatchObject({
      server_available: false,
    });
    expect((await f.bob.fetch(`/${kept}/download`)).status).toBe(200);
  });

  it('runs the cleanup job by itself every cleanup_interval_hours', async () => {
    f = await startRoomFixture({
      now: () => clock.now,
      config: { server_seeding: { temp_cache_minutes: 1, cleanup_interval_hours: 0.0001 } },
    });
    const fileId = await shareAndUpload(f.alice, f.aliceSocket, bytesOf(10, 3));
    const removed = nextEvent(f.aliceSocket, 'chat:file:server_removed', 3000);
    clock.now += 2 * MINUTE;
    expect(await removed).toMatchObject({ file_id: fileId, reason: 'expired' });
    expect(await filesIn(f.server.files.options.storageDir)).toEqual([]);
  });

  it('evicts unclaimed copies oldest-first at the cap, and answers 507 when only claimed ones are left', async () => {
    f = await startRoomFixture({
      now: () => clock.now,
      config: { server_seeding: { max_total_storage_bytes: 2500 } },
    });
    const storageDir = f.server.files.options.storageDir;
    const a = await shareAndUpload(f.alice, f.aliceSocket, bytesOf(1000, 4));
    clock.now += 1000;
    const b = await shareAndUpload(f.alice, f.aliceSocket, bytesOf(1000, 5));
    clock.now += 1000;
    // Touching `a` again would not matter: eviction goes by when a copy was cached.
    const evicted = nextEvent(f.bobSocket, 'chat:file:server_removed');
    const c = await shareAndUpload(f.alice, f.aliceSocket, bytesOf(1000, 6));
    expect(await evicted).toEqual({ file_id: a, room_id: 'team', reason: 'evicted' });
    for (const [id, available] of [
      [a, false],
      [b, true],
      [c, true],
    ] as const) {
      expect(
        (await ack(f.aliceSocket, 'chat:file:server_status', { file_id: id })).server_available,
      ).toBe(available);
    }
    expect((await filesIn(storageDir)).length).toBe(2);

    await f.bob.json('POST', '/store-permanently', { file_id: b });
    await f.bob.json('POST', '/store-permanently', { file_id: c });
    const before = await filesIn(storageDir);
    const d = await shareBytes(f.aliceSocket, bytesOf(1000, 7));
    const full = await uploadBytes(f.alice, d, bytesOf(1000, 7));
    expect(full.status).toBe(507);
    expect(full.body).toMatchObject({ code: 'ERR_STORAGE_FULL' });
    expect(full.body.error).toMatch(
      /^Server storage is full: 2KB of 2.4KB is held by permanently stored files\./,
    );
    expect(await filesIn(storageDir)).toEqual(before);

    // Once a claim is released, the claimed copy it freed makes room again.
    await f.bob.json('POST', '/remove-from-server', { file_id: b });
    expect((await uploadBytes(f.alice, d, bytesOf(1000, 7))).status).toBe(200);
  });

  it('evicts down to a lowered cap on the next cleanup', async () => {
    f = await startRoomFixture({ now: () => clock.now });
    const dataDir = f.server.dataDir;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(await shareAndUpload(f.alice, f.aliceSocket, bytesOf(1000, 10 + i)));
      clock.now += 1000;
    }
    await f.server.close({ keepData: true });
    f = await startRoomFixture({
      now: () => clock.now,
      dataDir,
      config: { server_seeding: { max_total_storage_bytes: 1500 } },
    });
    try {
      expect(await f.server.files.runCleanup()).toMatchObject({ evicted: 2 });
      const statuses = await ack(f.aliceSocket, 'chat:file:server_status_batch', {
        file_ids: ids,
      });
      const byId = statuses.statuses as Record<string, { server_available: boolean }>;
      expect(ids.map((id) => byId[id]!.server_available)).toEqual([false, false, true]);
    } finally {
      await f.server.close();
      f = null;
      (await import('node:fs')).rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('cleans up leftovers of crashes: partial writes, orphan blobs, records without bytes', async () => {
    f = await startRoomFixture({ now: () => clock.now });
    const storageDir = f.server.files.options.storageDir;
    const lost = await shareAndUpload(f.alice, f.aliceSocket, bytesOf(10, 20));
    const [lostBlob] = await filesIn(storageDir);
    await unlink(path.join(storageDir, lostBlob!));
    const stale = path.join(storageDir, `${'a'.repeat(32)}.part`);
    const orphan = path.join(storageDir, 'b'.repeat(32));
    const fresh = path.join(storageDir, `${'c'.repeat(32)}.part`);
    for (const file of [stale, orphan, fresh]) await writeFile(file, 'x');
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * MINUTE);
    await utimes(stale, twoHoursAgo, twoHoursAgo);
    await utimes(orphan, twoHoursAgo, twoHoursAgo);

    const strangerSaw = collect(f.mallorySocket, 'chat:file:server_removed');
    // A record whose bytes are not in blob storage yet may belong to a write another node
    // is finishing: it is kept through the grace period.
    expect(await f.server.files.runCleanup()).toMatchObject({ leftovers: 2, missing: 0 });
    clock.now += 61 * MINUTE;
    const report = await f.server.files.runCleanup();
    expect(report).toMatchObject({ leftovers: 0, missing: 1 });
    // A partial write younger than the grace period may still be in progress.
    expect(await filesIn(storageDir)).toEqual([`${'c'.repeat(32)}.part`]);
    expect(await ack(f.aliceSocket, 'chat:file:server_status', { file_id: lost })).toMatchObject({
      server_available: false,
    });
    await settle();
    expect(strangerSaw).toEqual([]);
  });

  it('cleans up leftovers at start-up too', async () => {
    f = await startRoomFixture({ now: () => clock.now });
    const dataDir = f.server.dataDir;
    const storageDir = f.server.files.options.storageDir;
    const kept = await shareAndUpload(f.alice, f.aliceSocket, bytesOf(10, 30));
    await f.server.close({ keepData: true });
    const stale = path.join(storageDir, `${'d'.repeat(32)}.part`);
    await writeFile(stale, 'crashed mid-write');
    const longAgo = new Date(Date.now() - 3 * 60 * MINUTE);
    await utimes(stale, longAgo, longAgo);
    f = await startRoomFixture({ now: () => clock.now, dataDir });
    try {
      expect((await filesIn(storageDir)).some((name) => name.endsWith('.part'))).toBe(false);
      expect((await f.alice.fetch(`/${kept}/download`)).status).toBe(200);
    } finally {
      await f.server.close();
      f = null;
      (await import('node:fs')).rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
